"""Activities: notes, calls, emails, meetings and tasks linked to CRM records."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, OrgScoped

ACTIVITY_KINDS = ("note", "call", "email", "meeting", "task")


def _link(table: str) -> Mapped[int | None]:
    return mapped_column(BigInteger, ForeignKey(f"{table}.id", ondelete="SET NULL"), index=True)


class Activity(OrgScoped, Base):
    """Something that happened, or is to happen, with a customer."""

    __tablename__ = "activities"
    __table_args__ = (
        CheckConstraint("kind IN ('note', 'call', 'email', 'meeting', 'task')", name="kind"),
        Index(
            "ix_activities_open_tasks_due",
            "due_at",
            "id",
            postgresql_where=text("kind = 'task' AND NOT done"),
        ),
    )

    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    subject: Mapped[str] = mapped_column(String(300), nullable=False)
    body: Mapped[str | None] = mapped_column(Text)
    due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    done: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    # The due time the owner was told about; another due time (rescheduled) is told again.
    due_notified_for: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    contact_id: Mapped[int | None] = _link("contacts")
    company_id: Mapped[int | None] = _link("companies")
    deal_id: Mapped[int | None] = _link("deals")
    lead_id: Mapped[int | None] = _link("leads")
