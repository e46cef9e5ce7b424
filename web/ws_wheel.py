"""A timer wheel for the hub's per-socket periodic work: pings, lease renewals, heartbeats.

Each socket sits in one of ``slots`` buckets (round robin as sockets open); the hub turns
the wheel once a second, and a job that must reach every socket every ``period`` seconds
takes the buckets whose index is congruent to the turn modulo ``period``: a tenth of the
sockets a second for a 10-second job, instead of all of them at once every 10 seconds. So
idle sockets cost no timer of their own, and their periodic work is a steady trickle
instead of a burst that stalls the worker, Redis and what shares the CPU with them (the
REST process) for tens of milliseconds at 1,000 sockets.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Generic, Protocol, TypeVar


class Slotted(Protocol):
    """What the wheel keeps: anything with a writable ``slot``."""

    slot: int


T = TypeVar("T", bound=Slotted)


class Wheel(Generic[T]):
    """Buckets of sockets; a job of period P (turns) takes every P-th bucket each turn.

    Parameters:
      periods: the periods (in turns) of the jobs run on it; the wheel has their least
        common multiple of buckets, so every period divides it.
    """

    def __init__(self, periods: Iterable[int]) -> None:
        self.slots = math.lcm(*periods)
        self.buckets: list[set[T]] = [set() for _ in range(self.slots)]
        self.turn = 0
        self._next = 0

    def add(self, item: T) -> None:
        item.slot = self._next
        self._next = (self._next + 1) % self.slots
        self.buckets[item.slot].add(item)

    def remove(self, item: T) -> None:
        if 0 <= item.slot < self.slots:
            self.buckets[item.slot].discard(item)

    def due(self, period: int) -> list[T]:
        """What a job of ``period`` turns handles at this turn (each item once a period)."""
        first = self.turn % period
        return [item for b in range(first, self.slots, period) for item in self.buckets[b]]

    def advance(self) -> None:
        self.turn += 1

    def __len__(self) -> int:
        return sum(len(b) for b in self.buckets)
