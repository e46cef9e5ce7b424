"""``/api/v1/ops/batches`` and ``/api/v1/ops/imports``: every org's batches with their
members by status, and imports with their progress (operators only, newest first)."""

from __future__ import annotations

from typing import Annotated, Literal

from flask import Blueprint, Response, request
from pydantic import Field

from core.ops import batches as ops_batches
from models import Import, Job, JobStatus
from web import responses_ops
from web.auth import require_role
from web.ext import db
from web.http import json_response
from web.pagination import decode_cursor, encode_cursor, paginate
from web.schemas import Id, Str, Strict
from web.spec import returns, spec

bp = Blueprint("ops_batches", __name__, url_prefix="/ops")
SORT = "-created_at"  # what a cursor was made for (web.pagination)
# The import types of core.bulk.fields.TYPES (tests/web/test_ops_batches_api.py checks).
ImportType = Literal["activities", "companies", "contacts", "deals", "leads"]
ImportStatus = Literal["queued", "running", "succeeded", "failed"]


class OpsBatchQuery(Strict):
    limit: Annotated[int, Field(ge=1, le=200)] = 50
    cursor: Annotated[Str, Field(max_length=512)] | None = None
    status: JobStatus | None = None
    type: Annotated[Str, Field(max_length=64)] | None = None
    org_id: Id | None = None


class OpsImportQuery(Strict):
    limit: Annotated[int, Field(ge=1, le=200)] = 50
    cursor: Annotated[Str, Field(max_length=512)] | None = None
    active: bool = Field(default=False, description="only imports not finished yet")
    status: ImportStatus | None = None
    type: ImportType | None = None
    org_id: Id | None = None


@bp.get("/batches")
@returns(responses_ops.OpsBatchPage)
@spec.validate(query=OpsBatchQuery, tags=["ops"])
@require_role("operator")
def list_batches() -> Response:
    """Every org's batches, newest first, with members by status and the callback's state."""
    q: OpsBatchQuery = request.context.query  # type: ignore[attr-defined]
    f = ops_batches.BatchFilter(status=q.status, type=q.type, org_id=q.org_id)
    after = decode_cursor(q.cursor, SORT, Job.created_at, Job.id) if q.cursor else None
    rows = ops_batches.batch_page(db(), f, limit=q.limit + 1, after=after)
    cursor = None
    if len(rows) > q.limit:
        rows = rows[: q.limit]
        cursor = encode_cursor(SORT, rows[-1].created_at, rows[-1].id)
    return json_response({"items": ops_batches.views(db(), rows), "next_cursor": cursor})


@bp.get("/imports")
@returns(responses_ops.OpsImportPage)
@spec.validate(query=OpsImportQuery, tags=["ops"])
@require_role("operator")
def list_imports() -> Response:
    """Every org's imports, newest first: rows read, committed and rejected so far."""
    q: OpsImportQuery = request.context.query  # type: ignore[attr-defined]
    f = ops_batches.ImportFilter(active=q.active, status=q.status, type=q.type, org_id=q.org_id)
    rows, cursor = paginate(
        db(), ops_batches.import_query(f), model=Import, sort="-created_at", limit=q.limit,
        cursor=q.cursor,
    )  # fmt: skip
    return json_response({"items": ops_batches.import_views(db(), rows), "next_cursor": cursor})
