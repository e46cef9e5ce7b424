"""``GET /api/v1/ops/audit``: the audit log, newest first (operators only)."""

from __future__ import annotations

from typing import Annotated, Any

from flask import Blueprint, Response, request
from pydantic import Field
from sqlalchemy import select

from models import AuditEntry, User
from web import responses_ops
from web.auth import require_role
from web.ext import db
from web.http import json_response
from web.pagination import paginate
from web.schemas import Id, Str, Strict
from web.spec import returns, spec

bp = Blueprint("ops_audit", __name__, url_prefix="/ops")


class AuditQuery(Strict):
    limit: Annotated[int, Field(ge=1, le=200)] = 50
    cursor: Annotated[Str, Field(max_length=512)] | None = None
    action: Annotated[Str, Field(max_length=64)] | None = None
    target: Annotated[Str, Field(max_length=200)] | None = None
    user_id: Id | None = None


def _entry(a: AuditEntry, emails: dict[int, str]) -> dict[str, Any]:
    return {
        "id": a.id,
        "action": a.action,
        "target": a.target,
        "details": a.details,
        "org_id": a.org_id,
        "user_id": a.user_id,
        "user_email": emails.get(a.user_id) if a.user_id else None,
        "created_at": a.created_at.isoformat(),
    }


@bp.get("/audit")
@returns(responses_ops.AuditPage)
@spec.validate(query=AuditQuery, tags=["ops"])
@require_role("operator")
def list_audit() -> Response:
    q: AuditQuery = request.context.query  # type: ignore[attr-defined]
    stmt = select(AuditEntry)
    if q.action:
        stmt = stmt.where(AuditEntry.action == q.action)
    if q.target:
        stmt = stmt.where(AuditEntry.target == q.target)
    if q.user_id:
        stmt = stmt.where(AuditEntry.user_id == q.user_id)
    rows, cursor = paginate(
        db(), stmt, model=AuditEntry, sort="-created_at", limit=q.limit, cursor=q.cursor
    )
    ids = {a.user_id for a in rows if a.user_id}
    emails = {
        uid: email
        for uid, email in db().execute(select(User.id, User.email).where(User.id.in_(ids)))
    }
    return json_response({"items": [_entry(a, emails) for a in rows], "next_cursor": cursor})
