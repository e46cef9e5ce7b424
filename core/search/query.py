"""The query pipeline: candidates from PostgreSQL in tiers, then one re-ranking in Python.

Tiers, each only when the ones before found too few: titles starting with the query (a
btree range, as you type); every word exactly; the last word as a prefix; every word or
its typo corrections from the vocabulary; fewer words; trigram-similar vocabulary terms
(the last resort). One- and two-character input stops after the prefix tiers.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from core.search.normalize import tokens
from core.search.rank import Candidate, Query, rank
from core.search.vocab import CACHE, similar_terms
from models import SEARCH_TYPES

CANDIDATES = 200
SHORT_INPUT = 2
_COLUMNS = (
    "SELECT entity_type, entity_id, title, subtitle, keys, fields::text AS fields, owner_id, "
    "source_updated_at FROM search_documents WHERE org_id = :org AND NOT deleted"
)


@dataclass(frozen=True)
class Filters:
    """What results may be: entity types, owner, deal stage, lead status."""

    types: tuple[str, ...] = SEARCH_TYPES
    owner_id: int | None = None
    stage: str | None = None
    status: str | None = None

    def sql(self) -> tuple[str, dict[str, Any]]:
        clauses: list[str] = []
        params: dict[str, Any] = {}
        types = self.types
        if self.stage is not None:
            types = tuple(t for t in types if t == "deal")
            clauses.append("stage = :stage")
            params["stage"] = self.stage
        if self.status is not None:
            types = tuple(t for t in types if t == "lead")
            clauses.append("status = :status")
            params["status"] = self.status
        if set(types) != set(SEARCH_TYPES):
            clauses.append("entity_type = ANY(CAST(:types AS text[]))")
            params["types"] = list(types)
        if self.owner_id is not None:
            clauses.append("owner_id = :owner")
            params["owner"] = self.owner_id
        return "".join(f" AND {c}" for c in clauses), params


@dataclass
class Result:
    """What a search found, with the tiers it took (for tests and analytics)."""

    items: list[dict[str, Any]]
    took_ms: float
    query: str
    tiers: list[str] = field(default_factory=list)


def parse(q: str) -> Query:
    """Normalize raw input into a :class:`Query` (at most 10 words)."""
    toks = tokens(q)[:10]
    stripped = q.rstrip()
    prefix_last = bool(stripped) and stripped == q and (stripped[-1].isalnum())
    return Query(toks, prefix_last)


def _quote(token: str, *, prefix: bool = False) -> str:
    # Tokens are letter or digit runs: nothing in them needs escaping.
    return f"'{token}'" + (":*" if prefix else "")


def _group(accepted: dict[str, int], token: str, prefix: bool) -> str:
    parts = [_quote(token, prefix=prefix)] + [_quote(t) for t in accepted if t != token]
    return parts[0] if len(parts) == 1 else "(" + " | ".join(parts) + ")"


class _Collector:
    """Candidates in tiers; the tiers of one round trip run lazily, in order, under one
    ``LIMIT``: a later tier costs nothing when an earlier one filled it."""

    def __init__(self, session: Session, org_id: int, filters: Filters) -> None:
        self.session = session
        self.org_id = org_id
        self.where, self.params = filters.sql()
        self.found: dict[tuple[str, int], Candidate] = {}
        self.tiers: list[str] = []
        self._branches: list[tuple[str, str, int]] = []
        self._args: dict[str, Any] = {}

    def title_prefix(self, prefix: str, n: int) -> None:
        if prefix:
            k = len(self._args)
            self._branches.append(("title_prefix", f" AND title_key LIKE :a{k}", n))
            self._args[f"a{k}"] = prefix + "%"

    def fts(self, tier: str, tsquery: str) -> None:
        if tsquery:
            k = len(self._args)
            self._branches.append((tier, f" AND tsv @@ CAST(:a{k} AS tsquery)", CANDIDATES))
            self._args[f"a{k}"] = tsquery

    def run(self, limit: int = CANDIDATES) -> None:
        """Run the tiers added since the last run, in one statement."""
        room = limit - len(self.found)
        branches, self._branches = self._branches, []
        args, self._args = self._args, {}
        if not branches or room <= 0:
            return
        self.tiers.extend(tier for tier, _, _ in branches)
        sql = " UNION ALL ".join(
            f"({_COLUMNS}{self.where}{branch}"
            + (" ORDER BY title_key" if tier == "title_prefix" else "")
            + f" LIMIT {min(n, room)})"
            for tier, branch, n in branches
        )
        # Fixed fragments and integers only: every value is a bound parameter.
        rows = self.session.execute(
            text(f"SELECT * FROM ({sql}) AS c LIMIT {room}"),  # noqa: S608  # nosec B608  # fixed fragments and ints; values are bound
            {"org": self.org_id, **self.params, **args},
        )
        for r in rows:
            self.found.setdefault((r.entity_type, r.entity_id), Candidate(*r))

    def __len__(self) -> int:
        return len(self.found)


def search(
    session: Session,
    org_id: int,
    q: str,
    *,
    filters: Filters | None = None,
    limit: int = 20,
    user_id: int | None = None,
) -> Result:
    """Search the index of ``org_id`` for ``q``; the best ``limit`` items."""
    started = time.perf_counter()
    query = parse(q)
    if not query.tokens:
        return Result([], 0.0, "")
    c = _Collector(session, org_id, filters or Filters())
    toks = query.tokens
    variants: list[dict[str, int]] = [{t: 0} for t in toks]
    if len(query.text) <= SHORT_INPUT:
        c.title_prefix(query.text, min(CANDIDATES, max(limit * 2, 50)))
        c.run()
        if len(c) < limit:
            c.fts("prefix", _quote(toks[-1], prefix=True))
            c.run()
        return _done(c, query, variants, limit, user_id, started)
    # A one- or two-letter last word as a SQL prefix would expand to most of the index:
    # the other words find the candidates and re-ranking checks the prefix.
    short_last = query.prefix_last and len(toks) > 1 and len(toks[-1]) <= SHORT_INPUT
    words = list(toks[:-1] if short_last else toks)
    last = len(words) - 1
    c.fts("exact", " & ".join(_quote(t) for t in words))
    if query.prefix_last:
        c.title_prefix(query.text, min(CANDIDATES, max(limit * 2, 50)))
    if query.prefix_last and not short_last:
        c.fts("prefix", " & ".join(_quote(t, prefix=k == last) for k, t in enumerate(words)))
    # Exact words and titles starting with the input are the best candidates: when they
    # are plenty, the (costlier) prefix expansion is never evaluated.
    c.run(max(limit * 5, 50))
    if len(c) >= limit:
        return _done(c, query, variants, limit, user_id, started)
    vocab = CACHE.get(session, org_id)
    for k, t in enumerate(words):
        variants[k].update(vocab.corrections(t, prefix=query.prefix_last and k == len(toks) - 1))
    groups = [
        _group(variants[k], t, query.prefix_last and k == len(toks) - 1)
        for k, t in enumerate(words)
    ]
    if any(len(v) > 1 for v in variants):
        c.fts("typo", " & ".join(groups))
        c.run()
    if not len(c) and len(groups) > 1:
        # Nothing has every word: fewer words, dropping from the end (Meilisearch's
        # "words" rule), then any word.
        for n in range(len(groups) - 1, 0, -1):
            c.fts(f"words:{n}", " & ".join(groups[:n]))
        c.fts("any_word", " | ".join(groups))
        c.run(max(limit * 3, 30))
    if not len(c):
        _last_resort(c, session, org_id, words, variants, query)
    return _done(c, query, variants, limit, user_id, started)


def _last_resort(
    c: _Collector,
    session: Session,
    org_id: int,
    words: list[str],
    variants: list[dict[str, int]],
    query: Query,
) -> None:
    # Trigram-similar words count as more typos than the budget allows: ranked last.
    groups = []
    for k, t in enumerate(words):
        if len(t) < 3 or t.isdigit():
            continue
        similar = similar_terms(session, org_id, t)
        for term in similar:
            variants[k].setdefault(term, 3)
        if similar:
            groups.append(_group(variants[k], t, query.prefix_last and k == len(words) - 1))
    if groups:
        c.fts("trigram", " | ".join(groups))
        c.run()


def _done(
    c: _Collector,
    query: Query,
    variants: list[dict[str, int]],
    limit: int,
    user_id: int | None,
    started: float,
) -> Result:
    items = rank(list(c.found.values()), query, variants, limit=limit, user_id=user_id)
    took = (time.perf_counter() - started) * 1000
    return Result(items, round(took, 3), query.text, c.tiers)
