"""The six queues, and the pool of workers each belongs to: the one list of them.

CPU and database work goes to ``critical``, ``default`` and ``bulk``; outbound deliveries
to slow providers get queues of their own (``email``, ``webhooks``, ``push``), so they
cannot starve the rest.
"""

from __future__ import annotations

from enum import StrEnum


class Pool(StrEnum):
    """A kind of worker process: what its threads spend their time on."""

    WORKER = "worker"  # CPU and database work
    DELIVERY = "delivery"  # outbound calls that mostly wait on the network


class Queue(StrEnum):
    """A queue; its value is its name in the broker, ``pool`` the workers that take from it."""

    pool: Pool

    def __new__(cls, name: str, pool: Pool) -> Queue:
        member = str.__new__(cls, name)
        member._value_ = name
        member.pool = pool
        return member

    CRITICAL = "critical", Pool.WORKER
    DEFAULT = "default", Pool.WORKER
    BULK = "bulk", Pool.WORKER
    EMAIL = "email", Pool.DELIVERY
    WEBHOOKS = "webhooks", Pool.DELIVERY
    PUSH = "push", Pool.DELIVERY


# Plain names, in declaration order, for broker keys and command lines.
NAMES: tuple[str, ...] = tuple(q.value for q in Queue)


def names(pool: Pool | None = None) -> tuple[str, ...]:
    """The names of the queues of ``pool`` (default: every queue)."""
    return tuple(q.value for q in Queue if pool is None or q.pool is pool)
