"""Response models of the operators' API, ``/api/v1/ops`` (see ``web.responses``).

Series and per-queue maps are typed to their values; a worker's own metadata and a
message's options are free-form objects (they are whatever Dramatiq and the worker wrote).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel

from models import JobStatus
from web.responses import Batch, Json, Page


class QueueFigures(BaseModel):
    name: str
    pool: str
    ready: int
    delayed: int
    in_flight: int
    dead: int
    oldest_age_seconds: float | None
    paused: bool
    processed_last_minute: int
    failed_last_minute: int


class Worker(BaseModel):
    """A live worker (its own metadata besides these), with the jobs it runs now."""

    id: str
    in_flight: int
    last_heartbeat_age_seconds: float
    running: list[Json]


class MinuteRates(BaseModel):
    minute: int
    counts: dict[str, Any]


class Overview(BaseModel):
    """Queues, live workers and the last hour's per-minute counts."""

    queues: list[QueueFigures]
    workers: list[Worker]
    ts: float
    rates: list[MinuteRates]


class Workers(BaseModel):
    items: list[Worker]


class Canaries(BaseModel):
    """Each queue's last canary job (``queue``, ``age_s`` and its timings, in seconds)."""

    items: list[Json]
    interval_s: float


class OrgShare(BaseModel):
    org_id: int
    in_flight: int
    cap: int
    waiting: int
    deferrals: int


class PoolShares(BaseModel):
    cap_per_org: int
    orgs: list[OrgShare]


class PausedEndpoint(BaseModel):
    id: int
    org_id: int
    consecutive_failures: int
    paused_until: datetime | None


class EndpointLine(BaseModel):
    """A webhook endpoint's calls in flight (slots kept for deliveries just taken off its
    line included) and deliveries waiting in its line; ``org_id`` is null for an endpoint
    deleted since."""

    id: int
    org_id: int | None
    in_flight: int
    cap: int
    waiting: int


class Fairness(BaseModel):
    """Per pool, the orgs with jobs in flight or waiting; paused webhook endpoints; webhook
    endpoints with calls in flight or deliveries in line (longest lines first, at most 200)."""

    pools: dict[str, PoolShares]
    paused_webhook_endpoints: list[PausedEndpoint]
    webhook_endpoint_lines: list[EndpointLine]


class Charts(BaseModel):
    """Series on the time axis ``t`` (seconds): throughput, latency and depth per queue."""

    range: str
    step_s: int
    t: list[int]
    queues: list[str]
    throughput: dict[str, dict[str, list[int | None]]]
    latency: dict[str, dict[str, list[float | None]]]
    depth: dict[str, list[int | None]]
    actors: list[Json]


class QueuePaused(BaseModel):
    queue: str
    paused: bool
    changed: bool


class DeadLetter(BaseModel):
    """A dead letter; ``traceback`` and ``options`` only when read alone."""

    message_id: str
    queue: str
    actor: str
    died_at: float
    error: str | None
    args: list[Any] | None
    kwargs: Json | None
    retries: int
    traceback: str | None = None
    options: Json | None = None


class DeadLetterPage(Page):
    items: list[DeadLetter]
    total: int | None


class DeadLetterCount(BaseModel):
    count: int
    queue: str | None
    actor: str | None
    q: str | None


class Retried(BaseModel):
    retried: int


class BulkOutcome(BaseModel):
    """``retried`` or ``purged``: how many dead letters the action took."""

    retried: int | None = None
    purged: int | None = None


class ScheduleEntry(BaseModel):
    id: str
    job_type: str
    actor: str
    queue: str
    every_s: float
    per_org: bool
    paused: bool
    trigger: str
    next_run: float
    last_run: datetime | None
    last_status: str | None
    last_fires: list[Json]


class Schedules(BaseModel):
    items: list[ScheduleEntry]


class ScheduleAction(BaseModel):
    """``staged`` jobs for ``run``; ``paused`` for ``pause`` and ``resume``."""

    schedule: str
    staged: int | None = None
    paused: bool | None = None


class OpsJob(BaseModel):
    """A job of any org, as the explorer lists it."""

    id: str
    org_id: int | None
    type: str
    actor: str
    queue: str
    status: JobStatus
    progress: int
    attempts: int
    error: str | None
    schedule_id: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class OpsJobPage(Page):
    items: list[OpsJob]


class Attempt(BaseModel):
    attempt: int
    worker: str | None
    started_at: datetime | None
    finished_at: datetime | None
    duration_ms: float | None
    outcome: str
    traceback: str | None


class OpsJobMessage(BaseModel):
    message_id: str | None
    args: list[Any] | None
    kwargs: Json | None
    options: Json


class OpsBatchCallback(BaseModel):
    """A batch's callback: ``waiting`` until every member is final, then the staged job's
    status (``gone`` once clean-up removed it)."""

    job_id: str
    type: str | None
    actor: str | None
    state: str
    staged_at: datetime | None


class OpsBatch(Batch):
    """A batch of any org: the counters and members by status its org sees, and its org,
    parent and callback."""

    id: str
    org_id: int | None
    type: str
    status: JobStatus
    parent_id: str | None
    callback: OpsBatchCallback | None
    created_at: datetime
    finished_at: datetime | None
    updated_at: datetime


class OpsBatchPage(Page):
    items: list[OpsBatch]


class OpsJobDetail(OpsJob):
    """One job: params, result, its message and the attempts timeline; ``batch`` if it is
    a batch, ``parent_batch`` if it is a member of one."""

    params: Json
    result: Any
    dedupe_key: str | None
    created_by: int | None
    updated_at: datetime
    dispatched_at: datetime | None
    message: OpsJobMessage
    attempts_timeline: list[Attempt]
    retryable: bool
    cancelable: bool
    batch: OpsBatch | None = None
    parent_batch: OpsBatch | None = None


class AuditEntry(BaseModel):
    id: int
    action: str
    target: str
    details: Json | None
    org_id: int | None
    user_id: int | None
    user_email: str | None
    created_at: datetime


class AuditPage(Page):
    items: list[AuditEntry]


class HotKey(BaseModel):
    org_id: int
    key: str
    hits: int


class CacheAnalytics(BaseModel):
    """Cache series per namespace over ``t``, latency, memory and the hottest keys;
    while the cache is ``down``, only ``error`` and ``enabled``."""

    status: str
    enabled: bool
    error: str | None = None
    range: str | None = None
    step_s: int | None = None
    t: list[int] | None = None
    namespaces: dict[str, dict[str, list[float | None]]] | None = None
    latency_ms: Json | None = None
    keys: int | None = None
    memory: Json | None = None
    hottest: list[HotKey] | None = None


class OpsImport(BaseModel):
    """An import of any org and how far it got: rows read, committed (created, updated or
    unchanged) and rejected so far, its batch's progress and members by status."""

    id: str
    org_id: int
    type: str
    status: str
    filename: str
    dry_run: bool
    rows_read: int
    committed: int
    created: int
    updated: int
    unchanged: int
    rejected: int
    progress: int | None
    members: dict[str, int]
    job_id: str | None
    error: str | None
    created_at: datetime
    started_at: datetime | None
    updated_at: datetime
    finished_at: datetime | None


class OpsImportPage(Page):
    items: list[OpsImport]
