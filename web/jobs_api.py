"""``/api/v1/jobs``: start a job, list and read the org's jobs, cancel one not yet running."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from flask import Blueprint, Response, request, url_for
from pydantic import ValidationError
from spectree import Response as SpecResponse
from sqlalchemy import select

from core.queueing import batches, job_state
from core.queueing.outbox import stage_unique
from jobs.registry import CONTRACT_TYPES, JOB_TYPES
from models import Job
from web import responses
from web.auth import ROLE_RANK, owned, principal
from web.errors import ApiError
from web.ext import db, resources
from web.http import json_response
from web.idempotency import transactional
from web.pagination import paginate
from web.schemas import JobIn, JobListQuery
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
    job_type = JOB_TYPES.get(body.type)
    if job_type is None:
        known = sorted(JOB_TYPES)
        state = "is not available yet" if body.type in CONTRACT_TYPES else "is unknown"
        raise ApiError(
            422,
            f"job type {body.type!r} {state}; known types: {', '.join(known)}",
            details={"known_types": known},
        )
    who = principal()
    if ROLE_RANK[who.role] < ROLE_RANK[job_type.role]:
        raise ApiError(403, f"starting {body.type} needs the {job_type.role} role")
    # The broker down counts as clear: the job waits safely in the outbox.
    overload = resources().admission.check(resources().broker, db(), who.org_id)
    if overload is not None:
        raise ApiError(
            overload.status, overload.message, headers={"Retry-After": str(overload.retry_after)}
        )
    try:
        params = job_type.params.model_validate(body.params)
    except ValidationError as exc:
        details = exc.errors(include_url=False, include_context=False, include_input=False)
        raise ApiError(422, "invalid params", details=details) from None
    staging: dict[str, Any] = {
        "job_type": job_type.name,
        "org_id": who.org_id,
        "args": job_type.args(who.org_id, params),
        "params": params.model_dump(),
        "created_by": who.user_id,
    }
    deduplicated = False
    if job_type.unique:
        job, deduplicated = stage_unique(
            db(),
            job_type.actor,
            unique_key=job_type.unique_key(who.org_id, params),
            debounce_s=job_type.debounce_s,
            **staging,
        )
    else:
        staged = job_state.stage(db(), job_type.actor, **staging)
        assert staged is not None
        job = staged
    out = job_to_dict(job)
    if deduplicated:
        out["deduplicated"] = True
    return json_response(out, 202, {"Location": out["links"]["self"]})


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
