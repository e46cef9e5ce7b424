"""Keeping an org's index: one record, a rename's dependents, a full rebuild, a health check."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from core.search import documents, store
from core.search.documents import TABLES, terms_of_keys

log = logging.getLogger(__name__)

Progress = Callable[[int], None]
BATCH = 5_000
# Connections writing a rebuild's batches while the next ones are read and built.
WRITERS = 2
FANOUT_BATCH = 500
TOMBSTONE_TTL = "1 day"
# Which documents carry the name of a record of this type.
DEPENDENTS = {"company": ("contact", "deal"), "contact": ("deal",)}
# Linked now, or linked when last indexed (a deleted company's contacts are unlinked).
_DEPENDENT_SQL = {
    ("company", "contact"): text(
        "SELECT entity_id FROM search_documents WHERE org_id = :org AND entity_type = :dep "
        "AND company_id = :id UNION SELECT id FROM contacts "
        "WHERE org_id = :org AND company_id = :id"
    ),
    ("company", "deal"): text(
        "SELECT entity_id FROM search_documents WHERE org_id = :org AND entity_type = :dep "
        "AND company_id = :id UNION SELECT id FROM deals WHERE org_id = :org AND company_id = :id"
    ),
    ("contact", "deal"): text(
        "SELECT entity_id FROM search_documents WHERE org_id = :org AND entity_type = :dep "
        "AND contact_id = :id UNION SELECT id FROM deals WHERE org_id = :org AND contact_id = :id"
    ),
}
_COUNTS = {
    "company": text("SELECT count(*) FROM companies WHERE org_id = :org"),
    "contact": text("SELECT count(*) FROM contacts WHERE org_id = :org"),
    "deal": text("SELECT count(*) FROM deals WHERE org_id = :org"),
    "lead": text("SELECT count(*) FROM leads WHERE org_id = :org"),
}


def index_many(session: Session, org_id: int, kind: str, ids: Sequence[int]) -> dict[str, Any]:
    """Bring the documents of ``kind`` records ``ids`` up to date, in ``session``'s transaction.

    Returns what was written and whether a renamed or deleted record's dependents need
    re-indexing (``renamed``: ids whose title changed or that were deleted).
    """
    ids = sorted(set(ids))
    store.lock(session, org_id, kind, ids)
    version = store.next_version(session)
    old = store.old_docs(session, org_id, kind, ids)
    found = documents.load(session, org_id, kind, ids)
    docs = [found[i] for i in ids if i in found]
    docs += documents.tombstones(kind, (i for i in ids if i not in found))
    written = store.upsert(session, org_id, docs, version)
    deltas: Counter[str] = Counter()
    renamed: list[int] = []
    for doc in docs:
        if doc.entity_id not in written:
            continue
        before = old.get(doc.entity_id)
        deltas.update(doc.terms())
        if before is not None:
            deltas.subtract(terms_of_keys(before[1]))
            if before[0] != doc.title or (doc.deleted and not before[2]):
                renamed.append(doc.entity_id)
    store.add_terms(session, org_id, deltas)
    return {
        "written": len(written),
        "deleted": sum(d.deleted for d in docs if d.entity_id in written),
        "renamed": renamed if kind in DEPENDENTS else [],
    }


def dependents(session: Session, org_id: int, kind: str, entity_id: int) -> dict[str, list[int]]:
    """Records whose documents carry the name of ``kind`` record ``entity_id``."""
    out: dict[str, list[int]] = {}
    for dep in DEPENDENTS[kind]:
        params = {"org": org_id, "dep": dep, "id": entity_id}
        ids = session.scalars(_DEPENDENT_SQL[(kind, dep)], params).all()
        out[dep] = sorted(ids)
    return out


def fanout(session: Session, org_id: int, kind: str, entity_id: int) -> dict[str, int]:
    """Re-index the dependents of a renamed or deleted record, committing each batch."""
    counts: dict[str, int] = {}
    for dep, ids in dependents(session, org_id, kind, entity_id).items():
        for start in range(0, len(ids), FANOUT_BATCH):
            index_many(session, org_id, dep, ids[start : start + FANOUT_BATCH])
            session.commit()
        counts[dep] = len(ids)
    return counts


def _totals(session: Session, org_id: int) -> dict[str, int]:
    return {
        kind: int(session.execute(sql, {"org": org_id}).scalar_one())
        for kind, sql in _COUNTS.items()
    }


class _Writer:
    """Writes batches on a connection of its own in a thread, so the next batch is read and
    built (Python, one core) while this one is written (PostgreSQL, the other core)."""

    def __init__(self, session: Session, org_id: int, threads: int = WRITERS) -> None:
        self.org_id = org_id
        engine = session.get_bind()
        self.conns = [engine.raw_connection() for _ in range(threads)]  # type: ignore[union-attr]
        self.free = list(self.conns)
        self.pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="search-reindex")
        self.pending: list[Future[None]] = []

    def _write(self, rows: list[tuple[Any, ...]]) -> None:
        conn = self.free.pop()
        try:
            self._write_on(conn, rows)
        finally:
            self.free.append(conn)

    def _write_on(self, conn: Any, rows: list[tuple[Any, ...]]) -> None:
        raw = conn.driver_connection
        assert raw is not None
        try:
            # A lost batch after a crash is rebuilt by the retry: no need to wait for fsync.
            raw.execute("SET LOCAL synchronous_commit = off")
            store.copy_rows(raw, self.org_id, rows, pending_kb=store.BULK_PENDING_LIST_KB)
            raw.commit()
        except BaseException:
            raw.rollback()
            raise

    def submit(self, rows: list[tuple[Any, ...]]) -> None:
        while len(self.pending) >= len(self.conns):
            self.pending.pop(0).result()
        self.pending.append(self.pool.submit(self._write, rows))

    def wait(self) -> None:
        while self.pending:
            self.pending.pop(0).result()

    def close(self) -> None:
        self.pool.shutdown(wait=True)
        for conn in self.conns:
            conn.close()


def reindex_org(
    session: Session, org_id: int, *, progress: Progress | None = None, batch: int = BATCH
) -> dict[str, Any]:
    """Rebuild every document and the vocabulary of ``org_id``, committing each batch.

    Documents that no write touched since the rebuild started and whose record is gone
    are deleted at the end; concurrent writes keep their (newer) versions.
    """
    totals = _totals(session, org_id)
    grand = max(1, sum(totals.values()))
    start_version = store.next_version(session)
    session.commit()
    done = 0
    terms: Counter[str] = Counter()
    writer = _Writer(session, org_id)
    try:
        for kind in TABLES:
            after = 0
            while True:
                # The version is taken before the read it describes (see core.search.store).
                version = store.next_version(session)
                docs = documents.load_range(session, org_id, kind, after, batch)
                session.commit()
                if not docs:
                    break
                rows = [doc.row(version) for doc in docs]
                for doc in docs:
                    terms.update(doc.terms())
                writer.submit(rows)
                after = docs[-1].entity_id
                done += len(docs)
                if progress is not None:
                    progress(min(99, done * 100 // grand))
        writer.wait()
    finally:
        writer.close()
    removed = session.execute(
        text("DELETE FROM search_documents WHERE org_id = :org AND version < :v"),
        {"org": org_id, "v": start_version},
    ).rowcount  # type: ignore[attr-defined]
    n_terms = store.set_terms(session, org_id, terms)
    session.commit()
    store.flush_pending(session)
    session.commit()
    if progress is not None:
        progress(100)
    return {"org_id": org_id, "documents": done, "removed": removed, "terms": n_terms}


_MISSING = """
SELECT s.id FROM {table} s WHERE s.org_id = :org AND NOT EXISTS (
  SELECT 1 FROM search_documents d WHERE d.org_id = :org AND d.entity_type = :kind
  AND d.entity_id = s.id AND NOT d.deleted)
