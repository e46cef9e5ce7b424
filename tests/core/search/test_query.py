"""The query pipeline: prefix, exact, typos, fewer words, trigram, filters, ranking, suggest."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session, sessionmaker

from core import search
from models import Company, Contact, Deal, Lead
from models.db import session_scope
from tests.support.factories import Tenant
from tests.support.search import titles


@pytest.fixture(autouse=True)
def _fresh_vocabulary() -> Iterator[None]:
    search.CACHE.clear()
    yield
    search.CACHE.clear()


@pytest.fixture
def org(sessions: sessionmaker[Session], tenant: Tenant, other_tenant: Tenant) -> int:
    """Org A with a small CRM, indexed; org B with look-alike records."""
    with session_scope(sessions) as s:
        acme = Company(org_id=tenant.org_id, name="Acme Rocketworks", domain="acme.io")
        s.add(acme)
        s.flush()
        people = [
            ("Katarzyna", "Wiśniewska"),
            ("Katharina", "Schneider"),
            ("John", "Smith"),
            ("Johnny", "Smithson"),
            ("Joanna", "Smith"),
            ("Mark", "Schneider"),
            ("Jöhn", "Smith"),
        ]
        for first, last in people:
            s.add(
                Contact(
                    org_id=tenant.org_id,
                    first_name=first,
                    last_name=last,
                    company_id=acme.id,
                    owner_id=tenant.member_id if first == "Jöhn" else None,
                    email=f"{first.lower()}@acme.io",
                )
            )
        s.add_all(
            [
                Deal(org_id=tenant.org_id, title="Smith renewal", stage="won"),
                Deal(org_id=tenant.org_id, title="Schneider pilot", stage="lead"),
                Lead(org_id=tenant.org_id, name="Jon Smyth", status="new"),
                Lead(org_id=tenant.org_id, name="Kat Smith", status="qualified"),
                Contact(org_id=other_tenant.org_id, first_name="John", last_name="Smith"),
                Company(org_id=other_tenant.org_id, name="Acme Rocketworks"),
            ]
        )
    for org_id in (tenant.org_id, other_tenant.org_id):
        with session_scope(sessions) as s:
            search.reindex_org(s, org_id)
    return tenant.org_id


def _search(sessions: sessionmaker[Session], org: int, q: str, **kw: object) -> search.Result:
    with sessions() as s:
        return search.search(s, org, q, **kw)  # type: ignore[arg-type]


def test_exact_then_prefix_and_highlights(sessions: sessionmaker[Session], org: int) -> None:
    result = _search(sessions, org, "john smith")
    assert set(titles(result.items)[:2]) == {"John Smith", "Jöhn Smith"}
    top = next(i for i in result.items if i["title"] == "John Smith")
    assert top["type"] == "contact" and top["matched_field"] == "name" and top["score"] == 1.0
    assert top["highlights"] == [
        {"field": "name", "value": "John Smith", "ranges": [[0, 4], [5, 10]]}
    ]
    # As you type: the last word is a prefix; exact words outrank prefixes.
    typed = titles(_search(sessions, org, "smi").items)
    assert {"John Smith", "Johnny Smithson", "Smith renewal"} <= set(typed)
    assert titles(_search(sessions, org, "smith ").items).count("Johnny Smithson") == 0
    scores = [i["score"] for i in _search(sessions, org, "smi").items]
    assert scores == sorted(scores, reverse=True)


def test_typos_within_the_budget(sessions: sessionmaker[Session], org: int) -> None:
    one = _search(sessions, org, "schnieder")  # transposition, 9 letters
    assert "typo" in one.tiers and "Katharina Schneider" in titles(one.items)
    two = _search(sessions, org, "katazryna wisnieska")  # 2 + 1 typos in long words
    assert titles(two.items)[0] == "Katarzyna Wiśniewska"
    # Four letters allow no typo: "smyt" finds nothing as a word, but is a prefix of Smyth.
    assert titles(_search(sessions, org, "smyt").items) == ["Jon Smyth"]
    # An exact match outranks a typo match.
    assert titles(_search(sessions, org, "smyth").items)[0] == "Jon Smyth"


def test_fewer_words_and_last_resort(sessions: sessionmaker[Session], org: int) -> None:
    result = _search(sessions, org, "john smith zzzzzz")
    assert "John Smith" in titles(result.items)[:2] and "words:2" in result.tiers
    # Two typos in an 8-letter word are over the budget: trigram-similar words.
    trigram = _search(sessions, org, "schnaidr")
    assert trigram.tiers[-1] == "trigram" and "Mark Schneider" in titles(trigram.items)
    assert _search(sessions, org, "xqzvw").items == []


def test_short_input_is_prefix_only(sessions: sessionmaker[Session], org: int) -> None:
    result = _search(sessions, org, "Jo")
    assert set(result.tiers) <= {"title_prefix", "prefix"}
    assert set(titles(result.items)) == {
        "John Smith",
        "Jöhn Smith",
        "Johnny Smithson",
        "Joanna Smith",
        "Jon Smyth",
    }
    assert "typo" not in _search(sessions, org, "k").tiers


def test_filters(sessions: sessionmaker[Session], org: int, tenant: Tenant) -> None:
    def found(**kw: object) -> set[str]:
        return set(titles(_search(sessions, org, "smith", **kw).items))

    typed = _search(sessions, org, "smith", filters=search.Filters(types=("deal", "lead")))
    # Exact matches first, then (few results) the typo match.
    assert set(titles(typed.items)[:2]) == {"Smith renewal", "Kat Smith"}
    assert titles(typed.items)[2:] == ["Jon Smyth"]
    assert found(filters=search.Filters(stage="won")) == {"Smith renewal"}
    assert found(filters=search.Filters(stage="lost")) == set()
    assert found(filters=search.Filters(status="qualified")) == {"Kat Smith"}
    assert found(filters=search.Filters(types=("contact",), stage="won")) == set()
    assert found(filters=search.Filters(owner_id=tenant.member_id)) == {"Jöhn Smith"}
    # Ownership breaks ties: the caller's own record first among equals.
    for user_id, first in ((tenant.member_id, "Jöhn Smith"), (None, "John Smith")):
        mine = _search(sessions, org, "john smith", user_id=user_id)
        assert titles(mine.items)[:2] == [first, ({"Jöhn Smith", "John Smith"} - {first}).pop()]


def test_results_never_cross_orgs(
    sessions: sessionmaker[Session], org: int, other_tenant: Tenant
) -> None:
    for q in ("john smith", "acme", "rocketwroks", "jo", "schnaidr", "smith r"):
        items = _search(sessions, org, q, limit=50).items
        other = _search(sessions, other_tenant.org_id, q, limit=50).items
        assert len(items) > len(other)
        assert {i["title"] for i in other} <= {"John Smith", "Acme Rocketworks"}


def test_suggest_combines_popular_queries_and_titles(
    sessions: sessionmaker[Session], org: int, other_tenant: Tenant
) -> None:
    from sqlalchemy import text

    with session_scope(sessions) as s:
        for org_id, query, n in (
            (org, "schneider pilot", 5),
            (org, "schnapps", 9),
            (other_tenant.org_id, "schneider secret", 50),
        ):
            s.execute(
                text("INSERT INTO search_query_stats VALUES (:o, :q, current_date, :n, 0, 1)"),
                {"o": org_id, "q": query, "n": n},
            )
    with sessions() as s:
        out = search.suggest(s, org, "Schn", limit=4)
    kinds = [(i["kind"], i["text"]) for i in out["items"]]
    assert kinds[:2] == [("query", "schnapps"), ("query", "schneider pilot")]
    assert {t for k, t in kinds if k == "record"} <= {
        "Katharina Schneider",
        "Mark Schneider",
        "Schneider pilot",
    }
    assert len(kinds) == 4 and all("secret" not in t for _, t in kinds)
