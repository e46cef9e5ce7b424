"""Webhook endpoints: a circuit breaker after N failures in a row, a concurrency cap each."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import redis
from sqlalchemy import Engine, text, update
from sqlalchemy.orm import Session, sessionmaker

from core.notify import webhooks
from core.queueing.waiting_line import WaitingLine
from core.settings import Settings
from models import WebhookEndpoint
from models.db import session_scope
from tests.core.notify.test_ssrf import Receiver
from tests.core.notify.test_webhooks import _deliver, _delivery, _emit, _endpoint, _register
from tests.support.client import client_for
from tests.support.factories import Tenant


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as r:
        yield r


@pytest.fixture
def hooks(settings: Settings) -> Settings:
    return settings.replace(
        notify={
            "webhook_allowed_hosts": ("127.0.0.1",),
            "webhook_breaker_failures": 2,
            "webhook_breaker_pause_s": 600,
            "webhook_max_in_flight": 1,
        }
    )


def test_the_breaker_pauses_a_failing_endpoint_and_a_success_closes_it(
    hooks: Settings, sessions: sessionmaker[Session], tenant: Tenant, receiver: Receiver
) -> None:
    receiver.answer = lambda _s: (500, {}, b"down")
    endpoint_id, _ = _register(sessions, hooks, tenant.org_id, receiver.url(), ["*"])
    first, second, third = (_emit(sessions, tenant.org_id, f"e{n}")[0] for n in range(3))
    now = datetime.now(UTC)
    _deliver(sessions, hooks, first, now)
    assert _endpoint(sessions, endpoint_id).paused_until is None
    _deliver(sessions, hooks, second, now)
    endpoint = _endpoint(sessions, endpoint_id)
    assert endpoint.consecutive_failures == 2
    assert endpoint.paused_until == now + timedelta(seconds=600)
    assert _delivery(sessions, second).next_attempt_at == endpoint.paused_until
    # While paused, no call is made and the delivery waits for the end of the pause.
    outcome = _deliver(sessions, hooks, third, now + timedelta(seconds=1))
    assert outcome is not None and outcome["paused_until"] == endpoint.paused_until.isoformat()
    assert len(receiver.seen) == 2
    waiting = _delivery(sessions, third)
    assert waiting.attempts == 0 and waiting.status == "pending"
    assert waiting.next_attempt_at == endpoint.paused_until
    # After the pause one attempt goes through; it succeeds, and the breaker closes.
    receiver.answer = lambda _s: (200, {}, b"ok")
    later = now + timedelta(seconds=601)
    assert _deliver(sessions, hooks, third, later)["status"] == "delivered"  # type: ignore[index]
    endpoint = _endpoint(sessions, endpoint_id)
    assert endpoint.consecutive_failures == 0 and endpoint.paused_until is None


def test_a_failure_after_the_pause_pauses_again(
    hooks: Settings, sessions: sessionmaker[Session], tenant: Tenant, receiver: Receiver
) -> None:
    receiver.answer = lambda _s: (500, {}, b"down")
    endpoint_id, _ = _register(sessions, hooks, tenant.org_id, receiver.url(), ["*"])
    with session_scope(sessions) as s:
        s.execute(
            update(WebhookEndpoint)
            .where(WebhookEndpoint.id == endpoint_id)
            .values(consecutive_failures=5, paused_until=datetime.now(UTC) - timedelta(seconds=1))
        )
    (delivery_id,) = _emit(sessions, tenant.org_id, "e")
    now = datetime.now(UTC)
    _deliver(sessions, hooks, delivery_id, now)
    assert _endpoint(sessions, endpoint_id).paused_until == now + timedelta(seconds=600)


def test_an_endpoint_at_its_concurrency_cap_is_not_called_and_the_delivery_waits_in_line(
    hooks: Settings,
    sessions: sessionmaker[Session],
    tenant: Tenant,
    receiver: Receiver,
    broker_redis: redis.Redis,
) -> None:
    endpoint_id, _ = _register(sessions, hooks, tenant.org_id, receiver.url(), ["*"])
    (delivery_id,) = _emit(sessions, tenant.org_id, "e")
    line = WaitingLine(broker_redis, "t", webhooks.ENDPOINT_SLOTS)
    # Another delivery holds the endpoint's one slot.
    assert line.acquire_or_wait(endpoint_id, "other", "x", cap=1, lease_ms=60_000)
    now = datetime.now(UTC)
    woken: list[tuple[str, str]] = []
    outcome = _deliver(sessions, hooks, delivery_id, now, attempt=0, line=line, wake=woken.extend)
    assert outcome is not None and outcome["waiting"] is True
    waiting = _delivery(sessions, delivery_id)
    assert receiver.seen == [] and waiting.attempts == 0 and waiting.status == "pending"
    # Due again only as a backstop, should the wake be lost.
    assert waiting.next_attempt_at == now + timedelta(seconds=webhooks.WAIT_BACKSTOP_S)
    assert line.waiting(endpoint_id) == 1
    # The holder's call ends: the delivery comes off the line with the slot kept for it.
    assert line.release(endpoint_id, "other", cap=1) == [(str(delivery_id), f"0|{tenant.org_id}")]
    assert not line.acquire_or_wait(endpoint_id, "late", "x", cap=1, lease_ms=60_000)
    outcome = _deliver(sessions, hooks, delivery_id, datetime.now(UTC), attempt=0, line=line,
                       wake=woken.extend)  # fmt: skip
    assert outcome is not None and outcome["status"] == "delivered"
    assert len(receiver.seen) == 1
    # Its slot given back, the next in line ("late") was taken off it for its job to send.
    assert woken == [("late", "x")] and line.waiting(endpoint_id) == 0


def test_a_wake_that_fails_leaves_the_attempt_recorded(
    hooks: Settings,
    sessions: sessionmaker[Session],
    tenant: Tenant,
    receiver: Receiver,
    broker_redis: redis.Redis,
    caplog: pytest.LogCaptureFixture,
) -> None:
    endpoint_id, _ = _register(sessions, hooks, tenant.org_id, receiver.url(), ["*"])
    (delivery_id,) = _emit(sessions, tenant.org_id, "e")
    line = WaitingLine(broker_redis, "t", webhooks.ENDPOINT_SLOTS)
    # The delivery's slot is kept for it (it was woken), and "late" waits behind it.
    assert line.acquire_or_wait(endpoint_id, str(delivery_id), "0", cap=1, lease_ms=60_000)
    assert not line.acquire_or_wait(endpoint_id, "late", "x", cap=1, lease_ms=60_000)

    def broken(_woken: list[tuple[str, str]]) -> None:
        raise ConnectionError("broker down")

    outcome = _deliver(sessions, hooks, delivery_id, datetime.now(UTC), attempt=0, line=line,
                       wake=broken)  # fmt: skip
    # The call was made, so it is recorded; "late" is left to its backstop.
    assert outcome is not None and outcome["status"] == "delivered"
    assert _delivery(sessions, delivery_id).status == "delivered" and len(receiver.seen) == 1
    assert "1 deliveries taken off its line not sent" in caplog.text


def test_a_paused_endpoint_shows_on_the_endpoint_and_in_ops(
    engine: object, hooks: Settings, sessions: sessionmaker[Session], tenant: Tenant
) -> None:
    from tests.conftest import auth
    from tests.web.conftest import build_app, dispose

    endpoint_id, _ = _register(sessions, hooks, tenant.org_id, "http://127.0.0.1:9/h", ["*"])
    until = datetime.now(UTC) + timedelta(minutes=5)
    with session_scope(sessions) as s:
        s.execute(
            update(WebhookEndpoint)
            .where(WebhookEndpoint.id == endpoint_id)
            .values(consecutive_failures=7, paused_until=until)
        )
    app = build_app(hooks)
    try:
        client = client_for(app)
        [listed] = client.get("/api/v1/webhooks", headers=auth(tenant.admin)).json["items"]
        assert listed["consecutive_failures"] == 7
        assert listed["paused_until"] == until.isoformat()
        ops = client.get("/api/v1/ops/fairness", headers=auth(tenant.operator)).json
        assert ops["paused_webhook_endpoints"] == [
            {"id": endpoint_id, "org_id": tenant.org_id, "consecutive_failures": 7,
             "paused_until": until.isoformat()}
        ]  # fmt: skip
    finally:
        dispose(app)


def test_the_actor_waits_in_line_and_the_call_that_ends_sends_it(
    hooks: Settings,
    engine: object,
    sessions: sessionmaker[Session],
    tenant: Tenant,
    receiver: Receiver,
    broker_redis: redis.Redis,
) -> None:
    """Over the endpoint's cap a job makes no attempt and does not poll: it waits in the
    endpoint's line, and the delivery whose call ends sends its job."""
    from dramatiq import Worker
    from dramatiq.brokers.redis import RedisBroker

    from core.queueing.broker import configure
    from jobs import notify_channels, runtime
    from tests.support.stack import wait_for

    broker = configure(hooks)
    assert isinstance(broker, RedisBroker)
    runtime.init(hooks)
    release = threading.Event()

    def slow(_seen: object) -> tuple[int, dict[str, str], bytes]:
        release.wait(20)
        return 200, {}, b"ok"

    receiver.answer = slow
    endpoint_id, _ = _register(sessions, hooks, tenant.org_id, receiver.url(), ["*"])
    first, second = (_emit(sessions, tenant.org_id, f"e{n}")[0] for n in range(2))
    line = WaitingLine(broker_redis, broker.namespace, webhooks.ENDPOINT_SLOTS)
    worker = Worker(broker, worker_threads=2, worker_timeout=100)
    worker.start()
    try:
        notify_channels.webhook.send(first, 0)
        wait_for(lambda: len(receiver.seen) == 1)
        notify_channels.webhook.send(second, 0)
        wait_for(lambda: line.waiting(endpoint_id) == 1)
        # Waiting is not polling: nothing in the delay queue, one call made.
        assert broker_redis.hlen(f"{broker.namespace}:webhooks.DQ.msgs") == 0
        assert len(receiver.seen) == 1
        release.set()
        wait_for(lambda: _delivery(sessions, second).status == "delivered", timeout=20)
        assert _delivery(sessions, first).status == "delivered" and len(receiver.seen) == 2
        assert line.waiting(endpoint_id) == 0
    finally:
        release.set()
        worker.stop()


