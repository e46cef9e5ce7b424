"""The promises on RabbitMQ, end to end: API → outbox → relay → RabbitMQ → worker process.

One worker process serves the module (it starts in seconds, the tests in less). A message
that keeps killing its worker is the ledger's business whatever the broker
(``tests/worker/test_end_to_end.py``); RabbitMQ's dead-lettering of a nacked message is in
``tests/core/queueing/test_rabbitmq.py``: neither costs worker restarts here.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
import redis
from dramatiq import Actor, Message
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from core.queueing.broker import configure
from core.queueing.brokers.rabbitmq import SalesHubRabbitmqBroker
from core.queueing.outbox import stage
from core.queueing.relay import Relay
from core.settings import Settings
from jobs import runtime
from models import Job
from models.db import session_scope
from tests.conftest import auth
from tests.support.actors import blocker, effect, flaky, slow_call
from tests.support.client import JsonClient, client_for
from tests.support.factories import Tenant, stage_id
from tests.support.netns import NodeNamespace
from tests.support.netns import available as netns_available
from tests.support.rabbitmq import purge
from tests.support.stack import ROOT, RelayThread, WorkerProcess, process_env, wait_for
from tests.worker.test_pools import slow_sink
from web import create_app

pytestmark = pytest.mark.rabbitmq


@pytest.fixture(scope="module")
def rabbit_env(settings: Settings, rabbitmq_url: str) -> Settings:
    return settings.replace(broker={"kind": "rabbitmq", "rabbitmq_url": rabbitmq_url})


@pytest.fixture(scope="module")
def rabbit_worker(
    rabbit_env: Settings, engine: Engine, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[WorkerProcess]:
    proc = WorkerProcess(rabbit_env, tmp_path_factory.mktemp("rabbit") / "worker.log")
    proc.start()
    yield proc
    proc.stop()


@pytest.fixture
def rabbit(rabbit_env: Settings, rabbit_worker: WorkerProcess) -> Iterator[SalesHubRabbitmqBroker]:
    broker = configure(rabbit_env)
    assert isinstance(broker, SalesHubRabbitmqBroker)
    runtime.init(rabbit_env)
    yield broker
    broker.close()
    purge(rabbit_env.broker.rabbitmq_url)


def _stage(sessions: sessionmaker[Session], actor: Actor[Any, Any], *args: object) -> uuid.UUID:
    with session_scope(sessions) as s:
        job_id = stage(s, actor, job_type=actor.actor_name, org_id=None, args=args)
    assert job_id is not None
    return job_id


def _job(sessions: sessionmaker[Session], job_id: uuid.UUID) -> Job:
    with sessions() as s:
        job = s.get(Job, job_id)
        assert job is not None
        return job


def _count(sessions: sessionmaker[Session], *where: Any) -> int:
    with sessions() as s:
        return int(s.scalar(select(func.count()).select_from(Job).where(*where)) or 0)


@pytest.fixture
def ops_client(rabbit_env: Settings, rabbit: SalesHubRabbitmqBroker) -> Iterator[JsonClient]:
    """The API on the RabbitMQ settings (the ops views read RabbitMQ and the ledger)."""
    app = create_app(rabbit_env)
    app.config["TESTING"] = True
    yield client_for(app)
    res = app.extensions["saleshub"]
    res.engine.dispose()
    res.broker.close()
    res.cache.close()


def test_ops_on_rabbitmq_in_flight_pause_and_dead_letter_retry(
    ops_client: JsonClient,
    tenant: Tenant,
    rabbit: SalesHubRabbitmqBroker,
    rabbit_env: Settings,
    sessions: sessionmaker[Session],
) -> None:
    h = auth(tenant.operator)
    cache = redis.Redis.from_url(rabbit_env.cache.url)

    def queue(name: str) -> dict[str, Any]:
        body = ops_client.get("/api/v1/ops/queues", headers=h).json
        return next(q for q in body["queues"] if q["name"] == name)

    def consumers(name: str) -> int:
        return int(rabbit.channel.queue_declare(name, passive=True).method.consumer_count)

    running = _stage(sessions, blocker, "opsrun")
    with RelayThread(rabbit_env, rabbit):
        # A running job is in flight on its queue and on the worker running it.
        wait_for(lambda: cache.get("opsrun:started") == b"1", timeout=30)
        assert queue("default")["in_flight"] == 1

        def busy() -> list[tuple[int, str]]:
            # A worker is listed from its first heartbeat, a second after it booted, and
            # while its registration (written once, at boot) is in the broker Redis: every
            # test flushes that Redis after it, so this test comes first in the module.
            items = ops_client.get("/api/v1/ops/workers", headers=h).json["items"]
            return [(w["in_flight"], w["running"][0]["job_id"]) for w in items if w["running"]]

        assert wait_for(busy, timeout=10) == [(1, str(running))]
        cache.set("opsrun:release", 1)
        wait_for(lambda: _job(sessions, running).status == "succeeded", timeout=30)

        # Paused: every worker cancels its consumer of `default`; staged jobs wait, ready.
        assert ops_client.post("/api/v1/ops/queues/default/pause", headers=h).json["paused"]
        wait_for(lambda: consumers("default") == 0, timeout=10)
        waiting = [_stage(sessions, effect, f"paused{i}") for i in range(3)]
        wait_for(lambda: queue("default")["ready"] == 3)
        assert queue("default")["paused"] and _count(sessions, Job.status == "queued") == 3
        ops_client.post("/api/v1/ops/queues/default/resume", headers=h)
        wait_for(lambda: all(_job(sessions, i).status == "succeeded" for i in waiting), timeout=30)

        # Retries spent: RabbitMQ dead-letters it; a retry from the API runs it again.
        flaked = _stage(sessions, flaky, "opsdl", 3)
        wait_for(lambda: _job(sessions, flaked).status == "failed", timeout=30)
        wait_for(lambda: ops_client.get("/api/v1/ops/dead-letters", headers=h).json["total"] == 1)
        [letter] = ops_client.get("/api/v1/ops/dead-letters", headers=h).json["items"]
        assert (letter["message_id"], letter["queue"]) == (str(flaked), "critical")
        resp = ops_client.post(f"/api/v1/ops/dead-letters/{flaked}/retry", headers=h)
        assert resp.json == {"retried": 1}
        wait_for(lambda: _job(sessions, flaked).status == "succeeded", timeout=30)
    assert _job(sessions, flaked).attempts == 4
    assert ops_client.get("/api/v1/ops/dead-letters", headers=h).json["total"] == 0


def test_api_write_runs_its_job_through_rabbitmq(
    client: JsonClient,
    tenant: Tenant,
    rabbit: SalesHubRabbitmqBroker,
    rabbit_env: Settings,
    rabbit_worker: WorkerProcess,
    sessions: sessionmaker[Session],
) -> None:
    resp = client.post(
        "/api/v1/jobs", json={"type": "analytics.rollup"}, headers=auth(tenant.member)
    )
    assert resp.status_code == 202
    job_id = uuid.UUID(resp.json["id"])
    with RelayThread(rabbit_env, rabbit):
        wait_for(lambda: _job(sessions, job_id).status == "succeeded", timeout=30)
    job = _job(sessions, job_id)
    assert job.attempts == 1 and job.redis_queue == "default"
    assert job.result == {"org_id": tenant.org_id, "deals": 0, "win_rate": None}
    # Every middleware (heartbeat, ledger, ...) booted on this broker too.
    assert "Unexpected failure" not in rabbit_worker.log.read_text()


def _blocker_survives(
    rabbit: SalesHubRabbitmqBroker,
    rabbit_env: Settings,
    sessions: sessionmaker[Session],
    key: str,
    kill: Callable[[], None],
) -> None:
    """Start a blocker job, ``kill`` what runs it, and see it start again and finish once."""
    cache = redis.Redis.from_url(rabbit_env.cache.url)
    job_id = _stage(sessions, blocker, key)
    with RelayThread(rabbit_env, rabbit):
        wait_for(lambda: cache.get(f"{key}:started") == b"1", timeout=30)
        kill()
        wait_for(lambda: cache.get(f"{key}:started") == b"2", timeout=90)
        cache.set(f"{key}:release", 1)
        wait_for(lambda: _job(sessions, job_id).status == "succeeded", timeout=30)
    assert cache.get(f"{key}:effect") == b"1"
    assert _job(sessions, job_id).attempts == 2


def test_worker_killed_mid_job_gets_it_back_and_finishes_it_once(
    rabbit: SalesHubRabbitmqBroker,
    rabbit_env: Settings,
    rabbit_worker: WorkerProcess,
    sessions: sessionmaker[Session],
) -> None:
    def kill() -> None:
        # Its AMQP connection dies with it: RabbitMQ requeues the unacked message at once,
        # and the supervisor's new worker process takes it.
        for pid in rabbit_worker.dramatiq_children():
            os.kill(pid, signal.SIGKILL)

    _blocker_survives(rabbit, rabbit_env, sessions, "rkill", kill)


class _DiesAfterPublish(Relay):
    """A relay that dies between RabbitMQ's confirms and its commit, once."""

    published: list[uuid.UUID] = []

    def _push(self, messages: list[tuple[uuid.UUID, Message[Any]]]) -> tuple[list[str], ...]:
        super()._push(messages)
        self.published = [job_id for job_id, _ in messages]
        raise SystemExit("relay died after publishing, before marking its rows")


