"""Writing documents and vocabulary: the version guard, tombstones and term counts.

The guard: a writer takes a version from ``search_doc_version`` *before* it reads its
sources (each statement of a READ COMMITTED transaction sees what committed before it
started), and a document is replaced only by one of a higher version. The last write to a
record commits before its job takes a version, so the highest version has read every
write, whatever order jobs and their retries run in.
"""

from __future__ import annotations

import zlib
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from core.search.documents import Doc
from models.db import as_owner

LOCK_SPACE = 0x5EA4C4
COLUMNS = (
    "entity_type, entity_id, version, deleted, title, subtitle, title_key, keys, fields, tsv, "
    "owner_id, stage, status, company_id, contact_id, source_updated_at"
)
_TYPES = (
    "text[]",
    "bigint[]",
    "bigint[]",
    "boolean[]",
    "text[]",
    "text[]",
    "text[]",
    "text[]",
    "text[]",
    "text[]",
    "bigint[]",
    "text[]",
    "text[]",
    "bigint[]",
    "bigint[]",
    "timestamptz[]",
)
_ARGS = ", ".join(f"CAST(:c{i} AS {t})" for i, t in enumerate(_TYPES))
_UPSERT = text(
    "INSERT INTO search_documents (org_id, " + COLUMNS + ") "  # nosec B608  # module constants only
    "SELECT :org, u.c0, u.c1, u.c2, u.c3, u.c4, u.c5, u.c6, u.c7, u.c8::jsonb, "
    "u.c9::tsvector, u.c10, u.c11, u.c12, u.c13, u.c14, u.c15 "
    "FROM unnest(" + _ARGS + ") AS u(" + ", ".join(f"c{i}" for i in range(len(_TYPES))) + ") "  # nosec B608  # module constants only
    "ORDER BY u.c0, u.c1 "
    "ON CONFLICT (org_id, entity_type, entity_id) DO UPDATE SET "
    "version = excluded.version, deleted = excluded.deleted, title = excluded.title, "
    "subtitle = excluded.subtitle, title_key = excluded.title_key, keys = excluded.keys, "
    "fields = excluded.fields, tsv = excluded.tsv, owner_id = excluded.owner_id, "
    "stage = excluded.stage, status = excluded.status, company_id = excluded.company_id, "
    "contact_id = excluded.contact_id, source_updated_at = excluded.source_updated_at, "
    "indexed_at = now() "
    "WHERE search_documents.version < excluded.version "
    "RETURNING entity_type, entity_id"
)
_TERMS = text(
    "INSERT INTO search_terms (org_id, term, doc_count) "
    "SELECT :org, u.t, u.d FROM unnest(CAST(:terms AS text[]), CAST(:deltas AS int[])) "
    "AS u(t, d) ORDER BY u.t "
    "ON CONFLICT (org_id, term) DO UPDATE "
    "SET doc_count = greatest(search_terms.doc_count + excluded.doc_count, 0)"
)
_SET_TERMS = text(
    "INSERT INTO search_terms (org_id, term, doc_count) "
    "SELECT :org, u.t, u.d FROM unnest(CAST(:terms AS text[]), CAST(:counts AS int[])) "
    "AS u(t, d) ORDER BY u.t "
    "ON CONFLICT (org_id, term) DO UPDATE SET doc_count = excluded.doc_count "
    "WHERE search_terms.doc_count <> excluded.doc_count"
)
_ZERO_OTHERS = text(
    "UPDATE search_terms SET doc_count = 0 WHERE org_id = :org AND doc_count <> 0 "
    "AND NOT (term = ANY(CAST(:terms AS text[])))"
)
_OLD = text(
    "SELECT entity_id, title, keys, deleted FROM search_documents "
    "WHERE org_id = :org AND entity_type = :kind AND entity_id = ANY(CAST(:ids AS bigint[]))"
)
_LOCK = text(
    "SELECT count(pg_advisory_xact_lock(k)) FROM "
    "(SELECT k FROM unnest(CAST(:keys AS bigint[])) AS k ORDER BY k) AS s"
)