def test_a_wake_that_comes_before_the_waiter_committed_still_delivers(
    hooks: Settings,
    engine: Engine,
    sessions: sessionmaker[Session],
    tenant: Tenant,
    receiver: Receiver,
    broker_redis: redis.Redis,
) -> None:
    """The waiter's row stays locked until its transaction commits; a slot given back
    meanwhile wakes it, and its job must wait for the row instead of skipping it (which left
    the delivery to its 60 s backstop and the slot kept for it unused)."""
    from dramatiq import Worker
    from dramatiq.brokers.redis import RedisBroker

    from core.queueing.broker import configure
    from jobs import notify_channels, runtime
    from tests.support.stack import wait_for

    broker = configure(hooks)
    assert isinstance(broker, RedisBroker)
    runtime.init(hooks)
    endpoint_id, _ = _register(sessions, hooks, tenant.org_id, receiver.url(), ["*"])
    (delivery_id,) = _emit(sessions, tenant.org_id, "e")
    line = WaitingLine(broker_redis, broker.namespace, webhooks.ENDPOINT_SLOTS)
    slots = f"{broker.namespace}:fair:slots:{webhooks.ENDPOINT_SLOTS}:{endpoint_id}"
    assert line.acquire_or_wait(endpoint_id, "other", "x", cap=1, lease_ms=60_000)

    def blocked_on_a_row_lock() -> bool:
        with engine.connect() as conn:
            query = "SELECT count(*) FROM pg_locks WHERE NOT granted AND locktype = 'transactionid'"
            return bool(conn.execute(text(query)).scalar_one())

    worker = Worker(broker, worker_threads=2, worker_timeout=100)
    worker.start()
    try:
        with session_scope(sessions) as waiter:
            outcome = webhooks.deliver(waiter, delivery_id, hooks, datetime.now(UTC), attempt=0,
                                       line=line, wake=notify_channels._wake)  # fmt: skip
            assert outcome is not None and outcome["waiting"] is True
            # Before the waiter commits, the holder's call ends and wakes it.
            woken = line.release(endpoint_id, "other", cap=1)
            assert woken == [(str(delivery_id), f"0|{tenant.org_id}")]
            notify_channels._wake(woken)
            # Hold the waiter's transaction until its woken job has run, or waits for the row.
            msgs = f"{broker.namespace}:webhooks.msgs"
            wait_for(lambda: blocked_on_a_row_lock() or broker_redis.hlen(msgs) == 0)
        # Well before the backstop (WAIT_BACKSTOP_S), and with one call to the endpoint.
        wait_for(lambda: _delivery(sessions, delivery_id).status == "delivered", timeout=5)
        assert len(receiver.seen) == 1 and _delivery(sessions, delivery_id).attempts == 1
        # The slot kept for it was used and given back.
        assert broker_redis.zcard(slots) == 0 and line.waiting(endpoint_id) == 0
    finally:
        worker.stop()


