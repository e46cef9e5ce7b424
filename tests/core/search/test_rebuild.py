"""The rebuild's direct COPY: only where no document exists, never over a newer one."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from core import search
from core.search import documents, parallel, rebuild, store
from models import Lead, SearchDocument
from models.db import session_scope
from tests.support.factories import Tenant


@pytest.fixture(autouse=True)
def _fresh_vocabulary() -> Iterator[None]:
    search.CACHE.clear()
    yield
    search.CACHE.clear()


def _leads(sessions: sessionmaker[Session], org_id: int, n: int) -> list[int]:
    with session_scope(sessions) as s:
        leads = [Lead(org_id=org_id, name=f"Rebuilt Person {i:03d}") for i in range(n)]
        s.add_all(leads)
        s.flush()
        return [lead.id for lead in leads]


def _title(sessions: sessionmaker[Session], org_id: int, entity_id: int) -> str | None:
    with sessions() as s:
        doc = s.get(SearchDocument, (org_id, "lead", entity_id))
        return None if doc is None else doc.title


def _rows(
    sessions: sessionmaker[Session], org_id: int, ids: list[int], version: int
) -> list[tuple[Any, ...]]:
    with sessions() as s:
        found = documents.load(s, org_id, "lead", ids)
    return [found[i].row(version) for i in ids]


def test_copy_new_only_where_the_org_has_no_document_in_the_range(
    sessions: sessionmaker[Session], tenant: Tenant, other_tenant: Tenant
) -> None:
    org = tenant.org_id
    ids = _leads(sessions, org, 6)
    with session_scope(sessions) as s:
        # Another org's documents of the same ids do not count.
        store.upsert(s, other_tenant.org_id, [documents.Doc("lead", i) for i in ids], 1)
        version = store.next_version(s)
    rows = _rows(sessions, org, ids, version)
    with session_scope(sessions) as s:
        raw = s.connection().connection.driver_connection
        assert store.copy_new(raw, org, "lead", rows[:3])
        # ids[3] is new, but the range ids[2]..ids[5] holds a document now.
        assert not store.copy_new(raw, org, "lead", rows[2:])
    assert _title(sessions, org, ids[2]) == "Rebuilt Person 002"
    assert _title(sessions, org, ids[3]) is None


def test_a_newer_write_in_flight_survives_the_direct_copy(
    sessions: sessionmaker[Session], tenant: Tenant
) -> None:
    """An index job's insert not yet committed when the rebuild checked the range: the COPY
    waits for it, fails on the key, and the batch goes through the version guard."""
    org = tenant.org_id
    ids = _leads(sessions, org, 5)
    with session_scope(sessions) as s:
        rebuild_version = store.next_version(s)
    rows = _rows(sessions, org, ids, rebuild_version)
    newer = documents.Doc("lead", ids[2], title="Written by a job", fields={"name": "Job"})
    job = sessions()
    store.upsert(job, org, [newer], store.next_version(job))  # uncommitted
    with sessions() as s:
        writer = rebuild._Writer(s, org, threads=1)
    outcome: list[bool] = []
    thread = threading.Thread(target=lambda: outcome.append(writer._write("lead", rows)))
    try:
        thread.start()
        with sessions() as s:
            deadline = time.monotonic() + 10
            # The COPY is waiting for the job's transaction (a lock on its row's key).
            while not s.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                    "AND query LIKE 'COPY search_documents%'"
                )
            ):
                assert time.monotonic() < deadline, "the COPY never waited"
                time.sleep(0.02)
                s.rollback()
        job.commit()
        thread.join(timeout=10)
    finally:
        job.close()
        thread.join(timeout=10)
        writer.close()
    assert outcome == [False]  # the guarded path wrote the batch
    assert _title(sessions, org, ids[2]) == "Written by a job"
    assert [_title(sessions, org, i) for i in ids[:2] + ids[3:]] == [
        f"Rebuilt Person {n:03d}" for n in (0, 1, 3, 4)
    ]


def test_rebuild_keeps_a_newer_document_and_a_retry_rebuilds_over_the_first(
    sessions: sessionmaker[Session], tenant: Tenant
) -> None:
    org = tenant.org_id
    ids = _leads(sessions, org, 20)
    future = 10**15  # written after the rebuild read its batch
    newer = documents.Doc("lead", ids[7], title="Newer", fields={"name": "Newer"})
    with session_scope(sessions) as s:
        store.upsert(s, org, [newer], future)
    with session_scope(sessions) as s:
        first = search.reindex_org(s, org, batch=6)
    assert first["documents"] == 20 and first["removed"] == 0
    assert _title(sessions, org, ids[7]) == "Newer"
    assert _title(sessions, org, ids[8]) == "Rebuilt Person 008"
    # A retry (after a crash, say) meets the first run's documents: the guarded path.
    with session_scope(sessions) as s:
        s.execute(text("UPDATE leads SET name = 'Renamed Since' WHERE id = :i"), {"i": ids[3]})
        s.execute(text("DELETE FROM leads WHERE id = :i"), {"i": ids[4]})
    with session_scope(sessions) as s:
        again = search.reindex_org(s, org, batch=6)
    assert again["documents"] == 19 and again["removed"] == 1
    assert _title(sessions, org, ids[3]) == "Renamed Since"
    assert _title(sessions, org, ids[4]) is None
    assert _title(sessions, org, ids[7]) == "Newer"
    with sessions() as s:
        rows = s.execute(
            text("SELECT term, doc_count FROM search_terms WHERE org_id = :o"), {"o": org}
        )
        counts: dict[str, int] = {term: n for term, n in rows}
    assert counts["person"] == 18 and counts["rebuilt"] == 18 and counts["renamed"] == 1


def test_a_large_rebuild_shares_the_work_with_a_helper_process(
    sessions: sessionmaker[Session], tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    org = tenant.org_id
    ids = _leads(sessions, org, 40)
    monkeypatch.setattr(parallel, "FROM", 1)  # any org is large enough
    progress: list[int] = []
    with session_scope(sessions) as s:
        report = search.reindex_org(s, org, progress=progress.append, batch=7)
    assert report["documents"] == 40 and progress[-1] == 100
    assert progress == sorted(progress)
    assert [_title(sessions, org, i) for i in ids] == [f"Rebuilt Person {n:03d}" for n in range(40)]
    with sessions() as s:
        rows = s.execute(
            text("SELECT term, doc_count FROM search_terms WHERE org_id = :o AND doc_count > 0"),
            {"o": org},
        )
        counts: dict[str, int] = {term: n for term, n in rows}
    # Both halves' words, each counted once per document.
    assert counts == {"rebuilt": 40, "person": 40}


def test_rebuild_refreshes_the_statistics_of_an_org_just_loaded(
    sessions: sessionmaker[Session], tenant: Tenant, other_tenant: Tenant
) -> None:
    """Else the planner takes the new org's records for one row and joins quadratically."""
    plan_rows = text("EXPLAIN (FORMAT JSON) SELECT 1 FROM leads WHERE org_id = :o")
    _leads(sessions, other_tenant.org_id, 600)
    with session_scope(sessions) as s:
        s.execute(text("ANALYZE leads"))
    _leads(sessions, tenant.org_id, 400)
    with sessions() as s:
        before = s.execute(plan_rows, {"o": tenant.org_id}).scalar_one()[0]["Plan"]["Plan Rows"]
    assert before * store.STALE_FACTOR < 400  # the statistics do not know the new org
    with session_scope(sessions) as s:
        search.reindex_org(s, tenant.org_id)
    with sessions() as s:
        after = s.execute(plan_rows, {"o": tenant.org_id}).scalar_one()[0]["Plan"]["Plan Rows"]
    assert after * store.STALE_FACTOR >= 400


def test_a_helper_process_that_fails_fails_the_rebuild_and_adds_no_words(
    sessions: sessionmaker[Session], tenant: Tenant
) -> None:
    # A type the helper does not know: its reader raises and the process exits non-zero.
    with sessions() as s:
        helper = parallel.Helper(s, tenant.org_id, {"no-such-type": (0, 10)}, 5)
        terms: Counter[str] = Counter()
        try:
            with pytest.raises(RuntimeError, match="exit code 1"):
                helper.finish(terms)
        finally:
            helper.close()
    assert terms == Counter()
    assert helper.proc.returncode == 1


def test_closing_a_running_helper_process_stops_it(
    sessions: sessionmaker[Session], tenant: Tenant
) -> None:
    _leads(sessions, tenant.org_id, 3)
    with sessions() as s:
        helper = parallel.Helper(s, tenant.org_id, {"lead": (0, parallel.NO_LIMIT)}, 1)
        helper.close()  # at once, as when the caller fails: killed if it still runs
    assert helper.proc.returncode is not None
    assert helper.proc.stdout is not None and helper.proc.stdout.closed