def next_version(session: Session) -> int:
    """A new document version; take it before reading the sources it will describe."""
    value = session.execute(text("SELECT nextval('search_doc_version')")).scalar_one()
    return int(value)


def lock(session: Session, org_id: int, kind: str, ids: Iterable[int]) -> None:
    """Serialize writers of the same documents until commit (their term counts diff)."""
    keys = sorted({(LOCK_SPACE << 32) | zlib.crc32(f"{org_id}:{kind}:{i}".encode()) for i in ids})
    if keys:
        session.execute(_LOCK, {"keys": keys})


def old_docs(
    session: Session, org_id: int, kind: str, ids: Sequence[int]
) -> dict[int, tuple[str, str, bool]]:
    """Stored ``(title, keys, deleted)`` of the documents ``ids``."""
    rows = session.execute(_OLD, {"org": org_id, "kind": kind, "ids": list(ids)})
    return {r.entity_id: (r.title, r.keys, r.deleted) for r in rows}


_LOAD_TABLE = text(
    "CREATE TEMP TABLE IF NOT EXISTS search_load "
    "(LIKE search_documents INCLUDING DEFAULTS) ON COMMIT DELETE ROWS"
)
# Constants only (as _UPSERT).
_FROM_LOAD = text(
    "INSERT INTO search_documents (org_id, " + COLUMNS + ") "  # noqa: S608  # nosec B608  # module constants only
    "SELECT org_id, "
    + COLUMNS
    + " FROM search_load ORDER BY entity_type, entity_id "
    + _UPSERT.text[_UPSERT.text.index("ON CONFLICT") :]
)
COPY_FROM = 64
# GIN pending-list sizes (kB): small for the steady trickle of writes, since every query
# scans the list linearly; large for a rebuild, which flushes it at the end.
PENDING_LIST_KB = 512
BULK_PENDING_LIST_KB = 32_768
_FLUSH_PENDING = "SELECT gin_clean_pending_list('ix_search_documents_tsv'::regclass)"


def copy_rows(
    conn: Any, org_id: int, rows: Iterable[tuple[Any, ...]], *, pending_kb: int = PENDING_LIST_KB
) -> set[int]:
    """Write ``Doc.row`` tuples through psycopg connection ``conn`` (in its transaction):
    COPY into a temporary table, then one guarded upsert; the ids written. For batches,
    several times faster than array parameters."""
    with conn.cursor() as cur:
        cur.execute(f"SET LOCAL gin_pending_list_limit = {int(pending_kb)}")
        cur.execute(str(_LOAD_TABLE))
        with cur.copy("COPY search_load (org_id, " + COLUMNS + ") FROM STDIN") as cp:
            for row in rows:
                cp.write_row((org_id, *row))
        cur.execute(str(_FROM_LOAD))
        written = {r[1] for r in cur.fetchall()}
        cur.execute("TRUNCATE search_load")
    return written


_ANY_IN_RANGE = (
    "SELECT EXISTS (SELECT 1 FROM search_documents WHERE org_id = %s AND entity_type = %s "
    "AND entity_id BETWEEN %s AND %s)"
)


def copy_new(conn: Any, org_id: int, kind: str, rows: Sequence[tuple[Any, ...]]) -> bool:
    """COPY ``Doc.row`` tuples of ``kind`` straight into ``search_documents`` through
    psycopg connection ``conn`` (in its transaction) when the org has no document in their
    id range; whether it did.

    No document there, so none can be newer: the version guard has nothing to compare. A
    document written by a concurrent job between the check and the COPY makes the COPY
    fail (``UniqueViolation``, waiting for that job's commit if needed); the caller then
    rolls back and takes the guarded path, :func:`copy_rows`.
    """
    ids = [row[1] for row in rows]
    with conn.cursor() as cur:
        cur.execute(f"SET LOCAL gin_pending_list_limit = {BULK_PENDING_LIST_KB}")
        cur.execute(_ANY_IN_RANGE, (org_id, kind, min(ids), max(ids)))
        if cur.fetchone()[0]:
            return False
        with cur.copy("COPY search_documents (org_id, " + COLUMNS + ") FROM STDIN") as cp:
            for row in rows:
                cp.write_row((org_id, *row))
    return True


