"""``/api/v1/jobs``: start jobs (one, or many at once), list and read them, cancel a queued one."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from flask import Blueprint, Response, request, url_for
from spectree import Response as SpecResponse
from sqlalchemy import select

from core.queueing import batches, job_state
from models import Job
from web import responses
from web.auth import ROLE_RANK, owned, principal
from web.errors import ApiError
from web.ext import db
from web.http import json_response
from web.idempotency import transactional
from web.jobs_start import admit, prepare, stage_all
from web.pagination import paginate
from web.schemas import JobIn, JobListQuery, JobsIn
from web.spec import may_answer, returns, spec

bp = Blueprint("jobs", __name__)
PUBLIC_FIELDS = (
    "type",
    "status",
    "progress",
    "result",
    "error",
    "attempts",
    "params",
    "queue",
    "created_at",
    "updated_at",
    "dispatched_at",
    "started_at",
    "finished_at",
)


def job_to_dict(job: Job) -> dict[str, Any]:
    """The public view of a job."""
    out: dict[str, Any] = {"id": str(job.id)}
    for name in PUBLIC_FIELDS:
        value = getattr(job, name)
        out[name] = value.isoformat() if isinstance(value, datetime) else value
    out["batch_id"] = str(job.batch_id) if job.batch_id else None
    out["links"] = {"self": url_for("api.jobs.get_job", job_id=job.id)}
    if batches.is_batch(job):
        # Counters, progress and members by status (core.queueing.batches).
        batch = batches.summary(db(), job.id)
        if batch is not None:
            out["batch"] = batch
            out["progress"] = batch["progress"]
    return out


def _own_job(job_id: uuid.UUID, *, any_org_for_operator: bool = False) -> Job:
    platform_wide = any_org_for_operator and principal().role == "operator"
    return owned(Job, job_id, "job", any_org=platform_wide)


@bp.post("/jobs")
@may_answer(429)  # over the org's or the platform's queue limit (core.ops.backpressure)
@returns(responses.Job, status=202)
@spec.validate(json=JobIn, tags=["jobs"], resp=SpecResponse(HTTP_202=None))
@transactional
def create_job() -> Response:
    body: JobIn = request.context.json  # type: ignore[attr-defined]
    who = principal()
    prepared = prepare(body, who)
    admit(who, 1)
    ((job, deduplicated),) = stage_all([prepared], who)
    out = job_to_dict(job)
    if deduplicated:
        out["deduplicated"] = True
    return json_response(out, 202, {"Location": out["links"]["self"]})


@bp.post("/jobs/bulk")
@may_answer(429)
@returns(responses.JobsStarted, status=202)
@spec.validate(json=JobsIn, tags=["jobs"], resp=SpecResponse(HTTP_202=None))
@transactional
def create_jobs() -> Response:
    """Start up to 100 jobs in one request: all of them, or none.

    Each job is checked as ``POST /jobs`` checks it; the first bad one answers (422 or 403,
    naming its index) and nothing is staged. The org's queue cap and the jobs rate limits
    count every job of the request.
    """
    body: JobsIn = request.context.json  # type: ignore[attr-defined]
    who = principal()
    prepared = [prepare(item, who, index=i) for i, item in enumerate(body.jobs)]
    admit(who, len(prepared))
    out = []
    for job, deduplicated in stage_all(prepared, who):
        view = job_to_dict(job)
        if deduplicated:
            view["deduplicated"] = True
        out.append(view)
    return json_response({"jobs": out}, 202)


@bp.get("/jobs")
@returns(responses.JobPage)
@spec.validate(query=JobListQuery, tags=["jobs"])
def list_jobs() -> Response:
    q: JobListQuery = request.context.query  # type: ignore[attr-defined]
    stmt = select(Job).where(Job.org_id == principal().org_id)
    if q.status:
        stmt = stmt.where(Job.status == q.status)
    if q.type:
        stmt = stmt.where(Job.type == q.type)
    rows, cursor = paginate(
        db(), stmt, model=Job, sort="-created_at", limit=q.limit, cursor=q.cursor
    )
    return json_response({"items": [job_to_dict(j) for j in rows], "next_cursor": cursor})


@bp.get("/jobs/<uuid:job_id>")
@returns(responses.Job)
@spec.validate(tags=["jobs"])
def get_job(job_id: uuid.UUID) -> Response:
    return json_response(job_to_dict(_own_job(job_id)))


@bp.post("/jobs/<uuid:job_id>/cancel")
@returns(responses.Job)
@spec.validate(tags=["jobs"])
@transactional
def cancel_job(job_id: uuid.UUID) -> Response:
    """Cancel a queued job, or a batch's queued members (admin of its org, or operator)."""
    who = principal()
    job = _own_job(job_id, any_org_for_operator=True)
    if ROLE_RANK[who.role] < ROLE_RANK["admin"]:
        raise ApiError(403, "canceling a job needs the admin role")
    if batches.is_batch(job):
        # A batch is canceled through its queued members; running ones finish, and the
        # callback fires once every member is final.
        batches.cancel(db(), job.id)
    elif not job_state.cancel(db(), job.id):
        raise ApiError(409, f"job is {job.status}; only a queued job can be canceled")
    db().refresh(job)
    return json_response(job_to_dict(job))
