"""Contacts."""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, OrgScoped


class Contact(OrgScoped, Base):
    """A person at a company."""

    __tablename__ = "contacts"
    # Two btrees fewer to write per inserted contact (docs/decisions/0040, migration 0015):
    # ``(org_id, email)`` serves every ``org_id`` lookup too, so ``org_id`` has no index of its
    # own (every insert of an org's import went to the same hot leaf of one), and the
    # ``company_id`` index, which the foreign key's ON DELETE SET NULL and "contacts of this
    # company" read, leaves out the contacts without a company.
    __table_args__ = (
        Index("ix_contacts_org_email", "org_id", "email"),  # import upsert key
        Index("ix_contacts_company_id", "company_id",
              postgresql_where=text("company_id IS NOT NULL")),
    )  # fmt: skip

    org_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False
    )

    first_name: Mapped[str] = mapped_column(String(100), nullable=False)
    last_name: Mapped[str | None] = mapped_column(String(100))
    email: Mapped[str | None] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(50))
    title: Mapped[str | None] = mapped_column(String(200))
    company_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("companies.id", ondelete="SET NULL")
    )
