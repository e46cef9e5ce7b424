"""The typo-correction vocabulary cache holds a bounded number of terms."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from core.search.vocab import VocabularyCache
from models.db import session_scope
from tests.support.factories import Tenant


def _terms(sessions: sessionmaker[Session], org_id: int, prefix: str, n: int) -> None:
    with session_scope(sessions) as s:
        s.execute(
            text(
                "INSERT INTO search_terms (org_id, term, doc_count)"
                " SELECT :org, :p || g, 1 + (g % 7) FROM generate_series(1, :n) g"
            ),
            {"org": org_id, "p": prefix, "n": n},
        )


def test_a_vocabulary_stops_growing_at_the_bound_keeping_frequent_terms(
    sessions: sessionmaker[Session], tenant: Tenant
) -> None:
    _terms(sessions, tenant.org_id, "alpha", 300)
    cache = VocabularyCache(max_terms=100)
    with sessions() as s:
        vocab = cache.get(s, tenant.org_id)
    assert len(vocab.counts) == 100
    assert min(vocab.counts.values()) >= 5  # the most frequent (doc_count 1..7) kept
    _terms(sessions, tenant.org_id, "beta", 50)  # new unique tokens written
    vocab.checked_at = 0.0
    with sessions() as s:
        assert len(cache.get(s, tenant.org_id).counts) == 100
    assert cache.terms() == 100


def test_orgs_past_the_bound_are_dropped_least_recently_used_first(
    sessions: sessionmaker[Session], tenant: Tenant, other_tenant: Tenant
) -> None:
    _terms(sessions, tenant.org_id, "alpha", 80)
    _terms(sessions, other_tenant.org_id, "beta", 80)
    cache = VocabularyCache(max_terms=100)
    with sessions() as s:
        cache.get(s, tenant.org_id)
        cache.get(s, other_tenant.org_id)
    assert cache.terms() == 80  # the first org went to make room