def _wait_settled(sessions: sessionmaker[Session], quiet_s: float = 1.0) -> None:
    """Until every copy in flight has run: no job running, every dispatched one succeeded,
    and the count of succeeded jobs unchanged for ``quiet_s``."""
    seen: list[Any] = [None, time.monotonic()]

    def settled() -> bool:
        now = (
            _count(sessions, Job.status == "succeeded"),
            _count(sessions, Job.status == "running"),
            _count(sessions, Job.dispatched_at.is_not(None), Job.status != "succeeded"),
        )
        if now != seen[0]:
            seen[:] = [now, time.monotonic()]
            return False
        return now[1:] == (0, 0) and time.monotonic() - seen[1] >= quiet_s

    wait_for(settled, timeout=40)


def _stage_effects(sessions: sessionmaker[Session], keys: range) -> list[uuid.UUID]:
    with session_scope(sessions) as s:
        return [stage_id(s, effect, job_type="t", org_id=None, args=(f"r{i}",)) for i in keys]


def test_relay_dying_mid_batch_loses_nothing(
    rabbit: SalesHubRabbitmqBroker,
    rabbit_env: Settings,
    sessions: sessionmaker[Session],
    tmp_path: Path,
) -> None:
    cache = redis.Redis.from_url(rabbit_env.cache.url)
    local = rabbit_env.replace(broker={"relay_batch_size": 10})
    ids = _stage_effects(sessions, range(150))
    # 1. Killed (SIGKILL) while draining: whatever batch was open rolls back.
    log = (tmp_path / "relay.log").open("ab")
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "bench" / "support" / "relay_proc.py")],
        cwd=ROOT,
        env=process_env(local),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for(lambda: _count(sessions, Job.dispatched_at.is_not(None)) >= 20, timeout=30)
    finally:
        proc.kill()
        proc.wait(10)
    # The killed relay's open batch may have reached RabbitMQ before the kill: its copies
    # run first. Otherwise the relay below could publish one of them again while its first
    # copy was still queued, and the two copies could both run (at least once delivery,
    # which the last assertion allows for the other jobs; seen once in CI).
    _wait_settled(sessions)
    # 2. Dies after RabbitMQ confirmed a batch and before its commit: the rows say unsent,
    # but their messages are in RabbitMQ, and they run.
    ids += _stage_effects(sessions, range(150, 170))
    died = _DiesAfterPublish(local, rabbit)
    with (
        psycopg.connect(local.database.psycopg_dsn, autocommit=True) as conn,
        pytest.raises(SystemExit),
    ):
        # The killed relay's open batch may come first in the outbox: its messages reached
        # RabbitMQ before the kill and their jobs ran, so those rows are dropped unsent and
        # a claim may publish fewer than a batch, or nothing.
        for _ in range(20):
            died.drain_once(conn)
    published = len(died.published)
    assert 1 <= published <= 10
    done = (Job.id.in_(died.published), Job.status == "succeeded")
    wait_for(lambda: _count(sessions, *done) == published, timeout=30)
    # 3. A new relay sends the rest and never a finished job again: nothing is lost.
    with RelayThread(local, rabbit):
        wait_for(lambda: _count(sessions, Job.status == "succeeded") == len(ids), timeout=40)
    effects = dict(zip(ids, cache.mget([f"r{i}:effect" for i in range(len(ids))]), strict=True))
    assert [effects[i] for i in died.published] == [b"1"] * published
    # A copy sent again by the killed relay while its first copy was still running may run
    # again (delivery is at least once: effects must be idempotent, FACTS.md); none is lost.
    assert all(n is not None and int(n) >= 1 for n in effects.values())


