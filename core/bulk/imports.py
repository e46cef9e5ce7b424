"""The import pipeline: create, split (read, check, stage), chunk (upsert), finish (report).

An import is a batch (core.queueing.batches): its first member, the split, streams the
file into the UNLOGGED staging table with one COPY (rows checked on the way; refused rows
go to ``import_rejections``), rejects repeated keys in one statement, and adds one chunk
job per ``chunk_rows`` rows to its own batch. Each chunk checks links, upserts its rows in
one statement, indexes them and drops its staging rows, in one transaction that also
records the chunk in ``import_chunks``: a redelivered chunk finds its row and changes
nothing. The batch's callback finishes the import once every chunk is final, failed ones
included. Nothing holds the file in memory.
"""

from __future__ import annotations

import csv
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from dramatiq import Actor
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from core.bulk import files, upsert
from core.bulk.fields import TYPES, Field, ImportType, checker
from core.bulk.reader import Format, UnreadableFile, detect, field_rows, header
from core.queueing import batches
from core.search import store
from core.settings import Settings
from models import Import, ImportChunk, JobBatch
from models.db import scope_to_org

COPY_BLOCK = 1 << 20


class BadImport(ValueError):
    """The request cannot be imported as given (a 422 naming why)."""


@dataclass(frozen=True)
class Plan:
    """How an import reads its file: columns → fields, the key, the format."""

    kind: ImportType
    mapping: dict[str, str]
    key: str | None
    fmt: Format

    @property
    def fields(self) -> tuple[Field, ...]:
        wanted = set(self.mapping.values())
        return tuple(f for f in self.kind.fields if f.name in wanted)


def plan(path: Path, type_name: str, *, mapping: dict[str, str] | None, key: str | None,
         given: dict[str, str | None], kind_hint: str | None = None) -> Plan:  # fmt: skip
    """Check what the client asked against the file's header; raise :class:`BadImport`."""
    kind = TYPES.get(type_name)
    if kind is None:
        raise BadImport(f"type must be one of {', '.join(TYPES)}")
    try:
        fmt = detect(path, kind=kind_hint, **given)
        columns = header(path, fmt)
    except UnreadableFile as exc:
        raise BadImport(str(exc)) from None
    names = {f.name for f in kind.fields}
    if mapping is None:
        resolved = {c: c.strip().lower() for c in columns if c.strip().lower() in names}
    else:
        unknown = sorted(set(mapping.values()) - names)
        if unknown:
            raise BadImport(f"mapping names unknown {type_name} fields: {', '.join(unknown)}")
        absent = sorted(set(mapping) - set(columns))
        if absent and fmt.kind == "csv":
            raise BadImport(f"mapping names columns the file does not have: {', '.join(absent)}")
        resolved = dict(mapping)
    mapped = set(resolved.values())
    missing = [f.name for f in kind.fields if f.required and f.name not in mapped]
    if missing:
        raise BadImport(f"no column for the required field(s): {', '.join(missing)}")
    if key is not None:
        if key not in kind.keys:
            raise BadImport(f"key for {type_name} must be one of {', '.join(kind.keys)}")
        if key not in mapped:
            raise BadImport(f"the key {key!r} is not among the file's columns")
    return Plan(kind, resolved, key, fmt)


def create(session: Session, settings: Settings, *, import_id: uuid.UUID, org_id: int,
           user_id: int | None, the_plan: Plan, filename: str, dry_run: bool,
           split: Actor[Any, Any], finish: Actor[Any, Any]) -> Import:  # fmt: skip
    """Record the import and stage it as a batch whose first member is its split."""
    options = {**the_plan.fmt.as_json(), "mapping": the_plan.mapping, "key": the_plan.key,
               "dry_run": dry_run, "chunk_rows": settings.bulk.chunk_rows}  # fmt: skip
    batch_id = batches.open_batch(
        session, org_id=org_id, job_type="import", params={"import_id": str(import_id)},
        created_by=user_id, callback=finish, callback_args=(str(import_id),),
        callback_type="import.finish",
    )  # fmt: skip
    row = Import(id=import_id, org_id=org_id, created_by=user_id, type=the_plan.kind.name,
                 filename=filename[:255], options=options, job_id=batch_id)  # fmt: skip
    session.add(row)
    session.flush()
    batches.add(session, batch_id, split, job_type="import.split", org_id=org_id,
                args=(str(import_id),), created_by=user_id)  # fmt: skip
    batches.seal(session, batch_id)
    return row


