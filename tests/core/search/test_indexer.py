"""Indexing: documents per type, the version guard, tombstones, vocabulary, rebuild, health."""

from __future__ import annotations

import random
import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from core import search
from core.search import documents, store
from models import Company, Contact, Deal, Lead, SearchDocument, SearchTerm
from models.db import session_scope
from tests.support.factories import Tenant
from tests.support.search import titles


@pytest.fixture(autouse=True)
def _fresh_vocabulary() -> Iterator[None]:
    search.CACHE.clear()
    yield
    search.CACHE.clear()


def _doc(sessions: sessionmaker[Session], org_id: int, kind: str, i: int) -> SearchDocument:
    with sessions() as s:
        doc = s.get(SearchDocument, (org_id, kind, i))
        assert doc is not None
        return doc


def _terms(sessions: sessionmaker[Session], org_id: int) -> dict[str, int]:
    with sessions() as s:
        rows = s.execute(
            select(SearchTerm.term, SearchTerm.doc_count).where(SearchTerm.org_id == org_id)
        )
        return {t: n for t, n in rows if n > 0}


def _seed(sessions: sessionmaker[Session], org_id: int) -> dict[str, int]:
    with session_scope(sessions) as s:
        acme = Company(org_id=org_id, name="Acme Rocketworks", domain="acme.io", city="Lyon")
        s.add(acme)
        s.flush()
        ada = Contact(
            org_id=org_id,
            first_name="Åda",
            last_name="Lovelace",
            email="ada@acme.io",
            company_id=acme.id,
            title="Chief Engineer",
        )
        s.add(ada)
        s.flush()
        deal = Deal(
            org_id=org_id,
            title="Analytical engine",
            company_id=acme.id,
            contact_id=ada.id,
            stage="proposal",
        )
        lead = Lead(org_id=org_id, name="Grace Hopper", company_name="Navy", status="contacted")
        s.add_all([deal, lead])
        s.flush()
        ids = {"company": acme.id, "contact": ada.id, "deal": deal.id, "lead": lead.id}
        for kind, i in ids.items():
            search.index_many(s, org_id, kind, [i])
    return ids


def test_each_type_is_indexed_denormalized(sessions: sessionmaker[Session], tenant: Tenant) -> None:
    ids = _seed(sessions, tenant.org_id)
    contact = _doc(sessions, tenant.org_id, "contact", ids["contact"])
    assert contact.title == "Åda Lovelace"
    assert contact.subtitle == "Chief Engineer · Acme Rocketworks"
    assert contact.fields["company"] == "Acme Rocketworks"
    assert contact.company_id == ids["company"]
    assert "company acme rocketworks" in contact.keys
    deal = _doc(sessions, tenant.org_id, "deal", ids["deal"])
    assert deal.fields["contact"] == "Åda Lovelace" and deal.stage == "proposal"
    assert _doc(sessions, tenant.org_id, "lead", ids["lead"]).status == "contacted"
    assert _terms(sessions, tenant.org_id)["lovelace"] == 2  # the contact and its deal
    with sessions() as s:
        found = search.search(s, tenant.org_id, "rocketworks")
    assert {(i["type"], i["matched_field"]) for i in found.items} == {
        ("company", "name"),
        ("contact", "company"),
        ("deal", "company"),
    }


def test_rename_is_seen_through_fanout_and_delete_leaves_a_tombstone(
    sessions: sessionmaker[Session], tenant: Tenant
) -> None:
    org = tenant.org_id
    ids = _seed(sessions, org)
    with session_scope(sessions) as s:
        s.execute(
            text("UPDATE companies SET name = 'Babbage Engines' WHERE id = :i"),
            {"i": ids["company"]},
        )
        done = search.index_many(s, org, "company", [ids["company"]])
    assert done["renamed"] == [ids["company"]]
    with session_scope(sessions) as s:
        assert search.fanout(s, org, "company", ids["company"]) == {"contact": 1, "deal": 1}
    with sessions() as s:
        assert set(titles(search.search(s, org, "babbage").items)) == {
            "Babbage Engines",
            "Åda Lovelace",
            "Analytical engine",
        }
        assert search.search(s, org, "rocketworks").items == []
    assert "rocketworks" not in _terms(sessions, org)
    with session_scope(sessions) as s:
        s.execute(text("DELETE FROM companies WHERE id = :i"), {"i": ids["company"]})
        done = search.index_many(s, org, "company", [ids["company"]])
        assert done["deleted"] == 1 and done["renamed"] == [ids["company"]]
        search.fanout(s, org, "company", ids["company"])
    assert _doc(sessions, org, "company", ids["company"]).deleted
    contact = _doc(sessions, org, "contact", ids["contact"])
    assert "company" not in contact.fields and contact.company_id is None
    with sessions() as s:
        assert search.search(s, org, "babbage").items == []


