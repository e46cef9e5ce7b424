"""The job types clients may start through ``POST /api/v1/jobs``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from dramatiq import Actor
from pydantic import BaseModel, ConfigDict

from jobs import analytics

# Every type in the public contract; those not in JOB_TYPES are not available yet.
CONTRACT_TYPES = (
    "search.reindex",
    "cache.warm",
    "cache.invalidate",
    "analytics.rollup",
    "notifications.broadcast",
)


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
    """

    name: str
    actor: Actor[Any, Any]
    params: type[BaseModel]
    role: str
    args: Callable[[int, BaseModel], tuple[Any, ...]]


JOB_TYPES: dict[str, JobType] = {
    "analytics.rollup": JobType(
        name="analytics.rollup",
        actor=analytics.rollup,
        params=NoParams,
        role="member",
        args=lambda org_id, _params: (org_id,),
    ),
}