def test_delivery_pool_under_gevent_holds_many_calls_from_rabbitmq(
    rabbit: SalesHubRabbitmqBroker,
    rabbit_env: Settings,
    sessions: sessionmaker[Session],
    tmp_path: Path,
) -> None:
    cache = redis.Redis.from_url(rabbit_env.cache.url)
    pool = WorkerProcess(rabbit_env, tmp_path / "delivery.log", pool="delivery")
    with slow_sink() as (url, sink), RelayThread(rabbit_env, rabbit):
        pool.start()
        try:
            ids = [_stage(sessions, slow_call, url, "rcall") for _ in range(10)]
            # pika's blocking connection under gevent: every call waits at once.
            wait_for(lambda: sink.in_flight == 10, timeout=40)
            sink.release.set()
            wait_for(lambda: cache.get("rcall:effect") == b"10", timeout=30)
            wait_for(lambda: _count(sessions, Job.status == "succeeded") == len(ids))
        finally:
            pool.stop()
    assert "Unexpected failure" not in pool.log.read_text()


@pytest.fixture
def node_ns() -> Iterator[NodeNamespace | None]:
    """A network namespace for a node where the machine allows it (root, ``ip``), else None."""
    if not netns_available():
        yield None
        return
    with NodeNamespace(1) as ns:
        yield ns


