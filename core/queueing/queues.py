"""The six queues, and the pool of workers each belongs to: the one list of them.

CPU and database work goes to ``critical``, ``default`` and ``bulk``; outbound deliveries
to slow providers get queues of their own (``email``, ``webhooks``, ``push``) and a pool of
processes of their own (gevent: hundreds of waiting calls without a thread each), so they
cannot starve the rest.

Within a process, Dramatiq hands fetched messages to its threads from one priority queue
ordered by the actor's ``priority`` (lower first); every queue has its own consumer, so a
``critical`` message fetched behind a backlog of prefetched ``bulk`` ones still runs first.
:func:`priority` gives each queue's actors their priority (core.queueing.broker.actor).
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
    priority: int

    def __new__(cls, name: str, pool: Pool, priority: int) -> Queue:
        member = str.__new__(cls, name)
        member._value_ = name
        member.pool = pool
        member.priority = priority
        return member

    CRITICAL = "critical", Pool.WORKER, 0
    DEFAULT = "default", Pool.WORKER, 10
    BULK = "bulk", Pool.WORKER, 20
    EMAIL = "email", Pool.DELIVERY, 10
    WEBHOOKS = "webhooks", Pool.DELIVERY, 10
    PUSH = "push", Pool.DELIVERY, 0  # urgent pushes are what a user waits for


_BY_NAME: dict[str, Queue] = {q.value: q for q in Queue}
# Plain names, in declaration order, for broker keys and command lines.
NAMES: tuple[str, ...] = tuple(q.value for q in Queue)


def names(pool: Pool | None = None) -> tuple[str, ...]:
    """The names of the queues of ``pool`` (default: every queue)."""
    return tuple(q.value for q in Queue if pool is None or q.pool is pool)


def priority(queue_name: str) -> int:
    """Dramatiq ``priority`` of the actors of ``queue_name`` (lower runs first)."""
    return _BY_NAME[queue_name].priority


def pool_of(queue_name: str) -> Pool:
    """The pool whose workers take from ``queue_name`` (a delay queue: its queue's)."""
    return _BY_NAME[queue_name.removesuffix(".DQ")].pool
