"""Response models: what the API answers, for the OpenAPI document (``web.spec.returns``).

Documentation only; views write their own JSON (``web.http.json_response``). Every field is
required (views always write every key), nullable where the value may be ``null``. Models
allow unknown keys, so a field added later does not break an older client.
"""

from __future__ import annotations

import types
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, Literal, Union, get_args, get_origin
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, create_model

from models import JobStatus, WebhookDelivery

if TYPE_CHECKING:
    from web.crud import Resource

# A decimal as row_to_dict writes it: a string with two decimals.
Money = Annotated[str, Field(pattern=r"^-?[0-9]+\.[0-9]{2}$", examples=["12000.00"])]
Json = dict[str, Any]
EXAMPLE_TIME = "2026-12-01T09:30:00+00:00"


class Link(BaseModel):
    """Where to read the item again."""

    self: str


class Page(BaseModel):
    """One page of a list: the cursor of the next page, ``null`` on the last."""

    next_cursor: str | None


def _scalar(column: Any) -> Any:
    try:
        python_type = column.type.python_type
    except NotImplementedError:
        return Any
    if python_type is Decimal:
        return Money
    if python_type is dict:
        return Json
    if python_type is list:
        return list[Any]
    return python_type


def _literal(model: type[BaseModel] | None, name: str) -> Any:
    """The ``Literal`` a request model declares for ``name``, if any (a stage, a status)."""
    info = model.model_fields.get(name) if model else None
    if info is None:
        return None
    annotation = info.annotation
    union = get_origin(annotation) in (Union, types.UnionType)
    for arg in get_args(annotation) if union else (annotation,):
        if get_origin(arg) is Literal:
            return arg
    return None


def row_model(
    name: str,
    table_model: Any,
    *,
    hidden: tuple[str, ...] = ("org_id",),
    like: type[BaseModel] | None = None,
    **extra: Any,
) -> type[BaseModel]:
    """The model of ``web.http.row_to_dict(row, hidden=hidden)``: one field per column.

    ``like``: a request model whose ``Literal`` fields narrow the columns' strings;
    ``extra``: more fields, name to type.
    """
    fields: dict[str, Any] = {}
    for column in table_model.__table__.columns:
        if column.key in hidden:
            continue
        kind = _literal(like, column.key) or _scalar(column)
        fields[column.key] = (kind | None if column.nullable else kind, ...)
    fields.update({key: (kind, ...) for key, kind in extra.items()})
    example = _example(like, list(fields))
    config = ConfigDict(json_schema_extra={"examples": [example]}) if example else None
    model: type[BaseModel] = create_model(name, __config__=config, **fields)
    return model


def _first_example(model: type[BaseModel] | None) -> dict[str, Any] | None:
    extra: Any = model.model_config.get("json_schema_extra") if model else None
    examples = extra.get("examples") if isinstance(extra, dict) else None
    first = examples[0] if isinstance(examples, list) and examples else None
    return first if isinstance(first, dict) else None


def _example(like: type[BaseModel] | None, names: list[str]) -> dict[str, Any] | None:
    """A row like the request model's example: its values, then defaults, ids and times."""
    given = _first_example(like)
    if like is None or given is None:
        return None
    out: dict[str, Any] = {}
    for name in names:
        info = like.model_fields.get(name)
        if name in given:
            out[name] = given[name]
        elif name == "id":
            out[name] = 1
        elif name in ("created_at", "updated_at"):
            out[name] = EXAMPLE_TIME
        elif info is not None and not info.is_required():
            out[name] = info.get_default(call_default_factory=True)
        else:
            out[name] = None
    return out


def page_model(item: type[BaseModel], name: str | None = None) -> type[BaseModel]:
    """``{"items": [item, ...], "next_cursor": ...}``."""
    first = _first_example(item)
    page: dict[str, Any] | None = {"items": [first], "next_cursor": None} if first else None
    model: type[BaseModel] = create_model(
        name or f"{item.__name__}Page",
        __config__=ConfigDict(json_schema_extra={"examples": [page]}) if page else None,
        __base__=Page,
        items=(list[item], ...),  # type: ignore[valid-type]
    )
    return model


def resource_models(resource: Resource) -> tuple[type[BaseModel], type[BaseModel]]:
    """The item and page models of a CRM resource (``Company``, ``CompanyPage``)."""
    name = resource.create.__name__.removesuffix("In")
    item = row_model(name, resource.model, like=resource.create)
    return item, page_model(item)


class Probe(BaseModel):
    """One dependency: ``latency_ms`` when up, the exception's name when down."""

    status: Literal["up", "down"]
    latency_ms: float | None = None
    error: str | None = None


class Relay(BaseModel):
    """The outbox relay: its lag and last heartbeat; ``unknown`` if none ever reported."""

    status: Literal["up", "down", "unknown"]
    lag_s: float | None = None
    lag_error: str | None = None
    error: str | None = None
    last_heartbeat_age_s: float | None = None
    restarts: int | None = None