def test_a_lost_worker_node_hands_its_running_job_to_the_other_node(
    node_ns: NodeNamespace | None,
    rabbit: SalesHubRabbitmqBroker,
    rabbit_env: Settings,
    rabbit_worker: WorkerProcess,
    sessions: sessionmaker[Session],
    tmp_path: Path,
) -> None:
    # Last in the module: node A (the module's worker) does not come back. Node B is
    # configured as issue 15 spells it: BROKER_URL=amqp://… selects RabbitMQ, the broker
    # Redis comes from BROKER_REDIS_URL (empty variables count as unset). Where the machine
    # allows (root, `ip`), node B runs in a network namespace of its own, reaching
    # PostgreSQL, Redis and RabbitMQ over a veth pair only, as from another machine.
    ns = node_ns
    reach = ns.url if ns is not None else str
    node_b = WorkerProcess(
        rabbit_env,
        tmp_path / "node-b.log",
        BROKER_URL=reach(rabbit_env.broker.rabbitmq_url),
        BROKER_REDIS_URL=reach(rabbit_env.broker.url),
        DATABASE_URL=reach(rabbit_env.database.url),
        CACHE_URL=reach(rabbit_env.cache.url),
        BROKER_KIND="",
        RABBITMQ_URL="",
    )
    if ns is not None:
        node_b.prefix = ns.argv([])

    def lose_node_a() -> None:  # while node A runs the job, node B joins; then A goes
        node_b.start()
        wait_for(lambda: b"ready for action" in node_b.log.read_bytes(), timeout=30)
        assert rabbit_worker.proc is not None and node_b.proc is not None
        if ns is not None:  # node B's network stack is not node A's (nor the test's)
            assert os.readlink(f"/proc/{node_b.proc.pid}/ns/net") != os.readlink(
                f"/proc/{rabbit_worker.proc.pid}/ns/net"
            )
        # The whole node: its supervisor and every Dramatiq process, at once.
        for pid in [rabbit_worker.proc.pid, *rabbit_worker.dramatiq_children()]:
            os.kill(pid, signal.SIGKILL)

    try:
        _blocker_survives(rabbit, rabbit_env, sessions, "rnode", lose_node_a)
    finally:
        node_b.stop()
