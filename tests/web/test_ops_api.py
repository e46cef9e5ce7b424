"""Operators' view: the same numbers from API, CLI and Prometheus for a queue of known state."""

from __future__ import annotations

import json
import re
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import websocket
from dramatiq import Broker, Message
from dramatiq.brokers.redis import RedisBroker
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from core.ops.brokerops import BrokerOps
from core.queueing import minute_stats
from core.queueing.broker import configure
from core.queueing.outbox import stage
from core.queueing.queues import NAMES, Queue
from core.settings import Settings
from jobs import analytics, notifications
from models import AuditEntry, Job
from models.db import session_scope
from tests.conftest import auth
from tests.support import brokers
from tests.support.actors import effect
from tests.support.brokers import AGE_S, D_DEAD, K_IN_FLIGHT, M_DELAYED, N_READY
from tests.support.client import JsonClient, client_for
from tests.support.factories import Tenant
from tests.support.stack import ServeApp


@pytest.fixture
def broker(settings: Settings) -> RedisBroker:
    b = configure(settings)
    assert isinstance(b, RedisBroker)
    return b


def _msg(key: str) -> Message[object]:
    return effect.message(key)


@pytest.fixture
def known_state(
    job_settings: Settings,
    job_broker: Broker,
    job_ops: BrokerOps,
    sessions: sessionmaker[Session],
) -> Iterator[Broker]:
    """On each broker, `default` holds N ready, M delayed, K in flight and D dead."""
    blocked = brokers.known_state(job_settings, job_broker, job_ops, sessions)
    yield job_broker
    blocked.close()


def _default(body: dict[str, Any]) -> dict[str, Any]:
    return next(q for q in body["queues"] if q["name"] == "default")


def test_api_cli_and_prometheus_agree(ops_app: Flask, tenant: Tenant, known_state: Broker) -> None:
    app, client = ops_app, client_for(ops_app)
    body = client.get("/api/v1/ops/queues", headers=auth(tenant.operator)).json
    q = _default(body)
    assert (q["ready"], q["delayed"], q["in_flight"], q["dead"]) == (
        N_READY,
        M_DELAYED,
        K_IN_FLIGHT,
        D_DEAD,
    )
    assert AGE_S - 1 <= q["oldest_age_seconds"] < AGE_S + 600 and q["paused"] is False
    assert all(q["ready"] == q["dead"] == 0 for q in body["queues"] if q["name"] != "default")

    out = app.test_cli_runner().invoke(args=["ops", "queues"]).output
    row = next(line for line in out.splitlines() if line.startswith("default"))
    assert row.split()[1:5] == [str(N_READY), str(M_DELAYED), str(K_IN_FLIGHT), str(D_DEAD)]

    text = client.get("/metrics", headers=auth(tenant.operator)).get_data(as_text=True)
    for name, value in (
        ("ready", N_READY),
        ("delayed", M_DELAYED),
        ("in_flight", K_IN_FLIGHT),
        ("dead", D_DEAD),
    ):
        assert re.search(rf'^saleshub_queue_{name}{{queue="default"}} {value}\.0$', text, re.M)
    assert "saleshub_http_request_duration_seconds_bucket" in text

    with ServeApp(app) as served:
        ws = websocket.create_connection(
            served.ws, header=[f"Authorization: Bearer {tenant.operator}"]
        )
        ws.recv()  # hello
        ws.send(json.dumps({"op": "subscribe", "channel": "ops.queues"}))
        frames = [json.loads(ws.recv()) for _ in range(2)]  # the ack, then a snapshot
        ws.close()
    live = _default(frames[1]["data"])
    assert (live["ready"], live["delayed"], live["in_flight"], live["dead"]) == (
        N_READY,
        M_DELAYED,
        K_IN_FLIGHT,
        D_DEAD,
    )


@pytest.mark.parametrize("role", ["member", "admin"])
def test_ops_is_for_operators_only(client: JsonClient, tenant: Tenant, role: str) -> None:
    key = getattr(tenant, role)
    assert client.get("/api/v1/ops/queues", headers=auth(key)).status_code == 403
    assert client.get("/api/v1/ops/dead-letters", headers=auth(key)).status_code == 403
    assert client.post("/api/v1/ops/queues/default/pause", headers=auth(key)).status_code == 403


