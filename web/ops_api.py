"""``/api/v1/ops``: queues, dead letters, pausing and schedules (operators only).

Every mutating call is written to the audit log in the same transaction as its effect
where there is one, and before the broker is touched otherwise.
"""

from __future__ import annotations

import time
from typing import Any, Literal

from flask import Blueprint, Response, request
from sqlalchemy import func, select

from core.notify import webhooks
from core.ops import audit, canary, charts, introspection
from core.ops import jobs as ops_jobs
from core.queueing import minute_stats
from core.queueing.org_slots import OrgSlots, cap_of
from core.queueing.queues import NAMES, Pool
from core.queueing.waiting_line import WaitingLine
from core.scheduling import (
    PAUSED_SCHEDULES_KEY,
    fire,
    fire_time,
    last_fires,
    paused_schedules,
    schedule_status,
)
from jobs import schedules
from jobs.schedules import SCHEDULES, Schedule
from models import WebhookEndpoint
from web import responses_ops
from web.auth import principal, require_role
from web.errors import not_found
from web.ext import db, resources
from web.http import json_response
from web.schemas import Strict
from web.spec import returns, spec

bp = Blueprint("ops", __name__, url_prefix="/ops")


def audit_action(action: str, target: str, **details: Any) -> None:
    who = principal()
    audit.record(db(), action, target, org_id=who.org_id, user_id=who.user_id, **details)


def overview() -> dict[str, Any]:
    """Queues, workers and the last hour's rates: what every ops view shows."""
    res = resources()
    snap = introspection.snapshot(
        res.ops, res.broker, timeout_ms=res.settings.worker.heartbeat_timeout_ms
    )
    snap["rates"] = minute_stats.rates(res.broker, minutes=60)
    running = ops_jobs.running_by_worker(db(), [w["id"] for w in snap["workers"]])
    for w in snap["workers"]:
        w["running"] = running.get(w["id"], [])
    return snap


class ChartQuery(Strict):
    range: Literal["hour", "14d"] = "hour"


@bp.get("/charts")
@returns(responses_ops.Charts)
@spec.validate(query=ChartQuery, tags=["ops"])
@require_role("operator")
def get_charts() -> Response:
    """Throughput, latency and depth per queue (and per actor) for the last hour or 14 days."""
    q: ChartQuery = request.context.query  # type: ignore[attr-defined]
    return json_response(charts.charts(resources().broker, q.range))


@bp.get("/workers")
@returns(responses_ops.Workers)
@spec.validate(tags=["ops"])
@require_role("operator")
def get_workers() -> Response:
    """Live workers, each with the jobs it is running now."""
    return json_response({"items": overview()["workers"]})


@bp.get("/queues")
@returns(responses_ops.Overview)
@spec.validate(tags=["ops"])
@require_role("operator")
def get_queues() -> Response:
    return json_response(overview())


@bp.get("/canaries")
@returns(responses_ops.Canaries)
@spec.validate(tags=["ops"])
@require_role("operator")
def get_canaries() -> Response:
    """Each queue's last canary job: commit→start, run time and age, in seconds."""
    res = resources()
    return json_response(
        {
            "items": canary.latest(res.broker),
            "interval_s": res.settings.worker.canary_interval_s,
        }
    )


@bp.get("/fairness")
@returns(responses_ops.Fairness)
@spec.validate(tags=["ops"])
@require_role("operator")
def get_fairness() -> Response:
    """Per pool, the orgs with jobs in flight or waiting over their cap (core.queueing.fairness),
    the webhook endpoints their circuit breaker has paused, and each webhook endpoint's calls
    in flight and deliveries waiting in its line (``WEBHOOK_MAX_IN_FLIGHT``)."""
    res = resources()
    slots = OrgSlots(res.broker, res.settings.broker.namespace)
    pools = {
        pool.value: {
            "cap_per_org": cap_of(res.settings, pool),
            "orgs": slots.snapshot(pool.value, cap=cap_of(res.settings, pool)),
        }
        for pool in Pool
    }
    paused = db().scalars(
        select(WebhookEndpoint)
        .where(WebhookEndpoint.paused_until > func.now())
        .order_by(WebhookEndpoint.paused_until.desc())
        .limit(200)
    )
    endpoints = [
        {
            "id": e.id,
            "org_id": e.org_id,
            "consecutive_failures": e.consecutive_failures,
            "paused_until": e.paused_until.isoformat() if e.paused_until else None,
        }
        for e in paused
    ]
    return json_response(
        {"pools": pools, "paused_webhook_endpoints": endpoints, "webhook_endpoint_lines": _lines()}
    )