class Health(BaseModel):
    """``ok`` (200) or ``degraded`` (503, the same body): each dependency and the relay."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "status": "ok",
                    "database": {"status": "up", "latency_ms": 0.61},
                    "redis": {"status": "up", "latency_ms": 0.12},
                    "cache": {"status": "up", "latency_ms": 0.1},
                    "relay": {"status": "up", "lag_s": 0.0, "last_heartbeat_age_s": 0.4},
                    "uptime": 3600.0,
                    "environment": "production",
                    "version": "0.1.0",
                    "websocket_url": "wss://saleshub.example/ws",
                }
            ]
        }
    )

    status: Literal["ok", "degraded"]
    database: Probe
    redis: Probe
    cache: Probe
    relay: Relay
    uptime: float
    environment: str
    version: str
    websocket_url: str


class User(BaseModel):
    """A user of the caller's organization (an operator's: of any organization)."""

    id: int
    org_id: int
    email: str
    role: Literal["member", "admin", "operator"]
    disabled: bool
    disabled_at: datetime | None
    created_at: datetime
    updated_at: datetime


class ApiKey(BaseModel):
    """An API key: never its hash; the key itself only in the answer that made it."""

    id: int
    name: str
    prefix: str
    user_id: int
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None
    revoked_at: datetime | None


class NewApiKey(ApiKey):
    """A key just made: the only answer that shows it."""

    key: str


class Batch(BaseModel):
    """A batch's counters, progress and members by status."""

    total: int
    pending: int
    succeeded: int
    failed: int
    canceled: int
    progress: int
    members: dict[str, int]
    callback_job_id: str | None
    callback_staged_at: datetime | None


class Job(BaseModel):
    """A job as its org sees it; ``batch`` only on a batch's parent."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "0b9f3c52-5d7e-4f0e-9a55-3f1d2f3f8e11",
                    "type": "analytics.rollup",
                    "status": "succeeded",
                    "progress": 100,
                    "result": {"deals": 12, "win_rate": 0.5},
                    "error": None,
                    "attempts": 1,
                    "params": {},
                    "queue": "default",
                    "created_at": EXAMPLE_TIME,
                    "updated_at": EXAMPLE_TIME,
                    "dispatched_at": EXAMPLE_TIME,
                    "started_at": EXAMPLE_TIME,
                    "finished_at": EXAMPLE_TIME,
                    "batch_id": None,
                    "links": {"self": "/api/v1/jobs/0b9f3c52-5d7e-4f0e-9a55-3f1d2f3f8e11"},
                }
            ]
        }
    )

    id: UUID
    type: str
    status: JobStatus
    progress: int
    result: Any
    error: str | None
    attempts: int
    params: Json
    queue: str
    created_at: datetime
    updated_at: datetime
    dispatched_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None
    batch_id: UUID | None
    links: Link
    batch: Batch | None = None
    deduplicated: bool = Field(default=False, description="a queued job of the same key")


class JobsStarted(BaseModel):
    """The jobs one ``POST /jobs/bulk`` started, in the order they were asked for."""

    jobs: list[Job]


class Webhook(BaseModel):
    """A webhook endpoint (never its secret)."""

    id: int
    url: str
    events: list[str]
    enabled: bool
    disabled_reason: str | None
    failing_since: datetime | None
    consecutive_failures: int
    paused_until: datetime | None
    created_at: datetime


class NewWebhook(Webhook):
    """An endpoint just made: the only answer that shows its secret."""

    secret: str


class RotatedWebhook(NewWebhook):
    """The new secret, and until when the previous one still signs."""

    previous_secret_valid_until: datetime | None


class PushSubscription(BaseModel):
    id: int
    endpoint: str
    created_at: datetime


class WsTicket(BaseModel):
    """A one-use ticket for ``/ws?ticket=``."""

    ticket: str
    expires_in: int = Field(description="seconds")


class Notification(BaseModel):
    id: int
    title: str
    body: str
    category: str
    urgency: str
    read_at: datetime | None
    created_at: datetime


class NotificationDelivery(BaseModel):
    id: int
    notification_id: int
    user_id: int
    channel: str
    status: str
    reason: str | None
    attempts: int
    last_error: str | None
    send_after: datetime | None


class NotificationDetail(Notification):
    routing: list[Json]
    deliveries: list[NotificationDelivery]


class Inbox(Page):
    items: list[Notification]
    unread_count: int


class QuietWindow(BaseModel):
    """Quiet hours, ``HH:MM`` in the user's time zone."""

    start: str
    end: str


class Preferences(BaseModel):
    """A user's notification preferences, defaults filled in."""

    enabled: bool
    categories: dict[str, bool]
    channels: dict[Literal["in_app", "email", "push"], bool]
    quiet_hours: QuietWindow | None
    timezone: str


class Marked(BaseModel):
    marked: int = Field(description="notifications marked read")


JobPage = page_model(Job)
UserPage = page_model(User)
ApiKeyPage = page_model(ApiKey)
WebhookPage = page_model(Webhook)
DeliveryPage = page_model(NotificationDelivery)
WebhookDeliveryPage = page_model(row_model("WebhookDelivery", WebhookDelivery, hidden=()))