"""
_ORPHANS = """
SELECT d.entity_id FROM search_documents d WHERE d.org_id = :org AND d.entity_type = :kind
AND NOT d.deleted AND NOT EXISTS (SELECT 1 FROM {table} s WHERE s.id = d.entity_id)
"""
_TERM_COUNTS = text(
    "SELECT word, ndoc FROM ts_stat('SELECT tsv FROM search_documents WHERE NOT deleted "
    "AND org_id = ' || CAST(:org AS bigint)::text)"
)


def check_health(session: Session, org_id: int, *, repair: bool = True) -> dict[str, Any]:
    """Compare the index of ``org_id`` with its records; repair drift and recount terms."""
    report: dict[str, Any] = {"org_id": org_id, "missing": {}, "orphans": {}}
    for kind, table in TABLES.items():
        params = {"org": org_id, "kind": kind}
        missing = session.scalars(text(_MISSING.format(table=table)), params).all()
        orphans = session.scalars(text(_ORPHANS.format(table=table)), params).all()
        report["missing"][kind] = len(missing)
        report["orphans"][kind] = len(orphans)
        if repair:
            ids = sorted({*missing, *orphans})
            for start in range(0, len(ids), FANOUT_BATCH):
                index_many(session, org_id, kind, ids[start : start + FANOUT_BATCH])
                session.commit()
    if repair:
        report["tombstones_purged"] = session.execute(
            text(
                "DELETE FROM search_documents WHERE org_id = :org AND deleted "
                "AND indexed_at < now() - CAST(:ttl AS interval)"
            ),
            {"org": org_id, "ttl": TOMBSTONE_TTL},
        ).rowcount  # type: ignore[attr-defined]
        counts: Counter[str] = Counter()
        for word, ndoc in session.execute(_TERM_COUNTS, {"org": org_id}):
            if documents.is_word(word):
                counts[word] = ndoc
        report["terms"] = store.set_terms(session, org_id, counts)
        report["terms_purged"] = session.execute(
            text("DELETE FROM search_terms WHERE org_id = :org AND doc_count <= 0"),
            {"org": org_id},
        ).rowcount  # type: ignore[attr-defined]
        session.commit()
    report["healthy"] = not any(report["missing"].values()) and not any(report["orphans"].values())
    return report
