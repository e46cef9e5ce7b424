"""``/api/v1/exports``: export an org's rows to CSV or NDJSON; fetch them by a signed link.

The download link (``/files/exports/<id>?token=…``) needs no API key, so a browser or a
spreadsheet can open it: the token, signed with itsdangerous, names the org and the export
and expires after ``EXPORT_LINK_TTL_S``. Without a valid token the file is never served.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from flask import Blueprint, Response, request, send_file, url_for
from pydantic import BaseModel, ConfigDict, Field
from spectree import Response as SpecResponse

from core.bulk import exports, files
from core.queueing import job_state
from jobs import bulk
from models import Export, Job
from web import responses_reports
from web.auth import owned, principal
from web.errors import ApiError
from web.ext import db, resources
from web.http import json_response
from web.idempotency import transactional
from web.schemas import Str
from web.spec import may_answer, returns, returns_file, spec

bp = Blueprint("exports", __name__)
downloads = Blueprint("downloads", __name__)
Scalar = Str | int | bool | None


class ExportIn(BaseModel):
    """What to export: a type, equality filters, the columns, and the format."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "type": "contacts",
                    "format": "csv",
                    "columns": ["id", "first_name", "last_name", "email"],
                    "filters": {"owner_id": 1},
                }
            ]
        },
    )
    type: Literal["contacts", "companies", "deals", "leads", "activities"]
    format: Literal["csv", "ndjson"] = "csv"
    columns: Annotated[list[Annotated[Str, Field(max_length=64)]], Field(max_length=32)] | None = (
        None
    )
    filters: Annotated[dict[Annotated[Str, Field(max_length=64)], Scalar], Field(max_length=16)] = (
        Field(default_factory=dict)
    )


def _key() -> str:
    return exports.signing_key(resources().settings, resources().broker)


def export_view(row: Export) -> dict[str, Any]:
    """The public view of an export; a fresh signed link once its file is ready."""
    out: dict[str, Any] = {
        "id": str(row.id), "type": row.type, "format": row.format, "status": row.status,
        "rows": row.rows, "columns": row.options.get("columns"),
        "filters": row.options.get("filters"), "job_id": str(row.job_id) if row.job_id else None,
        "error": row.error, "created_at": row.created_at.isoformat(),
        "finished_at": row.finished_at.isoformat() if row.finished_at else None,
        "download_url": None, "expires_at": None,
        "links": {"self": url_for("api.exports.get_export", export_id=row.id)},
    }  # fmt: skip
    if row.status == "succeeded":
        ttl = resources().settings.bulk.link_ttl_s
        token = exports.sign(_key(), row.org_id, row.id)
        out["download_url"] = url_for("downloads.download", export_id=row.id, token=token)
        out["expires_at"] = (datetime.now(UTC) + timedelta(seconds=ttl)).isoformat()
    return out


@bp.post("/exports")
@returns(responses_reports.Export, status=202)
@spec.validate(json=ExportIn, tags=["exports"], resp=SpecResponse(HTTP_202=None))
@transactional
def create_export() -> Response:
    """Start an export; its file is written by a job in the ``bulk`` queue."""
    body: ExportIn = request.context.json  # type: ignore[attr-defined]
    who = principal()
    try:
        columns = exports.check(body.type, body.columns, body.filters)
    except exports.BadExport as exc:
        raise ApiError(422, str(exc)) from None
    export_id = uuid.uuid4()
    options = {"columns": columns, "filters": body.filters}
    row = Export(id=export_id, org_id=who.org_id, created_by=who.user_id, type=body.type,
                 format=body.format, options=options)  # fmt: skip
    db().add(row)
    db().flush()
    row.job_id = job_state.stage(
        db(), bulk.export_run, job_type="export.run", org_id=who.org_id,
        args=(str(export_id),), created_by=who.user_id,
    ).id  # type: ignore[union-attr]  # fmt: skip
    db().flush()
    db().refresh(row)
    out = export_view(row)
    return json_response(out, 202, {"Location": out["links"]["self"]})


@bp.get("/exports/<uuid:export_id>")
@returns(responses_reports.Export)
@spec.validate(tags=["exports"])
def get_export(export_id: uuid.UUID) -> Response:
    """One export: status, rows, and a signed download link once it is ready."""
    row = owned(Export, export_id, "export")
    if row.status != "succeeded":
        job = db().get(Job, row.job_id) if row.job_id else None
        if job is not None and job.status in ("failed", "dead", "canceled"):
            row.status, row.error = "failed", job.error
    return json_response(export_view(row))


@downloads.get("/files/exports/<uuid:export_id>")
@may_answer(403)  # a link that is invalid, of another export, or expired
@returns_file("text/csv", "application/x-ndjson")
# No spec.validate: spectree reads every answer's body, which would load the whole file.
def download(export_id: uuid.UUID) -> Response:
    """An export's file, for whoever holds a valid, unexpired link (no API key)."""
    token = request.args.get("token", "")
    ttl = resources().settings.bulk.link_ttl_s
    org_id = exports.verify(_key(), token, export_id, ttl)
    row = db().get(Export, export_id) if org_id is not None else None
    if row is None or row.org_id != org_id:
        raise ApiError(403, "this download link is invalid or has expired")
    path = files.export_path(resources().settings, row.org_id, row.id, row.format)
    if not path.is_file():
        raise ApiError(404, "the export's file is gone")
    mimetype = "application/x-ndjson" if row.format == "ndjson" else "text/csv"
    return send_file(path, mimetype=mimetype, as_attachment=True, download_name=path.name)