def _lines() -> list[dict[str, Any]]:
    """Each webhook endpoint's line (core.queueing.waiting_line), with its org."""
    res = resources()
    line = WaitingLine(res.broker, res.settings.broker.namespace, webhooks.ENDPOINT_SLOTS)
    rows = line.snapshot()
    orgs: dict[int, int] = {}
    if rows:
        ids = [r["owner"] for r in rows]
        found = db().execute(
            select(WebhookEndpoint.id, WebhookEndpoint.org_id).where(WebhookEndpoint.id.in_(ids))
        )
        orgs = {endpoint_id: org_id for endpoint_id, org_id in found}
    cap = res.settings.notify.webhook_max_in_flight
    return [
        {
            "id": r["owner"],
            "org_id": orgs.get(r["owner"]),
            "in_flight": r["in_flight"],
            "cap": cap,
            "waiting": r["waiting"],
        }
        for r in rows
    ]


@bp.post("/queues/<name>/<any(pause, resume):action>")
@returns(responses_ops.QueuePaused)
@spec.validate(tags=["ops"])
@require_role("operator")
def pause_queue(name: str, action: str) -> Response:
    if name not in NAMES:
        raise not_found("queue")
    audit_action(f"queue.{action}", name)
    db().commit()
    ops = resources().ops
    changed = ops.pause(name) if action == "pause" else ops.resume(name)
    return json_response({"queue": name, "paused": action == "pause", "changed": changed})


def _schedule(schedule_id: str) -> Schedule:
    schedule = schedules.find(schedule_id)
    if schedule is None:
        raise not_found("schedule")
    return schedule


@bp.get("/schedule")
@returns(responses_ops.Schedules)
@spec.validate(tags=["ops"])
@require_role("operator")
def list_schedule() -> Response:
    res = resources()
    paused = paused_schedules(res.broker)
    items = []
    for s in SCHEDULES:
        period = s.every_s * res.settings.worker.schedule_time_scale
        items.append(
            {
                "id": s.id,
                "job_type": s.id,
                "actor": s.actor.actor_name,
                "queue": s.actor.queue_name,
                "every_s": period,
                "per_org": s.per_org,
                "paused": s.id in paused,
                "trigger": f"every {period:g} s",
                "next_run": fire_time(period) + period,
                **schedule_status(db(), s.id),
                "last_fires": last_fires(db(), s.id),
            }
        )
    return json_response({"items": items})


@bp.post("/schedule/<schedule_id>/<any(run, pause, resume):action>")
@returns(responses_ops.ScheduleAction)
@spec.validate(tags=["ops"])
@require_role("operator")
def act_on_schedule(schedule_id: str, action: str) -> Response:
    schedule = _schedule(schedule_id)
    audit_action(f"schedule.{action}", schedule_id)
    client = resources().broker
    if action == "run":
        staged = fire(
            db(),
            schedule_id=schedule.id,
            actor=schedule.actor,
            per_org=schedule.per_org,
            fired_at=int(time.time()),
            trigger="manual",
        )
        db().commit()
        return json_response({"schedule": schedule_id, "staged": staged})
    db().commit()
    if action == "pause":
        client.sadd(PAUSED_SCHEDULES_KEY, schedule_id)
    else:
        client.srem(PAUSED_SCHEDULES_KEY, schedule_id)
    return json_response({"schedule": schedule_id, "paused": action == "pause"})
