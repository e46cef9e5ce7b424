"""``/api/v1/ops``: queues, dead letters, pausing and schedules (operators only).

Every mutating call is written to the audit log in the same transaction as its effect
where there is one, and before the broker is touched otherwise.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from flask import Blueprint, Response, request
from pydantic import Field
from spectree import Response as SpecResponse
from sqlalchemy import func, select

from core.ops import audit, canary, deadletters, introspection
from core.queueing import minute_stats, pause
from core.queueing.fairness import OrgSlots, cap_of
from core.queueing.queues import NAMES, Pool, Queue
from core.scheduling import PAUSED_SCHEDULES_KEY, fire, fire_time, paused_schedules, schedule_status
from jobs import schedules
from jobs.schedules import SCHEDULES, Schedule
from models import WebhookEndpoint
from web.auth import principal, require_role
from web.errors import not_found
from web.ext import db, resources
from web.http import json_response
from web.schemas import Strict, Text
from web.spec import spec

bp = Blueprint("ops", __name__, url_prefix="/ops")


class DeadLetterQuery(Strict):
    queue: Queue | None = None
    actor: Text(128) | None = None  # type: ignore[valid-type]
    q: Text(200) | None = None  # type: ignore[valid-type]
    limit: int = Field(default=50, ge=1, le=500)


class DeadLetterFilter(Strict):
    queue: Queue | None = None
    actor: Text(128) | None = None  # type: ignore[valid-type]
    q: Text(200) | None = None  # type: ignore[valid-type]


def _audit(action: str, target: str, **details: Any) -> None:
    who = principal()
    audit.record(db(), action, target, org_id=who.org_id, user_id=who.user_id, **details)


def overview() -> dict[str, Any]:
    """Queues, workers and the last hour's rates: what every ops view shows."""
    res = resources()
    snap = introspection.snapshot(
        res.broker,
        res.settings.broker.namespace,
        timeout_ms=res.settings.worker.heartbeat_timeout_ms,
    )
    snap["rates"] = minute_stats.rates(res.broker, minutes=60)
    return snap


@bp.get("/queues")
@spec.validate(tags=["ops"])
@require_role("operator")
def get_queues() -> Response:
    return json_response(overview())


@bp.get("/canaries")
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
@spec.validate(tags=["ops"])
@require_role("operator")
def get_fairness() -> Response:
    """Per pool, the orgs with jobs in flight or waiting over their cap (core.queueing.fairness),
    and the webhook endpoints their circuit breaker has paused."""
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
    return json_response({"pools": pools, "paused_webhook_endpoints": endpoints})


@bp.post("/queues/<name>/<any(pause, resume):action>")
@spec.validate(tags=["ops"])
@require_role("operator")
def pause_queue(name: str, action: str) -> Response:
    if name not in NAMES:
        raise not_found("queue")
    _audit(f"queue.{action}", name)
    db().commit()
    client = resources().broker
    changed = pause.pause(client, name) if action == "pause" else pause.resume(client, name)
    return json_response({"queue": name, "paused": action == "pause", "changed": changed})


def _letters(**filters: Any) -> list[deadletters.DeadLetter]:
    res = resources()
    return deadletters.find(res.broker, res.settings.broker.namespace, **filters)


@bp.get("/dead-letters")
@spec.validate(query=DeadLetterQuery, tags=["ops"])
@require_role("operator")
def list_dead_letters() -> Response:
    q: DeadLetterQuery = request.context.query  # type: ignore[attr-defined]
    found = _letters(queue=q.queue, actor=q.actor, text=q.q)
    return json_response(
        {"items": [d.public() for d in found[: q.limit]], "total": len(found), "next_cursor": None}
    )


def _one(message_id: str) -> list[deadletters.DeadLetter]:
    found = _letters(message_id=message_id)
    if not found:
        raise not_found("dead letter")
    return found


@bp.post("/dead-letters/<uuid:message_id>/retry")
@spec.validate(tags=["ops"])
@require_role("operator")
def retry_dead_letter(message_id: uuid.UUID) -> Response:
    found = _one(str(message_id))
    _audit("dead_letter.retry", str(message_id))
    res = resources()
    n = deadletters.retry(db(), res.broker, res.settings.broker.namespace, found)
    return json_response({"retried": n})


@bp.delete("/dead-letters/<uuid:message_id>")
@spec.validate(tags=["ops"], resp=SpecResponse(HTTP_204=None))
@require_role("operator")
def delete_dead_letter(message_id: uuid.UUID) -> Response:
    found = _one(str(message_id))
    _audit("dead_letter.delete", str(message_id))
    db().commit()
    res = resources()
    deadletters.remove(res.broker, res.settings.broker.namespace, found)
    return Response(status=204)


@bp.post("/dead-letters/<any(retry, purge):action>")
@spec.validate(json=DeadLetterFilter, tags=["ops"])
@require_role("operator")
def bulk_dead_letters(action: str) -> Response:
    body = request.context.json  # type: ignore[attr-defined]
    f = DeadLetterFilter() if body is None else body
    found = _letters(queue=f.queue, actor=f.actor, text=f.q)
    filters = f.model_dump(mode="json")
    _audit(f"dead_letter.{action}_matching", "dead-letters", count=len(found), **filters)
    res = resources()
    ns = res.settings.broker.namespace
    if action == "retry":
        n = deadletters.retry(db(), res.broker, ns, found)
        return json_response({"retried": n})
    db().commit()
    return json_response({"purged": deadletters.remove(res.broker, ns, found)})


def _schedule(schedule_id: str) -> Schedule:
    schedule = schedules.find(schedule_id)
    if schedule is None:
        raise not_found("schedule")
    return schedule


@bp.get("/schedule")
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
                "next_run": fire_time(period) + period,
                **schedule_status(db(), s.id),
            }
        )
    return json_response({"items": items})


@bp.post("/schedule/<schedule_id>/<any(run, pause, resume):action>")
@spec.validate(tags=["ops"])
@require_role("operator")
def act_on_schedule(schedule_id: str, action: str) -> Response:
    schedule = _schedule(schedule_id)
    _audit(f"schedule.{action}", schedule_id)
    client = resources().broker
    if action == "run":
        staged = fire(
            db(),
            schedule_id=schedule.id,
            actor=schedule.actor,
            per_org=schedule.per_org,
            fired_at=int(time.time() * 1000),
        )
        db().commit()
        return json_response({"schedule": schedule_id, "staged": staged})
    db().commit()
    if action == "pause":
        client.sadd(PAUSED_SCHEDULES_KEY, schedule_id)
    else:
        client.srem(PAUSED_SCHEDULES_KEY, schedule_id)
    return json_response({"schedule": schedule_id, "paused": action == "pause"})
