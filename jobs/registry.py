"""The job types clients may start through ``POST /api/v1/jobs``."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import orjson
from dramatiq import Actor
from pydantic import BaseModel, ConfigDict, Field

from jobs import analytics, cache, notifications, search

# Debounce windows of the unique types: a write refreshes the dashboard within about this
# plus the relay's one-second poll; warming and reindexing are heavier and rarer.
ROLLUP_DEBOUNCE_S = 1.0
WARM_DEBOUNCE_S = 5.0
REINDEX_DEBOUNCE_S = 5.0

# Every type in the public contract; those not in JOB_TYPES are not available yet.
CONTRACT_TYPES = (
    "search.reindex",
    "cache.warm",
    "cache.invalidate",
    "analytics.rollup",
    "notifications.broadcast",
)


class BroadcastParams(BaseModel):
    """An admin's message to the whole org."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: str = Field(min_length=1, max_length=200, pattern=r"^[^\x00]*$")
    body: str = Field(default="", max_length=5000, pattern=r"^[^\x00]*$")
    urgency: Literal["low", "normal", "high", "critical"] = "normal"


class NoParams(BaseModel):
    """A job that takes no parameters."""

    model_config = ConfigDict(extra="forbid")


@dataclass(frozen=True)
class JobType:
    """A startable job: its actor, its parameters, who may start it, and its actor arguments.

    Parameters:
      name: the public type name, e.g. ``analytics.rollup``.
      actor: the Dramatiq actor that runs it.
      params: the pydantic model its ``params`` must satisfy.
      role: the least role that may start it (``member`` or ``admin``).
      args: builds the actor's arguments from the org id and validated params.
      unique: at most one queued, not yet started job per org and params; a repeat answers
        with that job (``deduplicated``), a request after it started stages one more run.
      debounce_s: a new unique job waits this long before it is sent, so a burst folds in.
    """

    name: str
    actor: Actor[Any, Any]
    params: type[BaseModel]
    role: str
    args: Callable[[int, BaseModel], tuple[Any, ...]]
    unique: bool = False
    debounce_s: float = 0.0

    def unique_key(self, org_id: int, params: BaseModel) -> str:
        """The uniqueness key: type, org and a digest of the params (canonical JSON)."""
        canonical = orjson.dumps(params.model_dump(mode="json"), option=orjson.OPT_SORT_KEYS)
        digest = hashlib.sha256(canonical).hexdigest()[:32]
        return f"{self.name}:{org_id}:{digest}"


JOB_TYPES: dict[str, JobType] = {
    "analytics.rollup": JobType(
        name="analytics.rollup",
        actor=analytics.rollup,
        params=NoParams,
        role="member",
        args=lambda org_id, _params: (org_id,),
        unique=True,
        debounce_s=ROLLUP_DEBOUNCE_S,
    ),
    "cache.warm": JobType(
        name="cache.warm",
        actor=cache.warm,
        params=NoParams,
        role="admin",
        args=lambda org_id, _params: (org_id,),
        unique=True,
        debounce_s=WARM_DEBOUNCE_S,
    ),
    "cache.invalidate": JobType(
        name="cache.invalidate",
        actor=cache.invalidate,
        params=cache.InvalidateParams,
        role="admin",
        args=lambda org_id, p: (org_id, p.tags or [], p.pattern),  # type: ignore[attr-defined]
    ),
    "search.reindex": JobType(
        name="search.reindex",
        actor=search.reindex,
        params=NoParams,
        role="admin",
        args=lambda org_id, _params: (org_id,),
        unique=True,
        debounce_s=REINDEX_DEBOUNCE_S,
    ),
    "notifications.broadcast": JobType(
        name="notifications.broadcast",
        actor=notifications.broadcast,
        params=BroadcastParams,
        role="admin",
        args=lambda org_id, p: (org_id, p.title, p.body, p.urgency),  # type: ignore[attr-defined]
    ),
}
