"""Request models: one create model per resource; update and list models derived from it."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    create_model,
)
from pydantic.fields import FieldInfo

from models import JobStatus

MAX_ID = 2**63 - 1


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("NUL characters are not allowed")
    return value


def _storable(value: datetime) -> datetime:
    # PostgreSQL stores dates psycopg cannot read back (BC, past 9999): refuse them here,
    # or the row is written and its answer fails. A naive time is taken as UTC.
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    try:
        value.astimezone(UTC)
    except OverflowError:
        raise ValueError("datetime out of range (years 1 to 9999 in UTC)") from None
    return value


_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def _json_string(value: Any) -> Any:
    # JSON has no date type: a date is an ISO string. pydantic's lax mode would also take a
    # number as a Unix time (``0`` -> 1970-01-01), which the documented schema does not allow.
    if not isinstance(value, str | date):
        raise ValueError("expected an ISO 8601 string")
    if isinstance(value, str) and _NUMBER.fullmatch(value.strip()):
        raise ValueError("expected an ISO 8601 string, not a number")  # "0.5" in a query
    return value


# A string without NUL characters (PostgreSQL text cannot hold them).
Str = Annotated[str, AfterValidator(_no_nul)]
Moment = Annotated[datetime, BeforeValidator(_json_string), AfterValidator(_storable)]
Day = Annotated[date, BeforeValidator(_json_string)]


def Text(max_length: int, *, min_length: int = 0) -> Any:
    """A string of bounded length without NUL characters, for models built at run time."""
    return Annotated[Str, Field(min_length=min_length, max_length=max_length)]


Id = Annotated[int, Field(ge=1, le=MAX_ID)]
# A row id in a JSON body: an integer, never a string or a boolean (lax mode takes both).
Ref = Annotated[int, Field(strict=True, ge=1, le=MAX_ID)]
Name = Annotated[Str, Field(min_length=1, max_length=200)]
Email = Annotated[str, Field(max_length=320, pattern=r"^[^@\s\x00]+@[^@\s\x00]+\.[^@\s\x00]+$")]
Stage = Literal["lead", "qualified", "proposal", "negotiation", "won", "lost"]
LeadStatus = Literal["new", "contacted", "qualified", "disqualified", "converted"]
Kind = Literal["note", "call", "email", "meeting", "task"]


class Strict(BaseModel):
    """Unknown fields are an error, and strings are trimmed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class CompanyIn(Strict):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "Acme GmbH",
                    "domain": "acme.example",
                    "industry": "Software",
                    "country": "DE",
                }
            ]
        }
    )

    name: Name
    domain: Annotated[Str, Field(max_length=253)] | None = None
    industry: Annotated[Str, Field(max_length=100)] | None = None
    size: Annotated[Str, Field(max_length=50)] | None = None
    city: Annotated[Str, Field(max_length=100)] | None = None
    country: Annotated[Str, Field(max_length=100)] | None = None
    owner_id: Ref | None = None


class ContactIn(Strict):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"first_name": "Ada", "last_name": "Lovelace", "email": "ada@acme.example"}
            ]
        }
    )

    first_name: Annotated[Str, Field(min_length=1, max_length=100)]
    last_name: Annotated[Str, Field(max_length=100)] | None = None
    email: Email | None = None
    phone: Annotated[Str, Field(max_length=50)] | None = None
    title: Annotated[Str, Field(max_length=200)] | None = None
    company_id: Ref | None = None
    owner_id: Ref | None = None


class DealIn(Strict):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "title": "Acme renewal",
                    "amount": "12000.00",
                    "currency": "EUR",
                    "stage": "proposal",
                    "close_date": "2027-03-31",
                }
            ]
        }
    )

    title: Name
    amount: Annotated[Decimal, Field(ge=0, max_digits=18, decimal_places=2)] | None = None
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] = "USD"
    stage: Stage = "lead"
    close_date: Day | None = None
    company_id: Ref | None = None
    contact_id: Ref | None = None
    owner_id: Ref | None = None


