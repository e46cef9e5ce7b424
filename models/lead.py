"""Leads."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, OrgScoped

LEAD_STATUSES = ("new", "contacted", "qualified", "disqualified", "converted")


class Lead(OrgScoped, Base):
    """A prospect not yet qualified into a contact and deal."""

    __tablename__ = "leads"
    __table_args__ = (
        CheckConstraint(
            "status IN ('new', 'contacted', 'qualified', 'disqualified', 'converted')",
            name="status",
        ),
        Index("ix_leads_org_email", "org_id", "email"),  # import upsert key
    )

    name: Mapped[str] = mapped_column(String(200), nullable=False)
    email: Mapped[str | None] = mapped_column(String(320))
    company_name: Mapped[str | None] = mapped_column(String(200))
    source: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="new", index=True)
    score: Mapped[int | None] = mapped_column(Integer)
