"""Request models: one create model per resource; update and list models derived from it."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, create_model

MAX_ID = 2**63 - 1


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("NUL characters are not allowed")
    return value


def Text(max_length: int, *, min_length: int = 0) -> Any:
    """A string of bounded length without NUL characters, trimmed of outer whitespace."""
    return Annotated[
        str,
        Field(min_length=min_length, max_length=max_length),
        AfterValidator(_no_nul),
    ]


Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Name = Text(200, min_length=1)
Email = Annotated[str, Field(max_length=320, pattern=r"^[^@\s\x00]+@[^@\s\x00]+\.[^@\s\x00]+$")]
Stage = Literal["lead", "qualified", "proposal", "negotiation", "won", "lost"]
LeadStatus = Literal["new", "contacted", "qualified", "disqualified", "converted"]
Kind = Literal["note", "call", "email", "meeting", "task"]


class Strict(BaseModel):
    """Unknown fields are an error, and strings are trimmed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class CompanyIn(Strict):
    name: Name
    domain: Text(253) | None = None
    industry: Text(100) | None = None
    size: Text(50) | None = None
    city: Text(100) | None = None
    country: Text(100) | None = None
    owner_id: Id | None = None


class ContactIn(Strict):
    first_name: Text(100, min_length=1)
    last_name: Text(100) | None = None
    email: Email | None = None
    phone: Text(50) | None = None
    title: Text(200) | None = None
    company_id: Id | None = None
    owner_id: Id | None = None


class DealIn(Strict):
    title: Name
    amount: Annotated[Decimal, Field(ge=0, max_digits=18, decimal_places=2)] | None = None
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] = "USD"
    stage: Stage = "lead"
    close_date: date | None = None
    company_id: Id | None = None
    contact_id: Id | None = None
    owner_id: Id | None = None


class LeadIn(Strict):
    name: Name
    email: Email | None = None
    company_name: Text(200) | None = None
    source: Text(100) | None = None
    status: LeadStatus = "new"
    score: Annotated[int, Field(ge=0, le=100)] | None = None
    owner_id: Id | None = None


class ActivityIn(Strict):
    kind: Kind
    subject: Text(300, min_length=1)
    body: Text(20_000) | None = None
    due_at: datetime | None = None
    done: bool = False
    contact_id: Id | None = None
    company_id: Id | None = None
    deal_id: Id | None = None
    lead_id: Id | None = None
    owner_id: Id | None = None


def update_model(create: type[BaseModel]) -> type[BaseModel]:
    """The PATCH model of ``create``: every field optional, unknown fields still an error."""
    fields: dict[str, Any] = {
        name: (info.annotation | None, None)  # type: ignore[operator]
        for name, info in create.model_fields.items()
    }
    return create_model(  # type: ignore[call-overload, no-any-return]
        create.__name__.replace("In", "Patch"), __base__=Strict, **fields
    )


def list_model(name: str, sorts: tuple[str, ...], filters: dict[str, Any]) -> type[BaseModel]:
    """The query model of a list: limit, cursor, sort and the resource's filters."""
    sort_values = tuple(s for col in sorts for s in (col, f"-{col}"))
    fields: dict[str, Any] = {
        "limit": (Annotated[int, Field(ge=1, le=200)], 50),
        "cursor": (Text(512) | None, None),
        "sort": (Literal[sort_values], "-created_at"),  # type: ignore[valid-type]
        **{f: (t | None, None) for f, t in filters.items()},
    }
    return create_model(name, __base__=Strict, **fields)  # type: ignore[call-overload, no-any-return]


class JobIn(Strict):
    type: Text(64, min_length=1)
    params: dict[str, Any] = Field(default_factory=dict)


class JobListQuery(Strict):
    limit: Annotated[int, Field(ge=1, le=200)] = 50
    cursor: Text(512) | None = None
    status: Literal["queued", "running", "succeeded", "failed", "dead", "canceled"] | None = None
    type: Text(64) | None = None
