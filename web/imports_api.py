"""``/api/v1/imports``: upload a CSV or NDJSON file to import; follow it; fetch its report.

The upload is multipart and may be large (``IMPORT_MAX_BYTES``): Werkzeug spools the file
part to a temporary file as it arrives, and it is copied in blocks to ``FILES_DIR``;
neither holds it in memory. Everything the client chose is checked against the file's
header before anything is recorded (422 names what is wrong, and nothing is kept).
``Idempotency-Key`` works as on the JSON routes, over the file's bytes and the form: the
same upload replays the first answer, another one is 409.
"""

from __future__ import annotations

import shutil
import uuid
from typing import Annotated, Any

import orjson
from flask import Blueprint, Response, request, send_file, url_for
from pydantic import BaseModel, ConfigDict, Field
from spectree import Response as SpecResponse
from sqlalchemy import select

from core.bulk import files, imports
from core.bulk.fields import TYPES
from core.queueing import batches
from jobs import bulk
from models import Import
from web import idempotency, responses_reports
from web.auth import owned, principal
from web.errors import ApiError
from web.ext import db, resources
from web.http import json_response
from web.pagination import paginate
from web.spec import may_answer, request_body, returns, returns_file, spec

bp = Blueprint("imports", __name__)
FORM_FIELDS = frozenset(
    {"file", "type", "mapping", "key", "dry_run", "encoding", "delimiter", "quotechar", "format"}
)
TRUE = frozenset({"1", "true", "yes", "on"})
FALSE = frozenset({"", "0", "false", "no", "off"})


class ImportListQuery(BaseModel):
    """``GET /imports``: a page of the org's imports, newest first."""

    model_config = ConfigDict(extra="forbid")
    limit: Annotated[int, Field(ge=1, le=200)] = 50
    cursor: Annotated[str, Field(max_length=512)] | None = None


def import_view(row: Import) -> dict[str, Any]:
    """The public view of an import, with its batch's progress."""
    summary = batches.summary(db(), row.job_id) if row.job_id else None
    report = url_for("api.imports.get_report", import_id=row.id)
    out = imports.as_dict(
        db(), row, report_url=report, progress=summary["progress"] if summary else None
    )
    out["links"] = {"self": url_for("api.imports.get_import", import_id=row.id)}
    return out


def _form() -> dict[str, str | None]:
    form = request.form
    # A part whose name Werkzeug cannot read (``name="\\"``) has the name None.
    unknown = sorted(str(name) for name in set(form) - FORM_FIELDS)
    if unknown:
        raise ApiError(422, f"unknown form fields: {', '.join(unknown)}")
    for name, value in form.items():
        if "\x00" in value:
            raise ApiError(422, f"{name} may not contain NUL characters")
    return {name: (form.get(name) or None) for name in FORM_FIELDS - {"file"}}


def _mapping(raw: str | None) -> dict[str, str] | None:
    if raw is None:
        return None
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise ApiError(422, "mapping must be a JSON object of column → field") from None
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise ApiError(422, "mapping must be a JSON object of column → field (strings)")
    return value


def _flag(raw: str | None) -> bool:
    low = (raw or "").strip().lower()
    if low not in TRUE | FALSE:
        raise ApiError(422, "dry_run must be true or false")
    return low in TRUE


def _check_load(org_id: int) -> None:
    # Always a fresh check: an import stages many jobs (the broker down counts as clear: the
    # jobs wait safely in the outbox).
    overload = resources().admission.check(resources().broker, db(), org_id, fresh=True)
    if overload is not None:
        raise ApiError(
            overload.status, overload.message, headers={"Retry-After": str(overload.retry_after)}
        )