def test_dead_letters_browse_retry_and_purge(
    ops_app: Flask,
    tenant: Tenant,
    known_state: Broker,
    sessions: sessionmaker[Session],
) -> None:
    client, h = client_for(ops_app), auth(tenant.operator)
    listed = client.get("/api/v1/ops/dead-letters?queue=default", headers=h).json
    assert listed["total"] == D_DEAD
    assert {d["args"][0] for d in listed["items"]} == {f"dead{i}" for i in range(D_DEAD)}
    one = listed["items"][0]["message_id"]

    assert client.post(f"/api/v1/ops/dead-letters/{one}/retry", headers=h).json == {"retried": 1}
    with sessions() as s:
        job = s.get(Job, uuid.UUID(one))  # staged through the outbox for the relay to send
        assert job is not None and job.status == "queued" and job.dispatched_at is None
    assert client.get("/api/v1/ops/dead-letters", headers=h).json["total"] == D_DEAD - 1

    filtered = client.get("/api/v1/ops/dead-letters?q=dead1", headers=h).json
    assert [d["args"] for d in filtered["items"]] in ([["dead1"]], [])
    purge = client.post(
        "/api/v1/ops/dead-letters/purge",
        json={"actor": "test.effect", "expected_count": D_DEAD - 1},
        headers=h,
    )
    assert purge.json == {"purged": D_DEAD - 1}
    assert client.get("/api/v1/ops/dead-letters", headers=h).json["total"] == 0
    assert client.delete(f"/api/v1/ops/dead-letters/{one}", headers=h).status_code == 404
    with sessions() as s:
        actions = [a.action for a in s.scalars(select(AuditEntry).order_by(AuditEntry.id))]
    assert actions == ["dead_letter.retry", "dead_letter.purge_matching"]


def test_pause_and_resume_are_recorded(
    ops_app: Flask, tenant: Tenant, sessions: sessionmaker[Session]
) -> None:
    client, h = client_for(ops_app), auth(tenant.operator)
    assert client.post("/api/v1/ops/queues/bulk/pause", headers=h).json["paused"] is True
    assert _find(client, h, "bulk")["paused"] is True
    assert client.post("/api/v1/ops/queues/bulk/resume", headers=h).json["paused"] is False
    assert client.post("/api/v1/ops/queues/nope/pause", headers=h).status_code == 404
    with sessions() as s:
        rows = s.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    assert [(r.action, r.target) for r in rows] == [
        ("queue.pause", "bulk"),
        ("queue.resume", "bulk"),
    ]
    assert all(r.user_id is not None for r in rows)


def _find(client: JsonClient, h: dict[str, str], name: str) -> dict[str, object]:
    body = client.get("/api/v1/ops/queues", headers=h).json
    return next(q for q in body["queues"] if q["name"] == name)


def test_schedule_list_run_and_pause(
    client: JsonClient, tenant: Tenant, broker: RedisBroker, sessions: sessionmaker[Session]
) -> None:
    h = auth(tenant.operator)
    items = {s["id"]: s for s in client.get("/api/v1/ops/schedule", headers=h).json["items"]}
    assert items["analytics.rollup"]["last_run"] is None and items["analytics.rollup"]["next_run"]
    ran = client.post("/api/v1/ops/schedule/analytics.rollup/run", headers=h).json
    assert ran["staged"] == 1
    again = client.post("/api/v1/ops/schedule/analytics.rollup/run", headers=h).json
    assert again["staged"] == 0  # the previous run is still queued
    items = {s["id"]: s for s in client.get("/api/v1/ops/schedule", headers=h).json["items"]}
    assert items["analytics.rollup"]["last_status"] == "queued"
    client.post("/api/v1/ops/schedule/analytics.rollup/pause", headers=h)
    items = {s["id"]: s for s in client.get("/api/v1/ops/schedule", headers=h).json["items"]}
    assert items["analytics.rollup"]["paused"] is True
    assert client.post("/api/v1/ops/schedule/nope/run", headers=h).status_code == 404


def test_backpressure_over_the_platform_limit_is_503(
    app: Flask, settings: Settings, tenant: Tenant, broker: RedisBroker
) -> None:
    from web import create_app

    small = create_app(settings.replace(broker={"queue_max_depth": 3}))
    for i in range(3):
        broker.enqueue(_msg(f"x{i}"))
    resp = client_for(small).post(
        "/api/v1/jobs", json={"type": "analytics.rollup"}, headers=auth(tenant.member)
    )
    assert resp.status_code == 503 and resp.headers["Retry-After"] == "30"
    assert "limit 3" in resp.json["error"]["message"]


def test_backpressure_for_one_org_is_429(
    settings: Settings, tenant: Tenant, other_tenant: Tenant, sessions: sessionmaker[Session]
) -> None:
    from web import create_app

    small = client_for(create_app(settings.replace(broker={"org_max_active_jobs": 2})))
    body = {"type": "notifications.broadcast", "params": {"title": "hi"}}  # not unique
    for _ in range(2):
        assert small.post("/api/v1/jobs", json=body, headers=auth(tenant.admin)).status_code == 202
    over = small.post("/api/v1/jobs", json=body, headers=auth(tenant.admin))
    assert over.status_code == 429 and over.headers["Retry-After"] == "10"
    # Another org is not held back by this one.
    assert (
        small.post("/api/v1/jobs", json=body, headers=auth(other_tenant.admin)).status_code == 202
    )
    with session_scope(sessions) as s:
        assert len(s.scalars(select(Job).where(Job.org_id == tenant.org_id)).all()) == 2


