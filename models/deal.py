"""Deals."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import BigInteger, CheckConstraint, Date, ForeignKey, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, OrgScoped

STAGES = ("lead", "qualified", "proposal", "negotiation", "won", "lost")


class Deal(OrgScoped, Base):
    """An opportunity moving through the pipeline."""

    __tablename__ = "deals"
    __table_args__ = (
        CheckConstraint(
            "stage IN ('lead', 'qualified', 'proposal', 'negotiation', 'won', 'lost')",
            name="stage",
        ),
    )

    title: Mapped[str] = mapped_column(String(200), nullable=False)
    amount: Mapped[Decimal | None] = mapped_column(Numeric(18, 2))
    currency: Mapped[str] = mapped_column(String(3), nullable=False, default="USD")
    stage: Mapped[str] = mapped_column(String(16), nullable=False, default="lead", index=True)
    close_date: Mapped[date | None] = mapped_column(Date)
    company_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("companies.id", ondelete="SET NULL"), index=True
    )
    contact_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("contacts.id", ondelete="SET NULL"), index=True
    )
