"""The audit log: who did what to which target, written in the caller's transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from models import AuditEntry


def record(
    session: Session,
    action: str,
    target: str,
    *,
    org_id: int | None = None,
    user_id: int | None = None,
    **details: Any,
) -> AuditEntry:
    """Add an audit entry to ``session`` (committed with the caller's transaction)."""
    entry = AuditEntry(
        org_id=org_id, user_id=user_id, action=action, target=target, details=details
    )
    session.add(entry)
    return entry
