"""Bulk jobs: an import's split, chunks and finish (a batch), and exports. Queue ``bulk``."""

from __future__ import annotations

import uuid
from typing import Any

import orjson
import sqlalchemy as sa  # not ``func``: it answers every attribute, so it looks like an actor
from sqlalchemy.orm import Session

from core import channels, search
from core.bulk import exports, imports
from core.cache.keys import write_tags
from core.notify.triggers import Event
from core.queueing import batches
from core.queueing.broker import actor, current_broker
from core.queueing.outbox import stage
from jobs import cache
from jobs.notifications import emit
from jobs.runtime import current_settings, session_factory, session_scope
from models import Import, ImportChunk, JobBatch


def _index(session: Session, org_id: int, kind: str, ids: list[int]) -> None:
    search.index_many(session, org_id, kind, ids)


def _stage_index(session: Session, row: Import, chunk_no: int) -> None:
    assert row.job_id is not None
    batches.add(session, row.job_id, import_index, job_type="import.index", org_id=row.org_id,
                args=(str(row.id), chunk_no), created_by=row.created_by)  # fmt: skip


def _invalidate(session: Session, org_id: int, table: str) -> None:
    tags = sorted(write_tags(table, None))
    stage(session, cache.invalidate, job_type="cache.invalidate", org_id=org_id,
          args=(org_id, tags, None))  # fmt: skip


def _stage_chunk(session: Session, row: Import, chunk_no: int) -> None:
    assert row.job_id is not None
    batches.add(session, row.job_id, import_chunk, job_type="import.chunk", org_id=row.org_id,
                args=(str(row.id), chunk_no), created_by=row.created_by)  # fmt: skip


def _announce(org_id: int, data: dict[str, Any]) -> None:
    """Progress of an import on the org's ``jobs`` channel (a hint; the API is the truth)."""
    client = getattr(current_broker(), "client", None)
    if client is not None:
        frame = orjson.dumps(channels.frame("jobs", data))  # as core.queueing.status_feed does
        channels.publish_encoded(client, [(channels.org_channel(org_id, "jobs"), frame)])


@actor(actor_name="import.split", queue_name="bulk", max_retries=2, time_limit=3_600_000)
def import_split(import_id: str) -> dict[str, int]:
    """Read an uploaded file into staging and add its chunk jobs to the import's batch."""
    with session_scope() as session:
        return imports.split(session, current_settings(), uuid.UUID(import_id), _stage_chunk)


@actor(actor_name="import.chunk", queue_name="bulk", max_retries=3, time_limit=900_000)
def import_chunk(import_id: str, chunk_no: int) -> dict[str, int]:
    """Upsert, index and invalidate one chunk of an import, once."""
    ident = uuid.UUID(import_id)
    with session_scope() as session:
        done = imports.chunk(session, ident, chunk_no, _stage_index, _invalidate)
    with session_scope() as session:
        row = session.get(Import, ident)
        if row is not None and row.job_id is not None:
            chunks = session.scalar(
                sa.select(sa.func.count()).where(ImportChunk.import_id == ident)
            )  # fmt: skip
            batch = session.get(JobBatch, row.job_id)
            _announce(row.org_id, {
                "id": str(row.job_id), "type": "import", "import_id": import_id,
                "status": "running", "chunks_done": chunks,
                "jobs_total": batch.total if batch else None,
            })  # fmt: skip
    return done


@actor(
    actor_name="import.index", queue_name="bulk", max_retries=3, time_limit=1_800_000,
)  # fmt: skip
def import_index(import_id: str, chunk_no: int) -> int:
    """Index the rows one chunk of an import wrote (a member of the import's batch)."""
    return imports.index_chunk(session_factory(), uuid.UUID(import_id), chunk_no, _index)


@actor(actor_name="import.finish", queue_name="bulk", max_retries=5, time_limit=900_000)
def import_finish(batch_id: str, import_id: str) -> dict[str, Any]:
    """The import batch's callback: totals, the rejection report, the user's notification."""
    settings = current_settings()
    with session_scope() as session:
        row = imports.finish(session, settings, uuid.UUID(import_id))
        if row is None:
            return {"skipped": 1}
        base = settings.web.public_url.rstrip("/")
        report_url = f"{base}/api/v1/imports/{row.id}/report"
        if row.created_by is not None:
            emit(session, [Event(
                key=f"import.finished:{row.id}", org_id=row.org_id, category="import.finished",
                urgency="normal", title=f"Import of {row.filename or row.type} {row.status}",
                body=(f"{row.created} created, {row.updated} updated, {row.unchanged} unchanged,"
                      f" {row.rejected} rejected"),
                users=(row.created_by,),
                data={"import_id": str(row.id), "report_url": report_url},
            )])  # fmt: skip
        out = {"status": row.status, "created": row.created, "updated": row.updated,
               "unchanged": row.unchanged, "rejected": row.rejected}  # fmt: skip
        org_id = row.org_id
    _announce(org_id, {"id": batch_id, "type": "import", "import_id": import_id, **out})
    return out


@actor(actor_name="export.run", queue_name="bulk", max_retries=2, time_limit=3_600_000)
def export_run(export_id: str) -> dict[str, Any]:
    """Stream an export's rows to its file with a server-side cursor."""
    with session_scope() as session:
        return exports.run(session, current_settings(), uuid.UUID(export_id))
