"""Test data: an org with one user per role, and their keys."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

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
