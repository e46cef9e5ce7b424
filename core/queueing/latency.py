"""Latency histograms beside the minute counters: commit→start wait and run time.

Percentiles cannot be summed across workers or minutes, histograms can: each worker
counts its jobs into fixed log-spaced buckets, flushed with the counters
(:mod:`core.queueing.minute_stats`) into one hash per minute and one per hour (the hour
hashes make a 14-day chart 336 reads, not 20,160). A field is ``queue|actor|kind|i``,
kind ``wait`` (the message's timestamp, set when it was staged in the committing
transaction, to the start of its first attempt) or ``run``; ``i`` indexes
:data:`BOUNDS_MS`.
"""

from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Literal

# Upper bounds of the buckets in ms; the last bucket is everything slower.
BOUNDS_MS: tuple[float, ...] = (
    5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 30_000, 60_000, 300_000, float("inf")
)  # fmt: skip
Kind = Literal["wait", "run"]
MINUTE_PREFIX = "saleshub:stats:h:"
HOUR_PREFIX = "saleshub:stats:hh:"


def bucket(ms: float) -> int:
    """The index of the bucket ``ms`` falls in."""
    return bisect.bisect_left(BOUNDS_MS, ms)


def field(queue: str, actor: str, kind: Kind, ms: float) -> str:
    """The histogram counter that one observation of ``ms`` adds 1 to."""
    return f"{queue}|{actor}|{kind}|{bucket(max(ms, 0.0))}"


Histogram = list[int]


def merge(
    buckets: Iterable[Mapping[str, int]],
) -> dict[tuple[str, str, str], Histogram]:
    """Histogram hashes summed per (queue, actor, kind)."""
    out: dict[tuple[str, str, str], Histogram] = {}
    for counts in buckets:
        for name, n in counts.items():
            queue, actor, kind, i = name.split("|")
            hist = out.setdefault((queue, actor, kind), [0] * len(BOUNDS_MS))
            hist[int(i)] += n
    return out


def add(into: Histogram, other: Histogram) -> Histogram:
    """``into`` plus ``other``, element by element (in place)."""
    for i, n in enumerate(other):
        into[i] += n
    return into


def quantile(hist: Histogram, q: float) -> float | None:
    """The ``q`` quantile (0..1) in ms, interpolated inside its bucket; None if empty."""
    total = sum(hist)
    if not total:
        return None
    rank = q * total
    seen = 0
    for i, n in enumerate(hist):
        if n and seen + n >= rank:
            low = BOUNDS_MS[i - 1] if i else 0.0
            high = BOUNDS_MS[i]
            if high == float("inf"):
                return low
            return round(low + (high - low) * (rank - seen) / n, 1)
        seen += n
    return BOUNDS_MS[-2]


def counter() -> Counter[str]:
    """An empty buffer of histogram counters."""
    return Counter()
