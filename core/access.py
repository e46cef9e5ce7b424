"""Changes to users and API keys, shared by the API and the CLI, each written to the audit log.

Creations are made by the caller (the API checks roles, the CLI creates orgs) and audited
here, so an entry reads the same whichever door the change came through.

The rules that keep the platform manageable live here: the last enabled admin of an org
cannot be demoted or disabled (:class:`LastAdmin`), nor can the last enabled operator of
the whole platform (:class:`LastOperator`): without one, no API key could reach another
org's users, the ops console or the dead letters until someone ran ``flask users
set-role`` on the server.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from core.ops import audit
from models import ApiKey, User


def email_is(email: str) -> ColumnElement[bool]:
    """The condition on ``User`` that ``email`` matches, case ignored as the unique index does.

    An email is unique within an org only (``uq_users_org_id_email``): add the org.
    """
    return func.lower(User.email) == func.lower(email)


class LastAdmin(Exception):
    """The change would leave an organization without an enabled admin."""


class LastOperator(LastAdmin):
    """The change would leave the platform without an enabled operator."""


def guard_last_admin(session: Session, user: User, *, role: str, disabled: bool) -> None:
    """Raise :class:`LastAdmin` if ``user`` is the last enabled admin of its org (or
    :class:`LastOperator` if the last enabled operator of all orgs) and would stop being one."""
    if user.role not in ("admin", "operator") or user.disabled_at is not None:
        return
    if role == user.role and not disabled:
        return
    # Lock the enabled holders of the role, so two of them demoting each other at once cannot
    # both pass this check. Admins count per org, operators across every org.
    holders = select(User.id).where(User.role == user.role, User.disabled_at.is_(None))
    if user.role == "admin":
        holders = holders.where(User.org_id == user.org_id)
    if set(session.scalars(holders.with_for_update())) - {user.id}:
        return
    if user.role == "operator":
        raise LastOperator("the last operator cannot be demoted or disabled")
    raise LastAdmin("the last admin of an organization cannot be demoted or disabled")


def change_user(
    session: Session,
    user: User,
    *,
    role: str | None = None,
    disabled: bool | None = None,
    actor_id: int | None = None,
) -> dict[str, Any]:
    """Set ``user``'s role and/or disabled state; the changes made (audited), or ``{}``."""
    new_role = role if role is not None else user.role
    now_disabled = user.disabled_at is not None
    new_disabled = disabled if disabled is not None else now_disabled
    guard_last_admin(session, user, role=new_role, disabled=new_disabled)
    changes: dict[str, Any] = {}
    if new_role != user.role:
        changes["role"] = [user.role, new_role]
        user.role = new_role
    if new_disabled != now_disabled:
        changes["disabled"] = new_disabled
        user.disabled_at = datetime.now(UTC) if new_disabled else None
    if changes:
        audit.record(
            session, "user.update", f"user:{user.id}", org_id=user.org_id, user_id=actor_id,
            **changes,
        )  # fmt: skip
        session.flush()
    return changes


def user_created(session: Session, user: User, *, actor_id: int | None = None) -> None:
    """Audit a new user (flushed, so it has an id), in its org."""
    audit.record(
        session, "user.create", f"user:{user.id}", org_id=user.org_id, user_id=actor_id,
        email=user.email, role=user.role,
    )  # fmt: skip


def key_created(session: Session, key: ApiKey, owner: User, *, actor_id: int | None = None) -> None:
    """Audit a new API key (flushed) of ``owner``, in the owner's org; never the key itself."""
    audit.record(
        session, "key.create", f"api_key:{key.id}", org_id=owner.org_id, user_id=actor_id,
        owner_id=owner.id, name=key.name, prefix=key.prefix,
    )  # fmt: skip


def revoke_key(session: Session, key: ApiKey, *, actor_id: int | None = None) -> bool:
    """Revoke ``key`` from its next request; False if it was revoked already."""
    if key.revoked_at is not None:
        return False
    key.revoked_at = datetime.now(UTC)
    owner = session.get(User, key.user_id)
    audit.record(
        session, "key.revoke", f"api_key:{key.id}",
        org_id=owner.org_id if owner else None, user_id=actor_id, prefix=key.prefix,
    )  # fmt: skip
    session.flush()
    return True
