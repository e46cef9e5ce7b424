"""Test data: an org with one user per role, and their keys."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from dramatiq import Actor
from sqlalchemy.orm import Session

from core.queueing.outbox import stage
from models import Organization, User
from web.auth import mint_key


@dataclass(frozen=True)
class Tenant:
    org_id: int
    member: str
    admin: str
    operator: str
    member_id: int


def make_tenant(session: Session, name: str) -> Tenant:
    org = Organization(name=name)
    session.add(org)
    session.flush()
    keys: dict[str, str] = {}
    ids: dict[str, int] = {}
    slug = name.lower().replace(" ", "-")
    for role in ("member", "admin", "operator"):
        user = User(org_id=org.id, email=f"{role}@{slug}.test", role=role)
        session.add(user)
        session.flush()
        keys[role] = mint_key(session, user)
        ids[role] = user.id
    return Tenant(org_id=org.id, member_id=ids["member"], **keys)


def stage_id(session: Session, actor: Actor[Any, Any], **kwargs: Any) -> uuid.UUID:
    """:func:`core.queueing.outbox.stage` for a job that is staged (not a duplicate)."""
    job_id = stage(session, actor, **kwargs)
    assert job_id is not None
    return job_id