def _copy_upsert(session: Session, org_id: int, docs: Sequence[Doc], version: int) -> set[int]:
    raw = session.connection().connection.driver_connection
    return copy_rows(raw, org_id, (doc.row(version) for doc in docs))


def upsert(session: Session, org_id: int, docs: Sequence[Doc], version: int) -> set[int]:
    """Write ``docs`` at ``version`` where no newer version is stored; the ids written."""
    if not docs:
        return set()
    if len(docs) >= COPY_FROM:
        return _copy_upsert(session, org_id, docs, version)
    session.execute(text(f"SET LOCAL gin_pending_list_limit = {PENDING_LIST_KB}"))
    columns = list(zip(*(d.row(version) for d in docs), strict=True))
    params: dict[str, Any] = {f"c{i}": list(col) for i, col in enumerate(columns)}
    params["org"] = org_id
    return {r.entity_id for r in session.execute(_UPSERT, params)}


def flush_pending(session: Session) -> None:
    """Merge the GIN pending list into the index (after a rebuild).

    Only the index's owner may: an org's transaction (``models.db.scope_to_org``) steps
    back to the connecting role for this one statement, then returns to its own.
    """
    with as_owner(session):
        session.execute(text(_FLUSH_PENDING))


# ANALYZE when the planner counts fewer than a quarter of the documents an org is known to
# have: a plan for a quarter of the rows is still the primary-key one, and a growing org's
# first index job then ANALYZEs about twice, not after every batch (ANALYZE samples 30,000
# rows: 0.2-0.5 s here; after each of 50 batches it made a new org's first 25,000-row index
# job 21-29 s instead of 2.7 s).
STALE_FACTOR = 4


def analyze_if_stale(session: Session, org_id: int, known: int) -> bool:
    """ANALYZE ``search_documents`` when the planner counts fewer than ``known /
    STALE_FACTOR`` documents of ``org_id`` (``known``: a bulk writer's own count so far);
    whether it did. Commit soon after: ANALYZE holds a lock that the next ANALYZE of the
    table waits for.

    With a new org missing from the statistics, the lookups of 500 ids
    (``entity_id = ANY(:ids)``) scan every document of the org: measured 283 ms a batch at
    100,000 documents, growing with each batch, and a primary-key probe per id written as a
    ``LATERAL`` subquery fared worse (another index on ``org_id``, 38 s). Autovacuum comes a
    minute too late for an import's index jobs (docs/decisions/0029, as 0022 for the chunks).
    """
    if known <= 0:
        return False
    with as_owner(session):  # an org's role may not ANALYZE (PostgreSQL only warns)
        plan = session.execute(
            text("EXPLAIN (FORMAT JSON) SELECT 1 FROM search_documents WHERE org_id = :o"),
            {"o": org_id},
        ).scalar_one()
        if float(plan[0]["Plan"]["Plan Rows"]) * STALE_FACTOR >= known:
            return False
        session.execute(text("ANALYZE search_documents"))
    return True


def add_terms(session: Session, org_id: int, deltas: Counter[str]) -> None:
    """Add ``deltas`` (negative for documents that lost a word) to the term counts."""
    changed = sorted((t, d) for t, d in deltas.items() if d)
    if changed:
        terms, values = zip(*changed, strict=True)
        session.execute(_TERMS, {"org": org_id, "terms": list(terms), "deltas": list(values)})


def set_terms(session: Session, org_id: int, counts: Counter[str]) -> int:
    """Make ``counts`` the exact term counts of ``org_id``; others drop to zero."""
    items = sorted(counts.items())
    terms = [t for t, _ in items]
    session.execute(_ZERO_OTHERS, {"org": org_id, "terms": terms})
    for start in range(0, len(items), 20_000):
        chunk = items[start : start + 20_000]
        session.execute(
            _SET_TERMS,
            {"org": org_id, "terms": [t for t, _ in chunk], "counts": [c for _, c in chunk]},
        )
    return len(items)
