"""``/api/v1/ops/jobs``: every org's jobs by filter, one job's timeline, retry and cancel
(operators only). Retry and cancel are audited in the transaction that makes them."""

from __future__ import annotations

import uuid
from typing import Annotated

from flask import Blueprint, Response, request
from pydantic import Field

from core.ops import audit
from core.ops import jobs as ops_jobs
from core.queueing import job_state
from core.queueing.queues import Queue
from models import Job, JobStatus
from web import responses_ops
from web.auth import principal, require_role
from web.errors import ApiError, not_found
from web.ext import db, resources
from web.http import json_response
from web.pagination import paginate
from web.schemas import Id, Moment, Str, Strict
from web.spec import returns, spec

bp = Blueprint("ops_jobs", __name__, url_prefix="/ops")


class OpsJobQuery(Strict):
    limit: Annotated[int, Field(ge=1, le=200)] = 50
    cursor: Annotated[Str, Field(max_length=512)] | None = None
    status: JobStatus | None = None
    type: Annotated[Str, Field(max_length=64)] | None = None
    queue: Queue | None = None
    org_id: Id | None = None
    q: Annotated[Str, Field(min_length=1, max_length=200)] | None = None
    since: Moment | None = None
    until: Moment | None = None


@bp.get("/jobs")
@returns(responses_ops.OpsJobPage)
@spec.validate(query=OpsJobQuery, tags=["ops"])
@require_role("operator")
def list_jobs() -> Response:
    q: OpsJobQuery = request.context.query  # type: ignore[attr-defined]
    f = ops_jobs.JobFilter(
        status=q.status,
        type=q.type,
        queue=q.queue,
        org_id=q.org_id,
        q=q.q,
        since=q.since,
        until=q.until,
    )
    rows, cursor = paginate(
        db(), ops_jobs.query(f), model=Job, sort="-created_at", limit=q.limit, cursor=q.cursor
    )
    return json_response({"items": [ops_jobs.summary(j) for j in rows], "next_cursor": cursor})


def _job(job_id: uuid.UUID) -> Job:
    job = db().get(Job, job_id)
    if job is None:
        raise not_found("job")
    return job


@bp.get("/jobs/<uuid:job_id>")
@returns(responses_ops.OpsJobDetail)
@spec.validate(tags=["ops"])
@require_role("operator")
def get_job(job_id: uuid.UUID) -> Response:
    return json_response(ops_jobs.detail(db(), _job(job_id)))


def _audit(action: str, job: Job) -> None:
    who = principal()
    audit.record(
        db(),
        action,
        str(job.id),
        org_id=who.org_id,
        user_id=who.user_id,
        job_org_id=job.org_id,
        type=job.type,
        status=job.status,
    )


@bp.post("/jobs/<uuid:job_id>/retry")
@returns(responses_ops.OpsJobDetail)
@spec.validate(tags=["ops"])
@require_role("operator")
def retry_job(job_id: uuid.UUID) -> Response:
    session = db()
    job = _job(job_id)
    status = job.status
    _audit("job.retry", job)
    if not ops_jobs.retry(session, job):
        session.rollback()
        raise ApiError(409, f"job is {status}; only a finished job can be retried")
    session.commit()
    res = resources()
    ops_jobs.forget_dead_letter(res.broker, res.settings.broker.namespace, job)
    session.refresh(job)
    return json_response(ops_jobs.detail(session, job))


@bp.post("/jobs/<uuid:job_id>/cancel")
@returns(responses_ops.OpsJobDetail)
@spec.validate(tags=["ops"])
@require_role("operator")
def cancel_job(job_id: uuid.UUID) -> Response:
    session = db()
    job = _job(job_id)
    status = job.status
    _audit("job.cancel", job)
    if not job_state.cancel(session, job.id, starts=resources().starts):
        session.rollback()
        raise ApiError(409, f"job is {status}; only a queued job can be canceled")
    session.commit()
    session.refresh(job)
    return json_response(ops_jobs.detail(session, job))
