"""Keeping an org's index: one record, a rename's dependents, a full rebuild, a health check."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from core.search import documents, store
from core.search.documents import TABLES, terms_of_keys
from core.search.rebuild import reindex_org

__all__ = ["check_health", "dependents", "fanout", "index_many", "reindex_org"]

log = logging.getLogger(__name__)

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
