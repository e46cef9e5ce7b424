"""Re-ranking a few hundred candidates with one lexicographic key for every entity type.

The key, best first: words of the query matched, typos, words matched exactly (not as a
prefix or through a typo), importance of the fields matched, rapidfuzz similarity of the
query to the record's name, then the caller's own records, then the most recently updated.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from rapidfuzz import fuzz

from core.search.documents import FIELD_RANK
from core.search.normalize import highlight


@dataclass(frozen=True)
class Query:
    """A normalized query.

    Parameters:
      tokens: its words, normalized.
      prefix_last: the last word is still being typed (the query does not end in a space).
    """

    tokens: tuple[str, ...]
    prefix_last: bool

    @property
    def text(self) -> str:
        return " ".join(self.tokens)


@dataclass
class Candidate:
    """A document row as the candidate queries return it."""

    entity_type: str
    entity_id: int
    title: str
    subtitle: str | None
    keys: str
    fields: str
    owner_id: int | None
    source_updated_at: datetime | None


@dataclass
class Match:
    """How one candidate matched: its sort key and where each word matched."""

    key: tuple[Any, ...]
    raw_score: float
    # field -> token index in that field -> matched characters
    where: dict[str, dict[int, int]]
    best_field: str | None


def match(
    cand: Candidate, query: Query, variants: list[dict[str, int]], user_id: int | None
) -> Match:
    """Score ``cand`` against ``query``; ``variants[i]`` maps accepted words to their typos."""
    qtoks = query.tokens
    n = len(qtoks)
    prefix_at = n - 1 if query.prefix_last else -1
    # Per query word, the best (typos, inexact, -field rank, field, token index, length).
    best: list[tuple[int, int, int, str, int, int] | None] = [None] * n
    primary = ""
    for line in cand.keys.split("\n"):
        name, _, rest = line.partition(" ")
        if not primary:
            primary = rest
        rank_ = FIELD_RANK.get((cand.entity_type, name), 1)
        for j, tok in enumerate(rest.split(" ")):
            for i in range(n):
                t = variants[i].get(tok)
                if t is not None:
                    found = (t, int(tok != qtoks[i]), -rank_, name, j, len(tok))
                elif i == prefix_at and tok.startswith(qtoks[i]):
                    found = (0, 1, -rank_, name, j, len(qtoks[i]))
                else:
                    continue
                current = best[i]
                if current is None or found[:3] < current[:3]:
                    best[i] = found
    words = typos = exact = weight = 0
    where: dict[str, dict[int, int]] = {}
    best_field: tuple[int, str] | None = None
    for b in best:
        if b is None:
            continue
        words += 1
        typos += b[0]
        exact += 1 - b[1]
        weight += -b[2]
        where.setdefault(b[3], {})[b[4]] = b[5]
        if best_field is None or -b[2] > best_field[0]:
            best_field = (-b[2], b[3])
    similarity = fuzz.ratio(query.text, primary) if words else 0.0
    owned = int(user_id is not None and cand.owner_id == user_id)
    updated = cand.source_updated_at.timestamp() if cand.source_updated_at else 0.0
    key = (-words, typos, -exact, -weight, -similarity, -owned, -updated, cand.entity_id)
    raw = (
        0.6 * words / n
        + 0.15 * (1 - min(typos, 2 * n) / (2 * n))
        + 0.1 * exact / n
        + 0.1 * weight / (3 * n)
        + 0.05 * similarity / 100
    )
    return Match(key, raw, where, best_field[1] if best_field else None)


def rank(
    cands: list[Candidate],
    query: Query,
    variants: list[dict[str, int]],
    *,
    limit: int,
    user_id: int | None = None,
) -> list[dict[str, Any]]:
    """The best ``limit`` candidates as API items, with score and highlight offsets."""
    scored = [(match(c, query, variants, user_id), c) for c in cands]
    scored = [sc for sc in scored if sc[0].key[0] < 0]  # at least one word matched
    scored.sort(key=lambda sc: sc[0].key)
    items: list[dict[str, Any]] = []
    ceiling = 1.0
    for m, c in scored[:limit]:
        # Scores follow the ranking, so they compare across types and pages.
        score = round(min(ceiling, m.raw_score), 4)
        ceiling = score
        values = orjson.loads(c.fields)
        highlights = [
            {"field": name, "value": values[name], "ranges": highlight(values[name], spots)}
            for name, spots in m.where.items()
            if name in values
        ]
        items.append(
            {
                "type": c.entity_type,
                "id": c.entity_id,
                "title": c.title,
                "subtitle": c.subtitle,
                "score": score,
                "matched_field": m.best_field,
                "highlights": highlights,
            }
        )
    return items
