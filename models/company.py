"""Companies."""

from __future__ import annotations

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, OrgScoped


class Company(OrgScoped, Base):
    """A company the org sells to."""

    __tablename__ = "companies"
    __table_args__ = (Index("ix_companies_org_domain", "org_id", "domain"),)  # import upsert key

    name: Mapped[str] = mapped_column(String(200), nullable=False)
    domain: Mapped[str | None] = mapped_column(String(253))
    industry: Mapped[str | None] = mapped_column(String(100))
    size: Mapped[str | None] = mapped_column(String(50))
    city: Mapped[str | None] = mapped_column(String(100))
    country: Mapped[str | None] = mapped_column(String(100))