class LeadIn(Strict):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "Grace Hopper",
                    "email": "grace@navy.example",
                    "source": "webinar",
                    "score": 70,
                }
            ]
        }
    )

    name: Name
    email: Email | None = None
    company_name: Annotated[Str, Field(max_length=200)] | None = None
    source: Annotated[Str, Field(max_length=100)] | None = None
    status: LeadStatus = "new"
    score: Annotated[int, Field(strict=True, ge=0, le=100)] | None = None
    owner_id: Ref | None = None


class ActivityIn(Strict):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"kind": "call", "subject": "Intro call", "due_at": "2027-01-15T10:00:00Z"}
            ]
        }
    )

    kind: Kind
    subject: Annotated[Str, Field(min_length=1, max_length=300)]
    body: Annotated[Str, Field(max_length=20_000)] | None = None
    due_at: Moment | None = None
    done: StrictBool = False
    contact_id: Ref | None = None
    company_id: Ref | None = None
    deal_id: Ref | None = None
    lead_id: Ref | None = None
    owner_id: Ref | None = None


def _patch_field(info: FieldInfo) -> tuple[Any, None]:
    # ``info.annotation`` has lost the field's constraints (lengths, patterns, ranges) to
    # ``info.metadata``: put them back, or PATCH would let through what POST refuses.
    annotation: Any = info.annotation
    if info.metadata:
        annotation = Annotated.__class_getitem__((annotation, *info.metadata))  # type: ignore[attr-defined]
    # Defaulting to None makes the field optional without admitting an explicit null
    # where the column is NOT NULL (pydantic does not validate defaults).
    return annotation, None


def update_model(create: type[BaseModel]) -> type[BaseModel]:
    """The PATCH model of ``create``: every field optional, nullable only where it may be."""
    fields: dict[str, Any] = {n: _patch_field(i) for n, i in create.model_fields.items()}
    model: type[BaseModel] = create_model(
        create.__name__.replace("In", "Patch"),
        __base__=Strict,
        __config__=_patch_example(create),
        **fields,
    )
    return model


def _patch_example(create: type[BaseModel]) -> ConfigDict | None:
    """A PATCH changes some fields: its example is the create example's last field."""
    extra: Any = create.model_config.get("json_schema_extra")
    examples = extra.get("examples") if isinstance(extra, dict) else None
    if not examples:
        return None
    name, value = list(examples[0].items())[-1]
    return ConfigDict(json_schema_extra={"examples": [{name: value}]})


def list_model(name: str, sorts: tuple[str, ...], filters: dict[str, Any]) -> type[BaseModel]:
    """The query model of a list: limit, cursor, sort and the resource's filters."""
    sort_values = tuple(s for col in sorts for s in (col, f"-{col}"))
    fields: dict[str, Any] = {
        "limit": (Annotated[int, Field(ge=1, le=200)], 50),
        "cursor": (Text(512) | None, None),
        "sort": (Literal[sort_values], "-created_at"),
        **{f: (t | None, None) for f, t in filters.items()},
    }
    model: type[BaseModel] = create_model(name, __base__=Strict, **fields)
    return model


class JobIn(Strict):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"type": "analytics.rollup", "params": {}}]}
    )

    type: Annotated[Str, Field(min_length=1, max_length=64)]
    params: dict[str, Any] = Field(default_factory=dict)


#: The most jobs one ``POST /jobs/bulk`` may start.
MAX_BULK_JOBS = 100


class BulkJob(JobIn):
    """One job of ``POST /jobs/bulk`` (its own name: the OpenAPI client generator would
    see two models named ``JobIn``)."""


class JobsIn(Strict):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "jobs": [
                        {"type": "cache.invalidate", "params": {"tags": ["companies"]}},
                        {"type": "analytics.rollup", "params": {}},
                    ]
                }
            ]
        }
    )

    jobs: Annotated[list[BulkJob], Field(min_length=1, max_length=MAX_BULK_JOBS)]


class JobListQuery(Strict):
    limit: Annotated[int, Field(ge=1, le=200)] = 50
    cursor: Annotated[Str, Field(max_length=512)] | None = None
    status: JobStatus | None = None
    type: Annotated[Str, Field(max_length=64)] | None = None
