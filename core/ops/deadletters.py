"""Dead letters on either broker: the letter, its position in a page, and retry.

Retry goes through the outbox: the job row is reset to ``queued`` with the dead message
(retry budget restored) and undispatched, so the relay sends it like any staged job, and
a crash between the two steps loses nothing. A dead letter with no job row (a message not
staged through the outbox) gets a job row and goes the same way. Where letters are kept
and how they are read is the broker's (:mod:`core.ops.redis_deadletters`,
:mod:`core.ops.rabbitmq_ops`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy.orm import Session

from core.queueing import job_state
from core.queueing.outbox import LEDGER_OPTION
from models import Job, JobStatus


class DeadLetterStore(Protocol):
    """Where a broker keeps dead letters, as :func:`retry` needs it."""

    def remove(self, letters: list[DeadLetter]) -> int:
        """Delete ``letters`` from their dead-letter queues; return how many were removed."""
        ...


def last_line(text: str | None) -> str:
    """The last non-blank line of a traceback (what a listing shows as the error)."""
    lines = [ln for ln in (text or "").strip().splitlines() if ln.strip()]
    return lines[-1].strip() if lines else ""


def matches(letter: DeadLetter, *, actor: str | None = None, message_id: str | None = None) -> bool:
    """Whether ``letter`` passes the actor and message-id filters (text is matched on the
    raw payload by each store, before decoding)."""
    return not (
        (actor and letter.actor != actor) or (message_id and letter.message_id != message_id)
    )


@dataclass(frozen=True)
class DeadLetter:
    """One dead-lettered message.

    Parameters:
      message_id: the Dramatiq message id (also the job id of staged jobs).
      redis_id: its id inside the dead-letter queue (Redis: the broker's message id;
        RabbitMQ: the message id again, as a quorum queue has no other).
      queue: the queue it died on.
      actor: the actor it was for.
      died_at: when it was dead-lettered (epoch seconds).
      error: the last traceback line Dramatiq kept, if any.
      message: the message as a dict.
    """

    message_id: str
    redis_id: str
    queue: str
    actor: str
    died_at: float
    error: str
    message: dict[str, Any]

    def public(self, *, full: bool = False) -> dict[str, Any]:
        """The JSON view (operators only: payloads hold every org's data); ``full`` adds
        the traceback Dramatiq kept and the message's options."""
        out = {
            "message_id": self.message_id,
            "queue": self.queue,
            "actor": self.actor,
            "died_at": self.died_at,
            "error": self.error,
            "args": self.message.get("args"),
            "kwargs": self.message.get("kwargs"),
            "retries": self.message.get("options", {}).get("retries", 0),
        }
        if full:
            options = self.message.get("options", {})
            out["traceback"] = options.get("traceback")
            out["options"] = {k: v for k, v in options.items() if k != "traceback"}
        return out


# A position in the newest-first order of every queue's dead letters: (score, queue, id).
Position = tuple[float, str, str]


def fresh_message(message: dict[str, Any], queue: str) -> dict[str, Any]:
    """``message`` to send again on ``queue``: its retry count, traceback and ETA dropped."""
    options = {
        k: v
        for k, v in message.get("options", {}).items()
        if k not in {"retries", "traceback", "eta", "redis_message_id"}
    }
    return {**message, "queue_name": queue, "options": options}


def retry(session: Session, store: DeadLetterStore, letters: list[DeadLetter]) -> int:
    """Run ``letters`` again with a fresh retry budget; commit ``session``; return the count.

    The outbox row is committed before the letter leaves its dead-letter queue: a crash in
    between leaves a letter that was also retried (the ledger runs a finished job once),
    never a letter that is gone and not retried."""
    for letter in letters:
        message = fresh_message(letter.message, letter.queue)
        options = message["options"]
        if not job_state.requeue(session, uuid.UUID(letter.message_id), message):
            # Not staged through the outbox: stage it now.
            session.add(
                Job(
                    id=uuid.UUID(letter.message_id),
                    type=letter.actor,
                    actor=letter.actor,
                    queue=letter.queue,
                    params={},
                    message={**message, "options": {**options, LEDGER_OPTION: True}},
                    status=JobStatus.QUEUED,
                )
            )
    session.commit()  # the outbox trigger wakes the relay (0016)
    store.remove(letters)
    return len(letters)