def test_a_woken_job_behind_an_attempt_in_flight_does_not_call_again(
    hooks: Settings,
    sessions: sessionmaker[Session],
    tenant: Tenant,
    receiver: Receiver,
    broker_redis: redis.Redis,
) -> None:
    """A woken job that waits for the row behind a duplicate making the attempt finds the
    attempt made: one call per attempt, and its lock wait is not left on the connection."""
    _register(sessions, hooks, tenant.org_id, receiver.url(), ["*"])
    (delivery_id,) = _emit(sessions, tenant.org_id, "e")
    line = WaitingLine(broker_redis, "t", webhooks.ENDPOINT_SLOTS)
    results: list[dict[str, Any] | None] = []
    settings_seen: list[str] = []

    def woken_job() -> None:
        with session_scope(sessions) as s:
            results.append(webhooks.deliver(s, delivery_id, hooks, datetime.now(UTC), attempt=0,
                                            line=line, woken=True))  # fmt: skip
            settings_seen.append(s.execute(text("SHOW lock_timeout")).scalar_one())

    with session_scope(sessions) as first:
        outcome = webhooks.deliver(first, delivery_id, hooks, datetime.now(UTC), attempt=0,
                                   line=line)  # fmt: skip
        assert outcome is not None and outcome["status"] == "delivered"
        thread = threading.Thread(target=woken_job)
        thread.start()
        thread.join(0.5)
        assert thread.is_alive()  # waiting for the row, not skipping it
    thread.join(10)
    assert results == [None] and settings_seen == ["0"]
    assert len(receiver.seen) == 1 and _delivery(sessions, delivery_id).attempts == 1


