"""Actors that only tests load (``python -m worker tests.support.actors``)."""

from __future__ import annotations

import os
import signal
import time

import redis

from core.queueing.broker import actor
from jobs.runtime import current_settings


def _redis() -> redis.Redis:
    return redis.Redis.from_url(current_settings().cache.url)


@actor(actor_name="test.blocker", queue_name="default", max_retries=0, time_limit=60_000)
def blocker(key: str) -> str:
    """Count a start, wait until the test releases it, then count one effect."""
    r = _redis()
    r.incr(f"{key}:started")
    deadline = time.monotonic() + 30
    while not r.exists(f"{key}:release") and time.monotonic() < deadline:
        time.sleep(0.05)
    r.incr(f"{key}:effect")
    return "done"


@actor(actor_name="test.crasher", queue_name="default", max_retries=10)
def crasher(key: str) -> None:
    """Kill the process running it, every time."""
    _redis().incr(f"{key}:started")
    os.kill(os.getpid(), signal.SIGKILL)


@actor(
    actor_name="test.flaky", queue_name="critical", max_retries=2, min_backoff=10, max_backoff=50
)
def flaky(key: str, failures: int) -> int:
    """Raise on the first ``failures`` runs, then succeed."""
    n = _redis().incr(f"{key}:started")
    if n <= failures:
        raise RuntimeError(f"flaky failure {n}")
    return int(n)


@actor(actor_name="test.effect", queue_name="default", max_retries=0)
def effect(key: str) -> None:
    """Count one effect."""
    _redis().incr(f"{key}:effect")


@actor(actor_name="test.sleeper", queue_name="default", max_retries=0, time_limit=120_000)
def sleeper(key: str, seconds: float) -> None:
    """Count a start, sleep ``seconds``, then count one effect."""
    r = _redis()
    r.incr(f"{key}:started")
    time.sleep(seconds)
    r.incr(f"{key}:effect")


@actor(actor_name="test.slow_call", queue_name="webhooks", max_retries=0, time_limit=60_000)
def slow_call(url: str, key: str) -> None:
    """One outbound HTTP call to a (slow) loopback sink, as a webhook delivery makes."""
    import urllib.request

    with urllib.request.urlopen(url, timeout=30) as resp:  # nosec B310 - loopback test sink
        resp.read()
    _redis().incr(f"{key}:effect")


@actor(actor_name="test.member", queue_name="default", max_retries=0, time_limit=60_000)
def member(key: str, mode: str) -> str:
    """A batch member: ``ok`` succeeds, ``fail`` raises, ``block`` waits for a release."""
    r = _redis()
    if mode == "block":
        r.incr(f"{key}:started")
        deadline = time.monotonic() + 30
        while not r.exists(f"{key}:release") and time.monotonic() < deadline:
            time.sleep(0.05)
    r.incr(f"{key}:effect")
    if mode == "fail":
        raise RuntimeError(f"member {key} failed on purpose")
    return key


@actor(actor_name="test.spawner", queue_name="default", max_retries=0)
def spawner(batch_id: str, key: str, n: int) -> None:
    """A batch member that adds ``n`` more members to its own batch before it finishes."""
    import uuid

    from core.queueing import batches
    from jobs.runtime import session_scope
    from models import Job

    with session_scope() as session:
        # Its members belong to the batch's org (row-level security refuses any other).
        batch = session.get(Job, uuid.UUID(batch_id))
        assert batch is not None
        for i in range(n):
            batches.add(
                session,
                uuid.UUID(batch_id),
                member,
                job_type="test.member",
                org_id=batch.org_id,
                args=(f"{key}:{i}", "ok"),
            )


@actor(actor_name="test.batch_done", queue_name="default", max_retries=0)
def batch_done(batch_id: str, key: str) -> None:
    """A batch callback: count its runs."""
    _redis().incr(f"{key}:callback")


def _record_process(key: str) -> None:
    """Record the pid and niceness of the process running the job at ``key``."""
    _redis().set(key, f"{os.getpid()}:{os.nice(0)}")


where_default = actor(actor_name="test.where_default", queue_name="default", max_retries=0)(
    _record_process
)
where_bulk = actor(actor_name="test.where_bulk", queue_name="bulk", max_retries=0)(_record_process)
