"""Response caching for GET endpoints: per-org keys, ETag/304, ``X-Cache``, single-flight.

Put :func:`cached` under ``@spec.validate`` so the key is built from validated, defaulted
parameters (``?limit=50`` and no ``limit`` share one entry) and bad input never reaches
the cache. Only 200 answers are stored; anything else (404, 422) passes through.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Flask, Response, current_app, make_response, request
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.http import unquote_etag

from core.cache.service import Cache, Result, Uncacheable
from core.cache.track import track_writes
from core.settings import Settings
from web.auth import principal

F = TypeVar("F", bound=Callable[..., Any])
EXTENSION = "saleshub.cache"
# Shared caches must not keep another user's answer; browsers must revalidate (cheap: 304).
CACHE_CONTROL = "private, no-cache"


def init_app(app: Flask, settings: Settings, sessions: sessionmaker[Session]) -> Cache:
    """Give ``app`` a cache service, and make every commit of ``sessions`` invalidate it."""
    cache = Cache.from_url(settings.cache.url, settings.cache, environment=settings.environment)
    track_writes(sessions, cache)
    app.extensions[EXTENSION] = cache
    return cache


def cache_service() -> Cache:
    """The current app's cache service."""
    cache: Cache = current_app.extensions[EXTENSION]
    return cache


def _params(kwargs: dict[str, Any]) -> dict[str, Any]:
    params = dict(kwargs)
    query = getattr(getattr(request, "context", None), "query", None)
    if query is not None:
        params.update(query.model_dump(mode="json"))
    return params


def _answer(result: Result) -> Response:
    headers = {"ETag": result.etag, "Cache-Control": CACHE_CONTROL, "X-Cache": result.state}
    if request.if_none_match.contains_weak(unquote_etag(result.etag)[0] or ""):
        return Response(status=304, headers=headers)
    return Response(result.payload, mimetype="application/json", headers=headers)


def cached(
    name: str,
    *,
    tags: Callable[..., list[str]],
    soft_ttl: float | None = None,
    hard_ttl: float | None = None,
) -> Callable[[F], F]:
    """Cache a GET view's 200 answers per org under ``name``; ``tags(**view_args)``."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            cache = cache_service()
            key = cache.key(principal().org_id, name, _params(kwargs))

            def compute() -> bytes:
                resp = make_response(view(*args, **kwargs))
                if resp.status_code != 200:
                    raise Uncacheable(resp)
                return resp.get_data()

            try:
                result = cache.fetch(
                    key, tags=tags(**kwargs), compute=compute, soft_ttl=soft_ttl, hard_ttl=hard_ttl
                )
            except Uncacheable as skip:
                return skip.value
            return _answer(result)

        return wrapper  # type: ignore[return-value]

    return decorator
