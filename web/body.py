"""Checks every JSON body before validation: type, size, syntax, encoding, NUL bytes.

Done once here rather than per view so malformed input can never reach a view (and
never become a 500): 415 not JSON, 413 too large, 400 malformed, 422 NUL characters or
a body that is not a JSON object.
"""

from __future__ import annotations

from typing import Any

import orjson
from flask import request

from web.errors import ApiError
from web.ext import resources

BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
# Views that take a multipart upload, streamed to disk by the view (never read here).
UPLOAD_ENDPOINTS = frozenset({"api.imports.create_import"})
MAX_DEPTH = 32


def _check(value: Any, depth: int = 0) -> None:
    if depth > MAX_DEPTH:
        raise ApiError(422, "JSON nested too deeply")
    if isinstance(value, str):
        if "\x00" in value:
            raise ApiError(422, "strings may not contain NUL characters")
    elif isinstance(value, dict):
        for k, v in value.items():
            _check(k, depth + 1)
            _check(v, depth + 1)
    elif isinstance(value, list):
        for v in value:
            _check(v, depth + 1)


def parse_json_body() -> None:
    """Parse the request body into Flask's JSON cache, or raise the right 4xx."""
    if request.method not in BODY_METHODS:
        return
    if request.endpoint in UPLOAD_ENDPOINTS and request.mimetype == "multipart/form-data":
        request.max_content_length = resources().settings.bulk.import_max_bytes
        return
    data = request.get_data(cache=True)  # raises 413 past MAX_CONTENT_LENGTH
    if not data:
        return
    if request.mimetype != "application/json":
        raise ApiError(415, "send the body as JSON with 'Content-Type: application/json'")
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise ApiError(400, f"malformed JSON: {exc}") from None
    # The validator reads a falsy body (``[]``, ``null``, ``0``) as ``{}``: a PATCH would
    # answer 200 for a body that is not even an object.
    if not isinstance(value, dict):
        raise ApiError(422, "the JSON body must be an object")
    _check(value)
    # Flask's get_json() (used by the validator) reads this cache.
    request._cached_json = (value, value)
