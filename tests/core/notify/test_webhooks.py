"""Webhooks against a real receiver on loopback: signatures, idempotency, schedule, disabling."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import dramatiq
import pytest
from dramatiq import Worker
from dramatiq.brokers.stub import StubBroker
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from standardwebhooks import Webhook, WebhookVerificationError

from core.notify import webhook_secrets, webhooks
from core.notify.ssrf import RefusedUrl
from core.queueing.broker import build_middleware, configure
from core.settings import Settings
from jobs import notify_channels, runtime
from models import Job, WebhookDelivery, WebhookEndpoint
from models.db import session_scope
from tests.core.notify.test_ssrf import Receiver, Seen
from tests.support.factories import Tenant

SCALE = 0.001  # Svix's 27.6 hours of retries in 99 s, five days in 432 s


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as r:
        yield r


@pytest.fixture
def hooks(settings: Settings) -> Settings:
    return settings.replace(
        notify={"webhook_allowed_hosts": ("127.0.0.1",), "webhook_retry_scale": SCALE}
    )


def _register(
    sessions: sessionmaker[Session], settings: Settings, org_id: int, url: str, events: list[str]
) -> tuple[int, str]:
    with session_scope(sessions) as s:
        endpoint, secret = webhooks.register(s, org_id, url, events, settings)
        return endpoint.id, secret


def _emit(
    sessions: sessionmaker[Session],
    org_id: int,
    key: str,
    event_type: str = "deal.won",
    now: datetime | None = None,
) -> list[int]:
    with session_scope(sessions) as s:
        return webhooks.emit(
            s,
            org_id=org_id,
            event_key=key,
            event_type=event_type,
            payload={"deal_id": 7, "title": "Big one"},
            actor=notify_channels.webhook,
            now=now,
        )


def _deliver(
    sessions: sessionmaker[Session], settings: Settings, delivery_id: int, now: datetime, **kw: Any
) -> dict[str, Any] | None:
    with session_scope(sessions) as s:
        return webhooks.deliver(s, delivery_id, settings, now, **kw)


def _delivery(sessions: sessionmaker[Session], delivery_id: int) -> WebhookDelivery:
    with sessions() as s:
        row = s.get(WebhookDelivery, delivery_id)
        assert row is not None
        s.expunge(row)
        return row


def _endpoint(sessions: sessionmaker[Session], endpoint_id: int) -> WebhookEndpoint:
    with sessions() as s:
        row = s.get(WebhookEndpoint, endpoint_id)
        assert row is not None
        s.expunge(row)
        return row


def _jobs(sessions: sessionmaker[Session]) -> list[Job]:
    with sessions() as s:
        return list(s.scalars(select(Job).where(Job.actor == "notifications.webhook")))


def test_secret_follows_standard_webhooks() -> None:
    secret = webhook_secrets.new_secret()
    assert secret.startswith("whsec_")
    Webhook(secret)  # the reference implementation accepts it
    assert secret != webhook_secrets.new_secret()


def test_registration_refuses_private_urls(
    hooks: Settings, sessions: sessionmaker[Session], tenant: Tenant
) -> None:
    strict = hooks.replace(notify={"webhook_allowed_hosts": ()})
    for url in ("http://127.0.0.1:9/", "http://10.0.0.1/", "http://169.254.169.254/"):
        with session_scope(sessions) as s, pytest.raises(RefusedUrl):
            webhooks.register(s, tenant.org_id, url, ["*"], strict)
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(WebhookEndpoint)) == 0


def test_receiver_verifies_the_signature(
    hooks: Settings, sessions: sessionmaker[Session], tenant: Tenant
) -> None:
    verified: list[Any] = []
    secret_box: list[str] = []

    def answer(seen: Seen) -> tuple[int, dict[str, str], bytes]:
        try:
            verified.append(Webhook(secret_box[0]).verify(seen.body, seen.headers))
        except WebhookVerificationError as exc:
            return 400, {}, str(exc).encode()
        return 204, {}, b""

    with Receiver(answer=answer) as receiver:
        endpoint_id, secret = _register(
            sessions, hooks, tenant.org_id, receiver.url(), ["deal.won"]
        )
        secret_box.append(secret)
        (delivery_id,) = _emit(sessions, tenant.org_id, "deal:7:won")
        outcome = _deliver(sessions, hooks, delivery_id, datetime.now(UTC))
    assert outcome is not None and outcome["status"] == "delivered"
    assert verified == [
        {
            "type": "deal.won",
            "timestamp": verified[0]["timestamp"],
            "data": {"deal_id": 7, "title": "Big one"},
        }
    ]
    (seen,) = receiver.seen
    assert seen.headers["webhook-id"] == webhook_secrets.message_id(tenant.org_id, "deal:7:won")
    assert seen.headers["content-type"] == "application/json"
    # Someone without the secret cannot forge it.
    with pytest.raises(WebhookVerificationError):
        Webhook(webhook_secrets.new_secret()).verify(seen.body, seen.headers)
    row = _delivery(sessions, delivery_id)
    assert (row.status, row.attempts, row.response_status, row.last_error) == (
        "delivered",
        1,
        204,
        None,
    )
    assert _endpoint(sessions, endpoint_id).failing_since is None


def test_emit_routes_by_event_type_and_org(
    hooks: Settings, sessions: sessionmaker[Session], tenant: Tenant, other_tenant: Tenant
) -> None:
    url = "http://127.0.0.1:9/"
    won, _ = _register(sessions, hooks, tenant.org_id, url, ["deal.won"])
    every, _ = _register(sessions, hooks, tenant.org_id, url, ["*"])
    _register(sessions, hooks, tenant.org_id, url, ["lead.assigned"])
    off, _ = _register(sessions, hooks, tenant.org_id, url, ["*"])
    _register(sessions, hooks, other_tenant.org_id, url, ["*"])
    with session_scope(sessions) as s:
        s.get_one(WebhookEndpoint, off).enabled = False
    created = _emit(sessions, tenant.org_id, "deal:1:won")
    with sessions() as s:
        targets = set(
            s.scalars(select(WebhookDelivery.endpoint_id).where(WebhookDelivery.id.in_(created)))
        )
    assert targets == {won, every}
    # One job staged per delivery, carrying only ids, round-tripping through JSON.
    jobs = _jobs(sessions)
    assert sorted(j.message["args"][0] for j in jobs) == sorted(created)
    assert all(json.loads(json.dumps(j.message)) == j.message for j in jobs)
    assert {j.org_id for j in jobs} == {tenant.org_id}


def test_emit_twice_makes_one_delivery(
    hooks: Settings, sessions: sessionmaker[Session], tenant: Tenant
) -> None:
    _register(sessions, hooks, tenant.org_id, "http://127.0.0.1:9/", ["*"])
    first = _emit(sessions, tenant.org_id, "deal:1:won")
    second = _emit(sessions, tenant.org_id, "deal:1:won")
    assert len(first) == 1 and second == []
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(WebhookDelivery)) == 1
    assert len(_jobs(sessions)) == 1


def test_delivering_twice_after_success_posts_once(
    hooks: Settings, sessions: sessionmaker[Session], tenant: Tenant, receiver: Receiver
) -> None:
    _register(sessions, hooks, tenant.org_id, receiver.url(), ["*"])
    (delivery_id,) = _emit(sessions, tenant.org_id, "deal:1:won")
    now = datetime.now(UTC)
    assert _deliver(sessions, hooks, delivery_id, now, attempt=0) is not None
    assert _deliver(sessions, hooks, delivery_id, now, attempt=0) is None
    assert _deliver(sessions, hooks, delivery_id, now + timedelta(hours=1)) is None
    assert len(receiver.seen) == 1
    # The sweep has nothing left to stage.
    with session_scope(sessions) as s:
        assert webhooks.due(s, now + timedelta(days=1), actor=notify_channels.webhook) == 0


def test_a_stale_job_does_not_run_an_attempt_early(
    hooks: Settings, sessions: sessionmaker[Session], tenant: Tenant, receiver: Receiver
) -> None:
    receiver.answer = lambda _s: (503, {}, b"busy")
    _register(sessions, hooks, tenant.org_id, receiver.url(), ["*"])
    t0 = datetime.now(UTC)
    (delivery_id,) = _emit(sessions, tenant.org_id, "k", now=t0)
    _deliver(sessions, hooks, delivery_id, t0, attempt=0)
    # A duplicate of the first job, and an unnumbered call before the next attempt is due.
    assert _deliver(sessions, hooks, delivery_id, t0, attempt=0) is None
    assert _deliver(sessions, hooks, delivery_id, t0) is None
    assert len(receiver.seen) == 1
    row = _delivery(sessions, delivery_id)
    assert (row.status, row.attempts, row.response_status) == ("pending", 1, 503)
    assert row.last_error == "HTTP 503: busy"


def test_failing_endpoint_is_retried_on_schedule_then_disabled(
    hooks: Settings, sessions: sessionmaker[Session], tenant: Tenant, receiver: Receiver
) -> None:
    receiver.answer = lambda _s: (500, {}, b"down")
    endpoint_id, _ = _register(sessions, hooks, tenant.org_id, receiver.url(), ["*"])
    t0 = datetime(2030, 1, 1, tzinfo=UTC)
    (first,) = _emit(sessions, tenant.org_id, "event-1", now=t0)
    attempt_times = [t0]
    _deliver(sessions, hooks, first, t0, attempt=0)
    for attempt in range(1, len(webhooks.RETRY_SCHEDULE_S)):
        due_at = attempt_times[-1] + timedelta(seconds=webhooks.RETRY_SCHEDULE_S[attempt] * SCALE)
        assert _delivery(sessions, first).next_attempt_at == due_at
        with session_scope(sessions) as s:
            assert (
                webhooks.due(s, due_at - timedelta(microseconds=1), actor=notify_channels.webhook)
                == 0
            )  # not yet
        with session_scope(sessions) as s:
            assert webhooks.due(s, due_at, actor=notify_channels.webhook) == 1
        outcome = _deliver(sessions, hooks, first, due_at, attempt=attempt)
        assert outcome is not None and outcome["attempts"] == attempt + 1
        attempt_times.append(due_at)
    row = _delivery(sessions, first)
    assert (row.status, row.attempts, row.next_attempt_at) == ("failed", 8, None)
    assert len(receiver.seen) == 8
    # One job per attempt: the first from emit, the seven retries from the sweep.
    assert sorted(j.message["args"][1] for j in _jobs(sessions)) == list(range(8))
    endpoint = _endpoint(sessions, endpoint_id)
    assert endpoint.enabled and endpoint.failing_since == t0  # 27.6 h (scaled) < 5 days

    five_days = webhooks.DISABLE_AFTER * SCALE
    (second,) = _emit(sessions, tenant.org_id, "event-2", now=t0 + five_days - timedelta(seconds=1))
    _deliver(sessions, hooks, second, t0 + five_days - timedelta(seconds=1))
    assert _endpoint(sessions, endpoint_id).enabled
    (third,) = _emit(sessions, tenant.org_id, "event-3", now=t0 + five_days)
    outcome = _deliver(sessions, hooks, second, t0 + five_days)
    assert outcome is not None and outcome["endpoint_enabled"] is False
    endpoint = _endpoint(sessions, endpoint_id)
    assert not endpoint.enabled and endpoint.disabled_reason is not None
    assert _delivery(sessions, second).status == "failed"
    assert _delivery(sessions, third).status == "skipped"
    assert _delivery(sessions, third).last_error == "endpoint disabled"
    # A disabled endpoint gets nothing new, and the sweep ignores it.
    assert _emit(sessions, tenant.org_id, "event-4", now=t0 + five_days) == []
    with session_scope(sessions) as s:
        assert webhooks.due(s, t0 + timedelta(days=30), actor=notify_channels.webhook) == 0
    assert len(receiver.seen) == 10


def test_success_clears_failing_since(
    hooks: Settings, sessions: sessionmaker[Session], tenant: Tenant, receiver: Receiver
) -> None:
    answers: Iterator[tuple[int, dict[str, str], bytes]] = iter([(500, {}, b""), (200, {}, b"")])
    receiver.answer = lambda _s: next(answers)
    endpoint_id, _ = _register(sessions, hooks, tenant.org_id, receiver.url(), ["*"])
    t0 = datetime.now(UTC)
    (delivery_id,) = _emit(sessions, tenant.org_id, "k", now=t0)
    _deliver(sessions, hooks, delivery_id, t0)
    assert _endpoint(sessions, endpoint_id).failing_since == t0
    _deliver(sessions, hooks, delivery_id, t0 + timedelta(seconds=1))
    assert _endpoint(sessions, endpoint_id).failing_since is None
    row = _delivery(sessions, delivery_id)
    assert (row.status, row.attempts, row.last_error) == ("delivered", 2, None)


def test_an_endpoint_no_longer_allowed_is_refused_at_delivery(
    hooks: Settings,
    sessions: sessionmaker[Session],
    tenant: Tenant,
    receiver: Receiver,
    caplog: pytest.LogCaptureFixture,
) -> None:
    _register(sessions, hooks, tenant.org_id, receiver.url(), ["*"])
    (delivery_id,) = _emit(sessions, tenant.org_id, "k")
    strict = hooks.replace(notify={"webhook_allowed_hosts": ()})
    _deliver(sessions, strict, delivery_id, datetime.now(UTC))
    row = _delivery(sessions, delivery_id)
    assert row.status == "pending" and row.attempts == 1
    # The admin's delivery log says no more than registration would (no resolved address).
    assert row.last_error == "URL not allowed"
    assert "127.0.0.1" in caplog.text and "refused at delivery" in caplog.text
    assert receiver.seen == []


def test_the_actor_delivers_through_a_worker(
    hooks: Settings, sessions: sessionmaker[Session], tenant: Tenant, receiver: Receiver
) -> None:
    broker = StubBroker(middleware=build_middleware(hooks))
    configure(hooks, broker)
    runtime.init(hooks, sessions)
    _register(sessions, hooks, tenant.org_id, receiver.url(), ["*"])
    (delivery_id,) = _emit(sessions, tenant.org_id, "k")
    (job,) = _jobs(sessions)
    for _ in range(2):  # a redelivered message posts nothing more
        broker.enqueue(dramatiq.Message(**job.message))
    worker = Worker(broker, worker_timeout=50)
    worker.start()
    try:
        broker.join(notify_channels.webhook.queue_name, fail_fast=True)
        worker.join()
    finally:
        worker.stop()
    assert len(receiver.seen) == 1
    assert _delivery(sessions, delivery_id).status == "delivered"
    # The sweep actor finds nothing due.
    assert notify_channels.webhooks_due() == {"staged": 0}
