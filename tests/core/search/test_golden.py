"""Typo tolerance on a golden set: 240 names from 10 locales among 3,000 others, each typed
with one edit and with two (insert, delete, substitute, transpose) within the typo budget."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

from sqlalchemy.orm import Session, sessionmaker

from core import search
from models.db import session_scope
from tests.support.factories import Tenant
from tests.support.search import add_contacts
from tests.support.search_golden import cases, names

GOLDEN = 240
NOISE = 3_000


def test_recall_on_misspelt_names(
    sessions: sessionmaker[Session], tenant: Tenant, record_property: Callable[[str, object], None]
) -> None:
    search.CACHE.clear()
    pool = names(3 * GOLDEN + NOISE)
    golden = cases(pool, want=GOLDEN)
    assert len({c.name for c in golden}) == GOLDEN
    chosen = {c.name for c in golden}
    pool = [*chosen, *[n for n in pool if n not in chosen][:NOISE]]
    assert {k for c in golden for k in c.kinds} == {"insert", "delete", "substitute", "transpose"}
    with session_scope(sessions) as s:
        ids = dict(zip(pool, add_contacts(s, tenant.org_id, pool), strict=True))
    with session_scope(sessions) as s:
        search.reindex_org(s, tenant.org_id)
    hits: dict[int, list[int]] = defaultdict(list)  # edits -> rank of the target (0 = missed)
    misses = []
    with sessions() as s:
        for case in golden:
            items = search.search(s, tenant.org_id, case.query, limit=10).items
            found = [i["id"] for i in items if i["type"] == "contact"]
            target = ids[case.name]
            rank = found.index(target) + 1 if target in found else 0
            hits[case.edits].append(rank)
            if rank == 0:
                misses.append((case.query, case.name))
    report = {}
    for edits, ranks in sorted(hits.items()):
        report[f"recall@1 ({edits} edit)"] = sum(r == 1 for r in ranks) / len(ranks)
        report[f"recall@10 ({edits} edit)"] = sum(r > 0 for r in ranks) / len(ranks)
    search.CACHE.clear()
    for name, value in report.items():
        record_property(name, round(value, 4))
    print("\ngolden set:", len(golden), "queries;", {k: round(v, 3) for k, v in report.items()})
    print("missed:", misses[:20])
    assert report["recall@10 (1 edit)"] >= 0.95, misses
    assert report["recall@10 (2 edit)"] >= 0.95, misses
