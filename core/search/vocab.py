"""Typo correction against an org's vocabulary, held in memory per process.

A cache entry is refreshed incrementally (terms are numbered as they are added) when a
query needs it, and reloaded whole every ``FULL_RELOAD_S``. Candidates are compared with
rapidfuzz's optimal-string-alignment distance (a transposition is one typo, as in
Meilisearch) within the typo budget of the word; the last word of the query, being typed,
may also match the beginning of a longer term.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field

from rapidfuzz import process
from rapidfuzz.distance import OSA
from sqlalchemy import text
from sqlalchemy.orm import Session

from core.search.normalize import typo_budget

FULL_RELOAD_S = 600.0
# New terms are looked for at most this often per org and process.
CHECK_EVERY_S = 1.0
MAX_ORGS = 64
# Terms held by one process, every org together (SEARCH_VOCAB_MAX_TERMS): a vocabulary is
# loaded most frequent terms first up to it, and least recently used orgs are dropped past it.
MAX_TERMS = 1_000_000
# Terms numbered shortly before the newest one seen may commit after it: re-read them.
SEQ_OVERLAP = 1_000
MAX_CORRECTIONS = 8
TRGM_THRESHOLD = 0.25
_LOAD = text(
    "SELECT term, doc_count, seq FROM search_terms WHERE org_id = :org AND seq > :after"
    " ORDER BY doc_count DESC LIMIT :n"
)
_MAX_SEQ = text("SELECT max(seq) FROM search_terms WHERE org_id = :org")
_TRGM = text(
    "SELECT term, similarity(term, :tok) AS sim FROM search_terms "
    "WHERE term % :tok AND org_id = :org AND doc_count > 0 ORDER BY sim DESC, term LIMIT :n"
)


@dataclass
class Vocabulary:
    """The terms of one org, bucketed by length."""

    counts: dict[str, int] = field(default_factory=dict)
    by_len: dict[int, list[str]] = field(default_factory=dict)
    prefixes: dict[int, tuple[dict[str, list[str]], list[str]]] = field(default_factory=dict)
    max_seq: int = 0
    loaded_at: float = 0.0
    checked_at: float = 0.0

    def add(self, term: str, count: int, *, room: int) -> bool:
        """Add or update ``term``; a new term only while the vocabulary has ``room``."""
        if term not in self.counts:
            if len(self.counts) >= room:
                return False
            self.by_len.setdefault(len(term), []).append(term)
            self.prefixes.clear()
        self.counts[term] = count
        return True

    def _prefix_index(self, n: int) -> tuple[dict[str, list[str]], list[str]]:
        # Terms longer than n, by their first n characters (built on first need).
        entry = self.prefixes.get(n)
        if entry is None:
            index: dict[str, list[str]] = {}
            for length, terms in self.by_len.items():
                if length > n:
                    for term in terms:
                        index.setdefault(term[:n], []).append(term)
            entry = (index, list(index))
            self.prefixes[n] = entry
        return entry

    def corrections(self, token: str, *, prefix: bool) -> dict[str, int]:
        """Terms within the typo budget of ``token`` and their distance (never ``token``)."""
        budget = typo_budget(token)
        if budget == 0:
            return {}
        found: dict[str, int] = {}
        n = len(token)
        for length in range(n - budget, n + budget + 1):
            choices = self.by_len.get(length)
            if not choices:
                continue
            for term, dist, _ in process.extract(
                token, choices, scorer=OSA.distance, score_cutoff=budget, limit=None
            ):
                found[term] = min(int(dist), found.get(term, budget))
        if prefix:
            index, heads = self._prefix_index(n)
            for head, dist, _ in process.extract(
                token, heads, scorer=OSA.distance, score_cutoff=budget, limit=None
            ):
                if dist == 0:
                    continue  # a plain prefix: the query's own ``token:*`` covers it
                for term in index[head]:
                    found.setdefault(term, int(dist))
        found.pop(token, None)
        best = sorted(found.items(), key=lambda kv: (kv[1], -self.counts.get(kv[0], 0), kv[0]))
        return dict(best[:MAX_CORRECTIONS])


class VocabularyCache:
    """Per-process vocabularies of the most recently used orgs."""

    def __init__(self, max_orgs: int = MAX_ORGS, max_terms: int = MAX_TERMS) -> None:
        self.max_orgs = max_orgs
        self.max_terms = max_terms
        self._entries: OrderedDict[int, Vocabulary] = OrderedDict()
        self._lock = threading.Lock()

    def configure(self, *, max_terms: int) -> None:
        """Bound the terms held (every org together), from ``SEARCH_VOCAB_MAX_TERMS``."""
        self.max_terms = max_terms

    def terms(self) -> int:
        """Terms held now, every org together."""
        with self._lock:
            return sum(len(v.counts) for v in self._entries.values())

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def get(self, session: Session, org_id: int) -> Vocabulary:
        """The vocabulary of ``org_id``, brought up to date with what has committed."""
        now = time.monotonic()
        with self._lock:
            vocab = self._entries.get(org_id)
            if vocab is not None:
                self._entries.move_to_end(org_id)
                if now - vocab.checked_at < CHECK_EVERY_S:
                    return vocab
                vocab.checked_at = now
        newest = session.execute(_MAX_SEQ, {"org": org_id}).scalar() or 0
        if vocab is None or now - vocab.loaded_at > FULL_RELOAD_S or newest < vocab.max_seq:
            vocab = Vocabulary(loaded_at=now, checked_at=now)
            after = 0
        elif newest == vocab.max_seq:
            return vocab
        else:
            after = max(0, vocab.max_seq - SEQ_OVERLAP)
        rows = session.execute(_LOAD, {"org": org_id, "after": after, "n": self.max_terms}).all()
        with self._lock:
            # Appended in place: a query reading it meanwhile sees a term more or less. A
            # full vocabulary takes no new term until its next full reload (most frequent
            # first), so a stream of unique tokens cannot grow it.
            for term, count, _seq in rows:
                vocab.add(term, count, room=self.max_terms)
            vocab.max_seq = max(vocab.max_seq, newest)
            self._entries[org_id] = vocab
            self._entries.move_to_end(org_id)
            held = sum(len(v.counts) for v in self._entries.values())
            while len(self._entries) > self.max_orgs or (
                held > self.max_terms and len(self._entries) > 1
            ):
                _, dropped = self._entries.popitem(last=False)
                held -= len(dropped.counts)
        return vocab


CACHE = VocabularyCache()


def similar_terms(session: Session, org_id: int, token: str, n: int = 5) -> list[str]:
    """The last resort: vocabulary terms most similar to ``token`` by trigrams."""
    # pg_trgm's default 0.3 misses most 8-letter words with two typos; local to this
    # transaction.
    session.execute(text(f"SET LOCAL pg_trgm.similarity_threshold = {TRGM_THRESHOLD}"))
    rows = session.execute(_TRGM, {"org": org_id, "tok": token, "n": n})
    return [r.term for r in rows]