def test_out_of_order_writes_end_at_the_newest_version(
    sessions: sessionmaker[Session], tenant: Tenant
) -> None:
    org = tenant.org_id
    versions = []
    for n in range(1, 9):
        doc = documents.Doc("lead", 1, title=f"Lead version {n}", fields={"name": f"Lead v{n}"})
        versions.append((n * 10, doc))
    random.Random(3).shuffle(versions)
    for version, doc in versions:
        with session_scope(sessions) as s:
            store.upsert(s, org, [doc], version)
    assert _doc(sessions, org, "lead", 1).title == "Lead version 8"
    # A stale write after a delete does not bring the record back.
    with session_scope(sessions) as s:
        store.upsert(s, org, documents.tombstones("lead", [1]), 100)
        assert store.upsert(s, org, [versions[0][1]], 90) == set()
    assert _doc(sessions, org, "lead", 1).deleted


def test_concurrent_jobs_for_one_record_keep_the_last_write(
    sessions: sessionmaker[Session], tenant: Tenant
) -> None:
    org = tenant.org_id
    with session_scope(sessions) as s:
        lead = Lead(org_id=org, name="Version 0", status="new")
        s.add(lead)
        s.flush()
        lead_id = lead.id
    errors: list[BaseException] = []

    def job() -> None:
        try:
            with session_scope(sessions) as s:
                search.index_many(s, org, "lead", [lead_id])
        except BaseException as exc:  # collected for the assertion below
            errors.append(exc)

    threads = []
    for n in range(1, 13):
        with session_scope(sessions) as s:
            s.execute(
                text("UPDATE leads SET name = :n WHERE id = :i"),
                {"n": f"Version {n}", "i": lead_id},
            )
        # Every write is followed by its job; jobs overlap and finish in any order.
        t = threading.Thread(target=job)
        t.start()
        threads.append(t)
    for t in threads:
        t.join()
    assert not errors
    assert _doc(sessions, org, "lead", lead_id).title == "Version 12"
    # Term counts stayed exact despite the overlap: one document holds "version".
    assert _terms(sessions, org)["version"] == 1


def test_reindex_rebuilds_reports_progress_and_drops_orphans(
    sessions: sessionmaker[Session], tenant: Tenant, other_tenant: Tenant
) -> None:
    org = tenant.org_id
    ids = _seed(sessions, org)
    with session_scope(sessions) as s:
        s.add_all(Lead(org_id=org, name=f"Lead {i:03d} Person") for i in range(30))
        s.add(Lead(org_id=other_tenant.org_id, name="Other Person"))
        store.upsert(s, org, [documents.Doc("lead", 999_999, title="Ghost")], 1)
        s.execute(text("DELETE FROM search_terms"))
    progress: list[int] = []
    with session_scope(sessions) as s:
        report = search.reindex_org(s, org, progress=progress.append, batch=8)
    assert report["documents"] == 34 and report["removed"] == 1
    assert progress == sorted(progress) and progress[-1] == 100 and len(progress) > 4
    assert _terms(sessions, org)["person"] == 30
    with sessions() as s:
        assert s.get(SearchDocument, (org, "lead", 999_999)) is None
        assert (
            s.scalar(
                select(SearchDocument.org_id).where(SearchDocument.org_id == other_tenant.org_id)
            )
            is None
        )
        assert s.get(SearchDocument, (org, "company", ids["company"])) is not None


def test_health_check_finds_and_repairs_drift(
    sessions: sessionmaker[Session], tenant: Tenant
) -> None:
    org = tenant.org_id
    ids = _seed(sessions, org)
    with session_scope(sessions) as s:
        s.execute(text("DELETE FROM search_documents WHERE entity_type = 'lead'"))
        s.execute(text("DELETE FROM deals WHERE id = :i"), {"i": ids["deal"]})
        s.execute(text("UPDATE search_terms SET doc_count = 40 WHERE term = 'lovelace'"))
        s.execute(
            text("INSERT INTO search_terms (org_id, term, doc_count) VALUES (:o, 'zzzz', 0)"),
            {"o": org},
        )
    with session_scope(sessions) as s:
        report = search.check_health(s, org)
    assert not report["healthy"]
    assert report["missing"]["lead"] == 1 and report["orphans"]["deal"] == 1
    assert report["terms_purged"] >= 1
    assert _terms(sessions, org)["lovelace"] == 1  # the deal is gone
    with session_scope(sessions) as s:
        again = search.check_health(s, org)
    assert again["healthy"]