@bp.post("/imports")
@may_answer(429)
@request_body(
    {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file", "type"],
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "type": {"type": "string", "enum": sorted(TYPES)},
                        "mapping": {"type": "string", "description": "JSON: column -> field"},
                        "key": {"type": "string", "description": "the upsert field"},
                        "dry_run": {"type": "string", "enum": ["true", "false"]},
                    },
                },
                "example": {
                    "file": "first_name,last_name,email\nAda,Lovelace,ada@acme.example\n",
                    "type": "contacts",
                    "key": "email",
                    "dry_run": "true",
                },
            }
        },
    }
)
@returns(responses_reports.Import, status=202)
@spec.validate(tags=["imports"], resp=SpecResponse(HTTP_202=None))
def create_import() -> Response:
    """Start an import: multipart ``file``, ``type``, optional ``mapping``, ``key``, ``dry_run``."""
    who = principal()
    if request.mimetype != "multipart/form-data":
        raise ApiError(415, "send the import as multipart/form-data with a 'file' part")
    upload = request.files.get("file")  # 413 past IMPORT_MAX_BYTES (web.body)
    if upload is None or not upload.filename:
        raise ApiError(422, "the 'file' part is required")
    form = _form()
    if form["type"] is None:
        raise ApiError(422, "type is required")
    if form["format"] not in (None, "csv", "ndjson"):
        raise ApiError(422, "format must be csv or ndjson")
    mapping, dry_run = _mapping(form["mapping"]), _flag(form["dry_run"])
    idem = idempotency.request_key()  # as on the JSON routes, over the upload (below)
    settings = resources().settings
    import_id = uuid.uuid4()
    path = files.upload_path(settings, who.org_id, import_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        upload.save(path)
        if idem is not None:
            # The same key and upload (file bytes, name and parsed fields) replay the first
            # answer; the upload just saved is dropped. Claimed in the import's transaction.
            chosen = {**form, "mapping": mapping, "dry_run": dry_run, "filename": upload.filename}
            replay = idempotency.claim(db(), *idem, idempotency.upload_digest(chosen, path))
            if replay is not None:
                db().rollback()
                shutil.rmtree(path.parent, ignore_errors=True)
                replay.headers["Location"] = replay.get_json()["links"]["self"]
                return replay
        _check_load(who.org_id)
        the_plan = imports.plan(
            path, form["type"], mapping=mapping, key=form["key"], kind_hint=form["format"],
            given={k: form[k] for k in ("encoding", "delimiter", "quotechar")},
        )  # fmt: skip
        row = imports.create(
            db(), settings, import_id=import_id, org_id=who.org_id, user_id=who.user_id,
            the_plan=the_plan, filename=upload.filename, dry_run=dry_run,
            split=bulk.import_split, finish=bulk.import_finish,
        )  # fmt: skip
        out = import_view(row)
        resp = json_response(out, 202, {"Location": out["links"]["self"]})
        if idem is not None:
            idempotency.record(db(), *idem, resp)
        db().commit()
    except imports.BadImport as exc:
        db().rollback()
        shutil.rmtree(path.parent, ignore_errors=True)
        raise ApiError(422, str(exc)) from None
    except BaseException:
        db().rollback()
        shutil.rmtree(path.parent, ignore_errors=True)
        raise
    return resp


@bp.get("/imports")
@returns(responses_reports.ImportPage)
@spec.validate(query=ImportListQuery, tags=["imports"])
def list_imports() -> Response:
    """The org's imports, newest first."""
    q: ImportListQuery = request.context.query  # type: ignore[attr-defined]
    stmt = select(Import).where(Import.org_id == principal().org_id)
    rows, cursor = paginate(
        db(), stmt, model=Import, sort="-created_at", limit=q.limit, cursor=q.cursor
    )
    return json_response({"items": [import_view(r) for r in rows], "next_cursor": cursor})


@bp.get("/imports/<uuid:import_id>")
@returns(responses_reports.Import)
@spec.validate(tags=["imports"])
def get_import(import_id: uuid.UUID) -> Response:
    """One import: counts so far, progress, and its report once finished."""
    return json_response(import_view(owned(Import, import_id, "import")))


@bp.get("/imports/<uuid:import_id>/report")
@returns_file("text/csv")
# No spec.validate: spectree reads every answer's body (get_data), which would load the
# whole file into memory; send_file streams it.
def get_report(import_id: uuid.UUID) -> Response:
    """The rejection report (CSV: row, column, reason) of a finished import."""
    row = owned(Import, import_id, "import")
    path = files.report_path(resources().settings, row.org_id, row.id)
    if row.finished_at is None or not path.is_file():
        raise ApiError(404, "the report is ready when the import has finished")
    return send_file(path, mimetype="text/csv", as_attachment=True,
                     download_name=f"import-{row.id}-rejections.csv")  # fmt: skip