def test_a_woken_job_gives_up_on_a_row_locked_too_long(
    hooks: Settings,
    sessions: sessionmaker[Session],
    tenant: Tenant,
    receiver: Receiver,
    broker_redis: redis.Redis,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(webhooks, "WAKE_LOCK_WAIT_MS", 100)
    _register(sessions, hooks, tenant.org_id, receiver.url(), ["*"])
    (delivery_id,) = _emit(sessions, tenant.org_id, "e")
    line = WaitingLine(broker_redis, "t", webhooks.ENDPOINT_SLOTS)
    with session_scope(sessions) as holder:
        holder.execute(text("SELECT 1 FROM webhook_deliveries WHERE id = :id FOR UPDATE"),
                       {"id": delivery_id})  # fmt: skip
        with session_scope(sessions) as s:
            assert webhooks.deliver(s, delivery_id, hooks, datetime.now(UTC), attempt=0,
                                    line=line, woken=True) is None  # fmt: skip
            # Only the savepoint was rolled back: the job's transaction goes on.
            assert s.execute(text("SHOW lock_timeout")).scalar_one() == "0"
    assert receiver.seen == [] and _delivery(sessions, delivery_id).status == "pending"
    assert "its row stayed locked" in caplog.text


def test_each_endpoints_line_and_calls_in_flight_show_in_ops(
    engine: object,
    hooks: Settings,
    sessions: sessionmaker[Session],
    tenant: Tenant,
    broker_redis: redis.Redis,
) -> None:
    from tests.conftest import auth
    from tests.web.conftest import build_app, dispose

    endpoint_id, _ = _register(sessions, hooks, tenant.org_id, "http://127.0.0.1:9/h", ["*"])
    line = WaitingLine(broker_redis, hooks.broker.namespace, webhooks.ENDPOINT_SLOTS)
    assert line.acquire_or_wait(endpoint_id, "1", "0|1", cap=1, lease_ms=60_000)
    for member in ("2", "3"):
        assert not line.acquire_or_wait(endpoint_id, member, "0|1", cap=1, lease_ms=60_000)
    # An endpoint deleted since still shows (its slots lapse), with no org.
    assert line.acquire_or_wait(999_999, "4", "0|1", cap=1, lease_ms=60_000)
    app = build_app(hooks)
    try:
        client = client_for(app)
        ops = client.get("/api/v1/ops/fairness", headers=auth(tenant.operator)).json
        assert ops["webhook_endpoint_lines"] == [
            {"id": endpoint_id, "org_id": tenant.org_id, "in_flight": 1, "cap": 1, "waiting": 2},
            {"id": 999_999, "org_id": None, "in_flight": 1, "cap": 1, "waiting": 0},
        ]
        line.release(endpoint_id, "1", cap=1)
        line.release(999_999, "4", cap=1)
        ops = client.get("/api/v1/ops/fairness", headers=auth(tenant.operator)).json
        assert ops["webhook_endpoint_lines"] == [
            {"id": endpoint_id, "org_id": tenant.org_id, "in_flight": 1, "cap": 1, "waiting": 1}
        ]
    finally:
        dispose(app)