def load_plan(row: Import) -> Plan:
    """The plan an import was created with."""
    o = row.options
    fmt = Format(o["format"], o["encoding"], o["delimiter"], o["quotechar"])
    return Plan(TYPES[row.type], dict(o["mapping"]), o.get("key"), fmt)


def _copy_text(value: str) -> str:
    """``value`` as a field of COPY's text format."""
    return (
        value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    )


def split(session: Session, settings: Settings, import_id: uuid.UUID,
          stage_chunk: Callable[[Session, Import, int], None]) -> dict[str, int]:  # fmt: skip
    """Stream the file into staging, reject bad rows, and stage the chunks (one transaction)."""
    row = session.get(Import, import_id, with_for_update=True)
    if row is None or row.status != "queued":
        return {"skipped": 1}  # already split (a redelivered message), or gone
    the_plan = load_plan(row)
    fields = the_plan.fields
    names, check = [f.name for f in fields], checker(the_plan.kind, fields)
    path = files.upload_path(settings, row.org_id, row.id)
    conn = session.connection().connection.driver_connection
    assert conn is not None  # psycopg's connection, in the session's transaction
    read = bad_rows = max_row = 0
    ident, key = str(import_id), the_plan.key
    with tempfile.TemporaryFile("w+", encoding="utf-8", newline="") as rejected:
        out = csv.writer(rejected, delimiter="\t", lineterminator="\n")
        with conn.cursor() as cur, cur.copy(
            "COPY import_rows (import_id, row_no, data) FROM STDIN"
        ) as copy:  # fmt: skip
            block: list[str] = []
            size = 0
            for number, values, problem in field_rows(path, the_plan.fmt, the_plan.mapping, names):
                read += 1
                max_row = number
                if values is None:
                    out.writerow((number, "", _copy_text(problem or "unreadable")))
                    bad_rows += 1
                    continue
                clean, problems = check(values)
                if key is not None and clean.get(key, "") is None:
                    # Without its key a row would be inserted again by every re-import.
                    problems.append((key, "empty, and it is the import's key"))
                if problems:
                    bad_rows += 1
                    for column, reason in problems:
                        out.writerow((number, column, _copy_text(reason)))
                    continue
                # orjson escapes every control character, so only backslashes need COPY's.
                data = orjson.dumps(clean).decode().replace("\\", "\\\\")
                line = f"{ident}\t{number}\t{data}\n"
                block.append(line)
                size += len(line)
                if size >= COPY_BLOCK:
                    copy.write("".join(block))
                    block, size = [], 0
            if block:
                copy.write("".join(block))
        rejected.seek(0)
        with conn.cursor() as cur, cur.copy(
            'COPY import_rejections (import_id, row_no, "column", reason) FROM STDIN'
        ) as copy:  # fmt: skip
            for line in rejected:
                copy.write(f"{ident}\t{line}")
    # In this transaction, so the chunks it stages (sent after commit) plan with them.
    upsert.analyze_staging(session)
    if the_plan.key is not None:
        bad_rows += upsert.reject_duplicate_keys(session, import_id, the_plan.key)
    chunk_rows = int(row.options["chunk_rows"])
    chunks = max_row // chunk_rows + 1 if read else 0
    for chunk_no in range(chunks):
        stage_chunk(session, row, chunk_no)
    row.status, row.rows_read, row.rejected = "running", read, bad_rows
    return {"rows_read": read, "rejected": bad_rows, "chunks": chunks}


