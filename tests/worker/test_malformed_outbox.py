"""A malformed staged message is set aside; the relay keeps draining everything else."""

from __future__ import annotations

import json
import uuid

import redis
from dramatiq.brokers.redis import RedisBroker
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from core.queueing.outbox import stage
from core.queueing.relay import set_aside_count
from core.settings import Settings
from models import Job
from models.db import session_scope
from tests.conftest import auth
from tests.support.actors import effect
from tests.support.client import JsonClient
from tests.support.factories import Tenant
from tests.support.stack import RelayThread, WorkerProcess, wait_for

BAD_MESSAGES = (
    {"not": "a message"},  # not a Dramatiq message at all
    [1, 2, 3],  # not even an object
    "a string",
    None,  # options missing
    {"queue_name": "nowhere"},  # a queue no worker reads (filled in below)
)


def _stage_effects(sessions: sessionmaker[Session], keys: list[str]) -> list[uuid.UUID]:
    with session_scope(sessions) as s:
        ids = [stage(s, effect, job_type="t", org_id=None, args=(k,)) for k in keys]
    return [i for i in ids if i is not None]


def _corrupt(sessions: sessionmaker[Session], job_id: uuid.UUID, bad: object) -> None:
    with session_scope(sessions) as s:
        job = s.get(Job, job_id)
        assert job is not None
        if bad is None:
            value = {k: v for k, v in job.message.items() if k != "options"}
        elif isinstance(bad, dict) and "queue_name" in bad:
            value = {**job.message, **bad}
        else:
            value = bad  # type: ignore[assignment]  # not a dict: what is malformed
        s.execute(
            text("UPDATE jobs SET message = CAST(:m AS jsonb) WHERE id = :id"),
            {"m": json.dumps(value), "id": job_id},
        )


def test_malformed_messages_are_set_aside_and_the_rest_run(
    settings: Settings,
    broker: RedisBroker,
    sessions: sessionmaker[Session],
    worker_proc: WorkerProcess,
    client: JsonClient,
    tenant: Tenant,
) -> None:
    prefix = uuid.uuid4().hex
    before = _stage_effects(sessions, [f"{prefix}:a{i}" for i in range(5)])
    poisoned = _stage_effects(sessions, [f"{prefix}:bad{i}" for i in range(len(BAD_MESSAGES))])
    after = _stage_effects(sessions, [f"{prefix}:b{i}" for i in range(5)])
    for job_id, bad in zip(poisoned, BAD_MESSAGES, strict=True):
        _corrupt(sessions, job_id, bad)

    def statuses(ids: list[uuid.UUID]) -> set[str]:
        with sessions() as s:
            return {s.get(Job, i).status for i in ids}  # type: ignore[union-attr]

    with RelayThread(settings, broker):
        wait_for(lambda: statuses(before + after) == {"succeeded"}, timeout=60)
        wait_for(lambda: statuses(poisoned) == {"dead"}, timeout=10)
    with sessions() as s:
        jobs = [s.get(Job, job_id) for job_id in poisoned]
    for job in jobs:
        assert job is not None and job.finished_at is not None
        assert job.error and job.error.startswith("malformed staged message")
    assert "unknown queue 'nowhere'" in (jobs[-1].error or "")  # type: ignore[union-attr]
    assert set_aside_count(broker.client) == len(BAD_MESSAGES)
    metrics = client.get("/metrics", headers=auth(tenant.operator)).get_data(as_text=True)
    assert f"saleshub_outbox_set_aside_total {float(len(BAD_MESSAGES))}" in metrics
    cache = redis.Redis.from_url(settings.cache.url)
    assert all(cache.get(f"{prefix}:a{i}:effect") == b"1" for i in range(5))
    assert all(cache.get(f"{prefix}:bad{i}:effect") is None for i in range(len(BAD_MESSAGES)))
