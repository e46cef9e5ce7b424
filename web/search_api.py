"""``/api/v1/search``, ``/api/v1/search/suggest`` and ``/api/v1/search/analytics`` (admin)."""

from __future__ import annotations

import logging
from typing import Annotated

import redis
from flask import Blueprint, Response, after_this_request, request
from pydantic import AfterValidator, Field

from core import search
from models import SEARCH_TYPES
from web import responses_reports
from web.auth import principal, require_role
from web.ext import db, resources
from web.http import json_response
from web.schemas import Id, LeadStatus, Stage, Str, Strict
from web.spec import returns, spec

log = logging.getLogger(__name__)
bp = Blueprint("search", __name__)
# Singular (as in results) or plural (as in resource paths).
_ALIASES = {
    **{t: t for t in SEARCH_TYPES},
    "companies": "company",
    "contacts": "contact",
    "deals": "deal",
    "leads": "lead",
}


def _types(value: str | None) -> str | None:
    if value is None:
        return None
    names = [v.strip().lower() for v in value.split(",") if v.strip()]
    unknown = sorted({n for n in names if n not in _ALIASES})
    if unknown or not names:
        known = ", ".join(SEARCH_TYPES)
        raise ValueError(f"unknown type(s) {', '.join(unknown) or '(none)'}; known: {known}")
    return ",".join(dict.fromkeys(_ALIASES[n] for n in names))


# Whitespace is stripped first, so a blank ``q`` fails ``min_length``.
Q = Annotated[Str, Field(min_length=1, max_length=200, examples=["lovelace"])]
Types = Annotated[Str | None, AfterValidator(_types)]


class SearchQuery(Strict):
    q: Q
    types: Types = None
    limit: Annotated[int, Field(ge=1, le=50)] = 20
    owner_id: Id | None = None
    stage: Stage | None = None
    status: LeadStatus | None = None


class SuggestQuery(Strict):
    q: Q
    types: Types = None
    limit: Annotated[int, Field(ge=1, le=50)] = 10


class AnalyticsQuery(Strict):
    days: Annotated[int, Field(ge=1, le=90)] = 7
    top: Annotated[int, Field(ge=1, le=100)] = 10


def _filters(q: SearchQuery | SuggestQuery) -> search.Filters:
    types = tuple(q.types.split(",")) if q.types else SEARCH_TYPES
    if isinstance(q, SearchQuery):
        return search.Filters(types=types, owner_id=q.owner_id, stage=q.stage, status=q.status)
    return search.Filters(types=types)


def _record_later(org_id: int, result: search.Result) -> None:
    client = resources().broker

    def record() -> None:
        try:
            search.record(client, org_id, result.query, len(result.items), result.took_ms)
        except redis.RedisError:
            # Analytics are best effort: a search never fails for them.
            log.warning("search analytics not recorded: broker Redis unavailable")

    def on_close(response: Response) -> Response:
        # Runs once the server has sent the body: recording is off the request path.
        response.call_on_close(record)
        return response

    # On the response actually sent (the validator may wrap the view's own).
    after_this_request(on_close)


@bp.get("/search")
@returns(responses_reports.SearchResult)
@spec.validate(query=SearchQuery, tags=["search"])
def search_view() -> Response:
    q: SearchQuery = request.context.query  # type: ignore[attr-defined]
    who = principal()
    result = search.search(
        db(), who.org_id, q.q, filters=_filters(q), limit=q.limit, user_id=who.user_id
    )
    response = json_response(
        {"items": result.items, "query": result.query, "took_ms": result.took_ms}
    )
    if result.query:
        _record_later(who.org_id, result)
    return response


@bp.get("/search/suggest")
@returns(responses_reports.Suggestions)
@spec.validate(query=SuggestQuery, tags=["search"])
def suggest_view() -> Response:
    q: SuggestQuery = request.context.query  # type: ignore[attr-defined]
    who = principal()
    out = search.suggest(
        db(), who.org_id, q.q, limit=q.limit, filters=_filters(q), user_id=who.user_id
    )
    return json_response(out)


@bp.get("/search/analytics")
@returns(responses_reports.SearchReport)
@spec.validate(query=AnalyticsQuery, tags=["search"])
@require_role("admin")
def analytics_view() -> Response:
    q: AnalyticsQuery = request.context.query  # type: ignore[attr-defined]
    return json_response(search.report(db(), principal().org_id, days=q.days, top=q.top))