def chunk(session: Session, import_id: uuid.UUID, chunk_no: int,
          stage_index: Callable[[Session, Import, int], None],
          invalidate: Callable[[Session, int, str], None]) -> dict[str, int]:  # fmt: skip
    """Check links and upsert one chunk's rows, once (see the module docstring); the ids
    written are kept for the chunk's index job, added to the import's batch."""
    row = session.get(Import, import_id)
    if row is None:
        return {"skipped": 1}
    claimed = session.execute(
        text("INSERT INTO import_chunks (import_id, chunk_no, created, updated, unchanged,"
             " rejected) VALUES (:i, :n, 0, 0, 0, 0) ON CONFLICT DO NOTHING RETURNING 1"),
        {"i": import_id, "n": chunk_no},
    ).scalar_one_or_none()  # fmt: skip
    if claimed is None:
        return {"skipped": 1}  # this chunk committed before (a redelivered message)
    the_plan = load_plan(row)
    size = int(row.options["chunk_rows"])
    params = {"import_id": import_id, "org_id": row.org_id, "lo": chunk_no * size,
              "hi": (chunk_no + 1) * size, "chunk_no": chunk_no}  # fmt: skip
    rejected = upsert.reject_bad_links(session, the_plan.kind, the_plan.fields, params)
    if row.options.get("dry_run"):
        with session.begin_nested() as trial:
            created, updated, unchanged = upsert.upsert(
                session, the_plan.kind, the_plan.fields, the_plan.key, params
            )
            trial.rollback()
    else:
        searched = the_plan.kind.search_kind is not None
        created, updated, unchanged = upsert.upsert(
            session, the_plan.kind, the_plan.fields, the_plan.key, params, keep_ids=searched
        )
        # Before commit: a chunk that starts after this one plans with the org's rows in.
        upsert.analyze_if_stale(session, the_plan.kind, row.org_id, created)
        if searched and (created or updated):  # the upsert kept their ids on the chunk's row
            stage_index(session, row, chunk_no)
        if created or updated:
            invalidate(session, row.org_id, the_plan.kind.table)
    session.execute(
        text("DELETE FROM import_rows WHERE import_id = :import_id AND row_no >= :lo"
             " AND row_no < :hi"), params,
    )  # fmt: skip
    done = {"created": created, "updated": updated, "unchanged": unchanged, "rejected": rejected}
    session.execute(
        text("UPDATE import_chunks SET created = :created, updated = :updated,"
             " unchanged = :unchanged, rejected = :rejected"
             " WHERE import_id = :i AND chunk_no = :n"),
        {**done, "i": import_id, "n": chunk_no},
    )  # fmt: skip
    return done


INDEX_BATCH = 500


def index_chunk(sessions: Callable[[], Any], import_id: uuid.UUID, chunk_no: int,
                index: Callable[[Session, int, str, list[int]], object]) -> int:  # fmt: skip
    """Index the rows a chunk wrote, ``INDEX_BATCH`` per transaction, as the org; how many.

    Small transactions, because the indexer takes one advisory lock per record and the
    lock table holds a few thousand (``max_locks_per_transaction``); indexing is
    idempotent, so a redelivered job simply does it again. One session (one connection)
    for the whole job, every transaction behind the org's row-level security.

    The batches commit without waiting for their WAL flush (``synchronous_commit = off``,
    a fsync per 500 documents saved); the last transaction, which clears the chunk's ids,
    commits synchronously, and WAL is flushed in order, so once it returns every batch is
    durable too. A crash before it loses at most batches that the redelivered job (its
    success is not recorded yet) writes again.

    Between batches, the index's statistics are refreshed while they count fewer of the
    org's documents than this job wrote (a new org's first jobs; see
    ``store.analyze_if_stale``).
    """
    with sessions() as session:
        row = session.get(Import, import_id)
        done = session.get(ImportChunk, (import_id, chunk_no))
        if row is None or done is None or not done.ids:
            return 0
        org_id, kind, ids = row.org_id, TYPES[row.type].search_kind, list(done.ids)
    assert kind is not None
    with sessions() as session:
        scope_to_org(session, org_id)
        for start in range(0, len(ids), INDEX_BATCH):
            if start:
                with session.begin():  # its own transaction: ANALYZE's lock ends with it
                    store.analyze_if_stale(session, org_id, start)
            with session.begin():
                session.execute(text("SET LOCAL synchronous_commit = off"))
                index(session, org_id, kind, ids[start : start + INDEX_BATCH])
        with session.begin():
            session.execute(
                text("UPDATE import_chunks SET ids = NULL"
                     " WHERE import_id = :i AND chunk_no = :n"),
                {"i": import_id, "n": chunk_no},
            )  # fmt: skip
    return len(ids)


