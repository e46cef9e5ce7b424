"""Dead letters: browse, retry and purge the messages in each queue's ``.XQ``.

Retry goes through the outbox: the job row is reset to ``queued`` with the dead message
(retry budget restored) and undispatched, so the relay sends it like any staged job, and
a crash between the two steps loses nothing. A dead letter with no job row (a message not
staged through the outbox) gets a job row and goes the same way.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import orjson
import redis
from sqlalchemy import text
from sqlalchemy.orm import Session

from core.queueing import job_state
from core.queueing.outbox import LEDGER_OPTION, NOTIFY_CHANNEL
from core.queueing.queues import NAMES
from models import Job, JobStatus


@dataclass(frozen=True)
class DeadLetter:
    """One dead-lettered message.

    Parameters:
      message_id: the Dramatiq message id (also the job id of staged jobs).
      redis_id: its id inside the dead-letter queue.
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

    def public(self) -> dict[str, Any]:
        """The JSON view (operators only: payloads hold every org's data)."""
        return {
            "message_id": self.message_id,
            "queue": self.queue,
            "actor": self.actor,
            "died_at": self.died_at,
            "error": self.error,
            "args": self.message.get("args"),
            "kwargs": self.message.get("kwargs"),
            "retries": self.message.get("options", {}).get("retries", 0),
        }


def _last_line(text: str | None) -> str:
    lines = [ln for ln in (text or "").strip().splitlines() if ln.strip()]
    return lines[-1].strip() if lines else ""


def find(
    client: redis.Redis,
    namespace: str,
    *,
    queue: str | None = None,
    actor: str | None = None,
    text: str | None = None,
    message_id: str | None = None,
) -> list[DeadLetter]:
    """Dead letters matching every given filter, newest first."""
    found = []
    for q in (str(queue),) if queue else NAMES:
        xq = f"{namespace}:{q}.XQ"
        entries: Any = client.zrevrange(xq, 0, -1, withscores=True)
        if not entries:
            continue
        payloads: Any = client.hmget(f"{xq}.msgs", [rid for rid, _ in entries])
        for (rid, score), raw in zip(entries, payloads, strict=True):
            if raw is None:
                continue
            data = orjson.loads(raw)
            error = _last_line(data.get("options", {}).get("traceback"))
            letter = DeadLetter(
                message_id=data["message_id"],
                redis_id=rid.decode(),
                queue=q,
                actor=data["actor_name"],
                died_at=score / 1000,
                error=error,
                message=data,
            )
            if actor and letter.actor != actor:
                continue
            if message_id and letter.message_id != message_id:
                continue
            if text and text.lower() not in f"{letter.error} {raw.decode()}".lower():
                continue
            found.append(letter)
    return found


def remove(client: redis.Redis, namespace: str, letters: list[DeadLetter]) -> int:
    """Delete ``letters`` from their dead-letter queues; return how many were removed."""
    pipe = client.pipeline(transaction=False)
    for letter in letters:
        xq = f"{namespace}:{letter.queue}.XQ"
        pipe.zrem(xq, letter.redis_id)
        pipe.hdel(f"{xq}.msgs", letter.redis_id)
    return sum(pipe.execute()[::2]) if letters else 0


def fresh_message(message: dict[str, Any], queue: str) -> dict[str, Any]:
    """``message`` to send again on ``queue``: its retry count, traceback and ETA dropped."""
    options = {
        k: v
        for k, v in message.get("options", {}).items()
        if k not in {"retries", "traceback", "eta", "redis_message_id"}
    }
    return {**message, "queue_name": queue, "options": options}


def retry(session: Session, client: redis.Redis, namespace: str, letters: list[DeadLetter]) -> int:
    """Run ``letters`` again with a fresh retry budget; commit ``session``; return the count."""
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
    if letters:
        session.execute(text("SELECT pg_notify(:c, '')"), {"c": NOTIFY_CHANNEL})
    session.commit()
    remove(client, namespace, letters)
    return len(letters)
