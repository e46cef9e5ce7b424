"""Starting jobs from the API: one (``POST /jobs``) or many at once (``POST /jobs/bulk``).

Every job of a request is checked (its type, the caller's role, its params) before anything
is staged, so a bad one answers 4xx and stages nothing. The org's and the platform's limits
are then checked once for all of them (``core.ops.admission``), and the jobs of one type
are staged in one ``INSERT`` (``stage_many_jobs``), in the request's transaction: they are
sent when it commits, or never.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from core.queueing.outbox import stage_many_jobs, stage_unique
from jobs.registry import CONTRACT_TYPES, JOB_TYPES, JobType
from models import Job
from web.auth import ROLE_RANK, Principal
from web.errors import ApiError
from web.ext import db, resources
from web.schemas import JobIn


@dataclass(frozen=True)
class Prepared:
    """A job checked and ready to stage: its type and validated params."""

    job_type: JobType
    params: BaseModel


def prepare(item: JobIn, who: Principal, index: int | None = None) -> Prepared:
    """Check one requested job; ``index`` is its place in a bulk request (named in errors).

    Raises ApiError: 422 for an unknown type or bad params, 403 for a role too low.
    """
    where = "" if index is None else f"jobs[{index}]: "
    job_type = JOB_TYPES.get(item.type)
    if job_type is None:
        known = sorted(JOB_TYPES)
        state = "is not available yet" if item.type in CONTRACT_TYPES else "is unknown"
        details: dict[str, Any] = {"known_types": known}
        if index is not None:
            details["index"] = index
        raise ApiError(
            422,
            f"{where}job type {item.type!r} {state}; known types: {', '.join(known)}",
            details=details,
        )
    if ROLE_RANK[who.role] < ROLE_RANK[job_type.role]:
        raise ApiError(403, f"{where}starting {item.type} needs the {job_type.role} role")
    try:
        params = job_type.params.model_validate(item.params)
    except ValidationError as exc:
        errors = exc.errors(include_url=False, include_context=False, include_input=False)
        if index is not None:
            for error in errors:
                error["loc"] = ("jobs", index, "params", *error["loc"])
        raise ApiError(422, f"{where}invalid params", details=errors) from None
    return Prepared(job_type, params)


def admit(who: Principal, jobs: int) -> None:
    """Raise the 429 or 503 that the org's or the platform's limits give ``jobs`` new jobs.

    The broker down counts as clear: the jobs wait safely in the outbox.
    """
    overload = resources().admission.check(resources().broker, db(), who.org_id, jobs=jobs)
    if overload is not None:
        raise ApiError(
            overload.status, overload.message, headers={"Retry-After": str(overload.retry_after)}
        )


def stage_all(prepared: list[Prepared], who: Principal) -> list[tuple[Job, bool]]:
    """Stage each job in the request's transaction; (row, deduplicated) in request order.

    A unique type is staged one by one (a repeat answers with the queued job, also within
    the request); the others go in one ``INSERT`` per type.
    """
    out: list[tuple[Job, bool] | None] = [None] * len(prepared)
    by_type: dict[str, list[int]] = {}
    for i, p in enumerate(prepared):
        if not p.job_type.unique:
            by_type.setdefault(p.job_type.name, []).append(i)
            continue
        out[i] = stage_unique(
            db(),
            p.job_type.actor,
            job_type=p.job_type.name,
            org_id=who.org_id,
            unique_key=p.job_type.unique_key(who.org_id, p.params),
            debounce_s=p.job_type.debounce_s,
            args=p.job_type.args(who.org_id, p.params),
            params=p.params.model_dump(),
            created_by=who.user_id,
        )
    for indexes in by_type.values():
        job_type = prepared[indexes[0]].job_type
        rows = stage_many_jobs(
            db(),
            job_type.actor,
            job_type=job_type.name,
            org_id=who.org_id,
            args=[job_type.args(who.org_id, prepared[i].params) for i in indexes],
            params=[prepared[i].params.model_dump() for i in indexes],
            created_by=who.user_id,
        )
        for i, job in zip(indexes, rows, strict=True):
            out[i] = (job, False)
    return [staged for staged in out if staged is not None]