def totals(session: Session, row: Import) -> dict[str, int]:
    """Created, updated, unchanged and rejected so far (the chunks' sums while running)."""
    if row.finished_at is not None:
        return {"created": row.created, "updated": row.updated, "unchanged": row.unchanged,
                "rejected": row.rejected}  # fmt: skip
    sums = session.execute(
        select(func.coalesce(func.sum(ImportChunk.created), 0),
               func.coalesce(func.sum(ImportChunk.updated), 0),
               func.coalesce(func.sum(ImportChunk.unchanged), 0),
               func.coalesce(func.sum(ImportChunk.rejected), 0))
        .where(ImportChunk.import_id == row.id)
    ).one()  # fmt: skip
    return {"created": int(sums[0]), "updated": int(sums[1]), "unchanged": int(sums[2]),
            "rejected": row.rejected + int(sums[3])}  # fmt: skip


def finish(session: Session, settings: Settings, import_id: uuid.UUID) -> Import | None:
    """Sum the chunks, write the rejection report, drop staging and the upload; once."""
    row = session.get(Import, import_id, with_for_update=True)
    if row is None or row.finished_at is not None:
        return None
    counts = totals(session, row)
    batch = session.get(JobBatch, row.job_id) if row.job_id else None
    failed = batch.failed if batch is not None else 0
    canceled = batch.canceled if batch is not None else 0
    row.created, row.updated = counts["created"], counts["updated"]
    row.unchanged, row.rejected = counts["unchanged"], counts["rejected"]
    row.status = "failed" if failed or canceled or row.status == "queued" else "succeeded"
    if failed:
        row.error = f"{failed} job(s) of this import failed; see GET /api/v1/jobs/{row.job_id}"
    elif canceled or row.status == "failed":
        row.error = f"canceled ({canceled} of its jobs did not run)"
    row.finished_at = datetime.now(UTC)
    report = files.report_path(settings, row.org_id, row.id)
    report.parent.mkdir(parents=True, exist_ok=True)
    with report.open("w", encoding="utf-8", newline="") as f:
        out = csv.writer(f)
        out.writerow(("row", "column", "reason"))
        result = session.execute(
            text('SELECT row_no, "column", reason FROM import_rejections WHERE import_id = :i'
                 " ORDER BY row_no, id"), {"i": import_id},
            execution_options={"yield_per": 5000},
        )  # fmt: skip
        for rejection in result:
            out.writerow(tuple(rejection))
    session.execute(text("DELETE FROM import_rows WHERE import_id = :i"), {"i": import_id})
    files.upload_path(settings, row.org_id, row.id).unlink(missing_ok=True)
    return row


def as_dict(session: Session, row: Import, *, report_url: str | None,
            progress: int | None = None) -> dict[str, Any]:  # fmt: skip
    """The public view of an import."""
    return {
        "id": str(row.id), "type": row.type, "status": row.status, "rows_read": row.rows_read,
        **totals(session, row), "report_url": report_url if row.finished_at else None,
        "job_id": str(row.job_id) if row.job_id else None,
        "created_at": row.created_at.isoformat(),
        "finished_at": row.finished_at.isoformat() if row.finished_at else None,
        "dry_run": bool(row.options.get("dry_run")), "key": row.options.get("key"),
        "filename": row.filename, "error": row.error, "progress": progress,
    }  # fmt: skip