def test_operator_may_cancel_any_orgs_job(
    client: JsonClient, tenant: Tenant, other_tenant: Tenant, sessions: sessionmaker[Session]
) -> None:
    with session_scope(sessions) as s:
        job_id = stage(
            s,
            analytics.rollup,
            job_type="analytics.rollup",
            org_id=other_tenant.org_id,
        )
    resp = client.post(f"/api/v1/jobs/{job_id}/cancel", headers=auth(tenant.operator))
    assert resp.status_code == 200 and resp.json["status"] == "canceled"
    assert client.get(f"/api/v1/jobs/{job_id}", headers=auth(tenant.operator)).status_code == 404


def _dead_on(broker: RedisBroker, queue: str, message: Message[object]) -> str:
    """Dead-letter ``message`` on ``queue``; return its id."""
    broker.enqueue(message)
    consumer = broker.consume(queue, prefetch=1)
    dead = next(consumer)
    assert dead is not None
    consumer.nack(dead)
    consumer.close()
    return dead.message_id


def test_dead_letters_of_every_queue_can_be_filtered(
    client: JsonClient, tenant: Tenant, broker: RedisBroker, sessions: sessionmaker[Session]
) -> None:
    h = auth(tenant.operator)
    on_email = _dead_on(broker, "email", notifications.send_email.message(1))
    on_default = _dead_on(broker, "default", _msg("d"))
    for queue, expected in (("email", [on_email]), ("default", [on_default]), ("push", [])):
        resp = client.get(f"/api/v1/ops/dead-letters?queue={queue}", headers=h)
        assert resp.status_code == 200, (queue, resp.json)
        assert [d["message_id"] for d in resp.json["items"]] == expected
        assert all(d["queue"] == queue for d in resp.json["items"])
    resp = client.get("/api/v1/ops/dead-letters?queue=mail", headers=h)
    assert resp.status_code == 422 and resp.json["error"]["code"] == "validation_error"
    purged = client.post(
        "/api/v1/ops/dead-letters/purge", json={"queue": "webhooks", "expected_count": 0}, headers=h
    )
    assert purged.json == {"purged": 0}
    purged = client.post(
        "/api/v1/ops/dead-letters/purge", json={"queue": "email", "expected_count": 1}, headers=h
    )
    assert purged.json == {"purged": 1}
    assert client.get("/api/v1/ops/dead-letters", headers=h).json["total"] == 1
    with sessions() as s:
        details = [a.details for a in s.scalars(select(AuditEntry).order_by(AuditEntry.id))]
    assert [d["queue"] for d in details] == ["webhooks", "email"]


def test_queues_show_their_pool_and_last_minute_rates(
    app: Flask, client: JsonClient, tenant: Tenant, broker: RedisBroker
) -> None:
    if time.time() % 60 > 55:  # the current minute must not change under the test
        time.sleep(6)
    last_minute = int(time.time() // 60)
    counts = Counter(
        {
            minute_stats.field("email", "notifications.email", "processed"): 3,
            minute_stats.field("email", "notifications.email", "failed"): 1,
            minute_stats.field("email", "notifications.digest", "processed"): 2,
            minute_stats.field("email", "notifications.email", "ms"): 40,
        }
    )
    minute_stats.add_counts(broker.client, counts, last_minute)
    h = auth(tenant.operator)
    body = client.get("/api/v1/ops/queues", headers=h).json
    by_name = {q["name"]: q for q in body["queues"]}
    assert list(by_name) == list(NAMES)
    assert {n: q["pool"] for n, q in by_name.items()} == {q.value: q.pool.value for q in Queue}
    email = by_name["email"]
    assert (email["processed_last_minute"], email["failed_last_minute"]) == (5, 1)
    assert by_name["default"]["processed_last_minute"] == 0
    text = client.get("/metrics", headers=h).get_data(as_text=True)
    labels = 'actor="notifications.email",queue="email"'
    assert re.search(rf"^saleshub_jobs_processed_last_hour{{{labels}}} 3\.0$", text, re.M)
    assert re.search(rf"^saleshub_jobs_failed_last_hour{{{labels}}} 1\.0$", text, re.M)
    # The live snapshot carries the same figures as the API.
    with ServeApp(app) as served:
        ws = websocket.create_connection(
            served.ws, header=[f"Authorization: Bearer {tenant.operator}"]
        )
        ws.recv()  # hello
        ws.send(json.dumps({"op": "subscribe", "channel": "ops.queues"}))
        frames = [json.loads(ws.recv()) for _ in range(2)]  # the ack, then a snapshot
        ws.close()
    live = {q["name"]: q for q in frames[1]["data"]["queues"]}
    assert (live["email"]["processed_last_minute"], live["email"]["pool"]) == (5, "delivery")
