"""What the ops views (API, ``flask ops``, ``/metrics``, console, ``ops.queues``) need from
the job broker, behind one interface: queue figures, workers, dead letters, pause.

:func:`broker_ops` picks the implementation from ``BROKER_KIND``: :class:`RedisOps` reads
Dramatiq's Redis keys; :class:`RabbitmqOps` asks RabbitMQ over AMQP and the job ledger
for what AMQP cannot tell (docs/decisions/0024). The relay's side of the broker is
:mod:`core.queueing.brokers`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Protocol

import redis
from sqlalchemy.orm import Session, sessionmaker

from core.ops.deadletters import DeadLetter, Position
from core.ops.introspection import QueueStats
from core.settings import Settings


class BrokerOps(Protocol):
    """A job broker as operators see it.

    Dead-letter filters are ``queue``, ``actor``, ``text`` (in the payload or traceback,
    case-insensitive) and ``message_id``. Pause and resume keep their state in the broker
    Redis with either broker; each broker's consumer honours it.
    """

    def queue_stats(self) -> list[QueueStats]:
        """Every queue's figures, in :data:`core.queueing.queues.NAMES` order."""
        ...

    def workers(self, *, timeout_ms: int) -> list[dict[str, Any]]:
        """Live workers (heartbeat within ``timeout_ms``) with their in-flight count."""
        ...

    def page(
        self,
        *,
        limit: int,
        after: Position | None = None,
        max_scanned: int = 20_000,
        **filters: Any,
    ) -> tuple[list[DeadLetter], Position | None]:
        """Up to ``limit`` dead letters after ``after``, newest first, and the position to
        continue from (None at the end)."""
        ...

    def count(self, **filters: Any) -> int:
        """How many dead letters match ``filters``."""
        ...

    def matching(self, **filters: Any) -> Iterator[DeadLetter]:
        """Every dead letter matching ``filters``, in no order (a bulk action's set)."""
        ...

    def find(self, **filters: Any) -> list[DeadLetter]:
        """Dead letters matching ``filters``, newest first."""
        ...

    def get(self, message_id: str, *, queue: str | None, redis_id: str | None) -> DeadLetter | None:
        """The dead letter of ``message_id`` (``queue``/``redis_id`` from the ledger, a hint)."""
        ...

    def remove(self, letters: list[DeadLetter]) -> int:
        """Delete ``letters`` from their dead-letter queues; return how many were removed."""
        ...

    def pause(self, queue: str) -> bool:
        """Stop workers taking from ``queue``; False if it was paused already."""
        ...

    def resume(self, queue: str) -> bool:
        """Let workers take from ``queue`` again; False if it was not paused."""
        ...


def broker_ops(
    settings: Settings, client: redis.Redis, sessions: sessionmaker[Session]
) -> BrokerOps:
    """The ops views of the broker ``settings`` select; ``client`` is the broker Redis,
    ``sessions`` reach the job ledger."""
    if settings.broker.kind == "rabbitmq":
        from core.ops.rabbitmq_ops import RabbitmqOps

        return RabbitmqOps(
            url=settings.broker.rabbitmq_url,
            client=client,
            namespace=settings.broker.namespace,
            sessions=sessions,
            timeout_s=settings.broker.confirm_timeout_s,
        )
    from core.ops.redis_ops import RedisOps

    return RedisOps(client, settings.broker.namespace)
