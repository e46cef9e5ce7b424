"""What the outbox relay needs from a broker: publish a batch, say what it still holds."""

from __future__ import annotations

from typing import Any, NamedTuple, Protocol

from dramatiq import Message


class BrokerUnavailable(Exception):
    """The broker did not take a batch (down, timed out, or refused): roll it back, retry."""


class Sent(NamedTuple):
    """Where the broker put one message: its broker-side id and its queue."""

    broker_id: str
    queue: str


class Publisher(Protocol):
    """A broker as the relay sees it.

    ``publish`` returns only once the broker has the whole batch (Redis: the pipeline
    answered; RabbitMQ: every message confirmed), and raises :class:`BrokerUnavailable`
    otherwise, so the relay marks rows dispatched only after that. ``concurrent``: whether
    several threads may publish through it at once (the relay then drains on several
    connections).
    """

    concurrent: bool

    def publish(self, messages: list[Message[Any]]) -> list[Sent]:
        """Send ``messages``; one :class:`Sent` per message, in order."""
        ...

    def holds(self, sent: list[Sent]) -> list[bool]:
        """Whether the broker still holds each message (queued, delayed or in flight)."""
        ...

    def ready(self) -> dict[str, int] | None:
        """Ready messages per queue, where the platform cannot read them from Redis keys."""
        ...

    def maintain(self) -> None:
        """Give dead workers' messages back to their queues (where the broker does not)."""
        ...

    def close(self) -> None:
        """Close the publisher's connections."""
        ...
