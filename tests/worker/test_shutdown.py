"""SIGTERM drains a worker: running jobs finish within the grace, the rest go back to the queue."""

from __future__ import annotations

import signal
import uuid
from pathlib import Path

import redis
from dramatiq.brokers.redis import RedisBroker
from sqlalchemy.orm import Session, sessionmaker

from core.queueing.handback import HANDED_BACK
from core.queueing.outbox import stage
from core.settings import Settings
from models import Job
from models.db import session_scope
from tests.support.actors import blocker, sleeper
from tests.support.stack import RelayThread, WorkerProcess, wait_for


def _job(sessions: sessionmaker[Session], job_id: uuid.UUID) -> Job:
    with sessions() as s:
        job = s.get(Job, job_id)
        assert job is not None
        return job


def test_sigterm_finishes_a_short_job_and_hands_a_long_one_back(
    settings: Settings,
    broker: RedisBroker,
    sessions: sessionmaker[Session],
    tmp_path: Path,
) -> None:
    cache = redis.Redis.from_url(settings.cache.url)
    key = uuid.uuid4().hex
    first = WorkerProcess(settings, tmp_path / "first.log", WORKER_SHUTDOWN_GRACE_S="6")
    first.start()
    try:
        with session_scope(sessions) as s:
            long_id = stage(s, blocker, job_type="t", org_id=None, args=(f"{key}:long",))
            short_id = stage(s, sleeper, job_type="t", org_id=None, args=(f"{key}:short", 1.5))
        assert long_id is not None and short_id is not None
        with RelayThread(settings, broker):
            wait_for(lambda: cache.get(f"{key}:long:started") and cache.get(f"{key}:short:started"))
            dramatiq_pids = first.dramatiq_children()
            assert first.proc is not None
            first.proc.send_signal(signal.SIGTERM)
            assert first.proc.wait(60) == 0  # the supervisor waited for the drain
            first.proc = None
        for pid in dramatiq_pids:  # and nothing of the worker is left behind
            assert not Path(f"/proc/{pid}").exists() or "zombie" in _state(pid)
    finally:
        first.stop()

    short = _job(sessions, short_id)
    assert short.status == "succeeded" and cache.get(f"{key}:short:effect") == b"1"
    handed = _job(sessions, long_id)
    assert handed.status == "queued" and handed.error == HANDED_BACK
    assert handed.attempts == 1 and handed.completed_attempts == 1  # not counted as a crash
    assert cache.get(f"{key}:long:effect") is None
    ns = broker.namespace
    assert handed.redis_id is not None
    assert handed.redis_id.encode() in broker.client.lrange(f"{ns}:default", 0, -1)

    cache.set(f"{key}:long:release", 1)
    second = WorkerProcess(settings, tmp_path / "second.log")
    second.start()
    try:
        wait_for(lambda: _job(sessions, long_id).status == "succeeded", timeout=60)
    finally:
        second.stop()
    done = _job(sessions, long_id)
    assert done.attempts == 2 and done.error is None
    assert cache.get(f"{key}:long:started") == b"2" and cache.get(f"{key}:long:effect") == b"1"


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/status").read_text().lower()
    except OSError:
        return "zombie"
