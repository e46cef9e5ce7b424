"""One error shape for every failure: ``{"error": {"code", "message", "details"}}``."""

from __future__ import annotations

import logging
from typing import Any

import psycopg
import redis
import sqlalchemy.exc
from flask import Flask, Response, jsonify
from werkzeug.exceptions import HTTPException

from core.queueing.brokers.base import BrokerUnavailable

log = logging.getLogger(__name__)

CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    503: "unavailable",
}


class ApiError(Exception):
    """An answer with an error status; raised anywhere in a request.

    Parameters:
      status: the HTTP status.
      message: what went wrong, for a person.
      code: a stable machine-readable code (default: from the status).
      details: structured detail, e.g. per-field validation errors.
      headers: extra response headers such as ``Retry-After``.
    """

    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: str | None = None,
        details: Any = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code or CODES.get(status, "error")
        self.details = details
        self.headers = headers or {}


# A dependency that is down, unreachable, too slow or restarting: the request may succeed
# later, so it is a 503 (with Retry-After), never a 500. Statement timeouts and
# serialization failures are psycopg OperationalErrors too, and retrying helps them alike.
DEPENDENCY_ERRORS: tuple[type[Exception], ...] = (
    sqlalchemy.exc.OperationalError,
    sqlalchemy.exc.InterfaceError,
    sqlalchemy.exc.TimeoutError,  # no pooled connection within pool_timeout
    psycopg.OperationalError,
    psycopg.InterfaceError,
    redis.ConnectionError,
    redis.TimeoutError,
    BrokerUnavailable,  # RabbitMQ, for the ops views (core.ops.rabbitmq_ops)
)
RETRY_AFTER_S = 5


def _dependency_name(err: Exception) -> str:
    if isinstance(err, BrokerUnavailable):
        return "rabbitmq"
    return "redis" if isinstance(err, redis.RedisError) else "database"


def not_found(kind: str = "resource") -> ApiError:
    """The 404 for a missing id and for another org's id alike."""
    return ApiError(404, f"{kind} not found")


def error_response(
    status: int, code: str, message: str, details: Any = None, headers: dict[str, str] | None = None
) -> Response:
    """A JSON error response."""
    resp = jsonify({"error": {"code": code, "message": message, "details": details}})
    resp.status_code = status
    for name, value in (headers or {}).items():
        resp.headers[name] = value
    return resp


def register(app: Flask) -> None:
    """Install handlers that turn every error into the JSON error shape."""

    @app.errorhandler(ApiError)
    def _api_error(err: ApiError) -> Response:
        return error_response(err.status, err.code, err.message, err.details, err.headers)

    @app.errorhandler(HTTPException)
    def _http_error(err: HTTPException) -> Response:
        status = err.code or 500
        headers = dict(err.get_headers()) if status == 405 else {}
        headers.pop("Content-Type", None)
        message = err.description or err.name
        return error_response(status, CODES.get(status, "error"), message, None, headers)

    def _dependency_down(err: Exception) -> Response:
        name = _dependency_name(err)
        log.warning("%s unavailable: %s", name, err)
        return error_response(
            503,
            "unavailable",
            f"a service this request needs ({name}) is unavailable; retry later",
            {"dependency": name},
            {"Retry-After": str(RETRY_AFTER_S)},
        )

    for kind in DEPENDENCY_ERRORS:
        app.register_error_handler(kind, _dependency_down)

    @app.errorhandler(Exception)
    def _unexpected(err: Exception) -> Response:
        log.exception("unhandled error")
        return error_response(500, "internal_error", "internal server error")
