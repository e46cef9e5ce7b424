"""The search index: one document per company, contact, deal and lead, its vocabulary,
and the rolled-up search analytics."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Sequence,
    SmallInteger,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base

SEARCH_TYPES = ("company", "contact", "deal", "lead")
# Taken before a writer reads its sources, so a higher version has seen every write that
# committed before a lower one was taken (see docs/decisions/0004-search-pipeline.md).
DOC_VERSION = Sequence("search_doc_version", metadata=Base.metadata)
TERM_SEQ = Sequence("search_term_seq", metadata=Base.metadata)


class SearchDocument(Base):
    """One searchable record, denormalized (a contact carries its company's name).

    ``tsv`` is written by the indexer from the same tokens Python queries with; a deleted
    record leaves a tombstone (``deleted``, empty ``tsv``) so a late, stale write cannot
    bring it back.
    """

    __tablename__ = "search_documents"
    __table_args__ = (
        CheckConstraint(
            "entity_type IN ('company', 'contact', 'deal', 'lead')", name="entity_type"
        ),
        Index("ix_search_documents_tsv", "tsv", postgresql_using="gin"),
        Index("ix_search_documents_title_key", "org_id", "title_key"),
        Index(
            "ix_search_documents_company",
            "org_id",
            "company_id",
            postgresql_where=text("company_id IS NOT NULL"),
        ),
        Index(
            "ix_search_documents_contact",
            "org_id",
            "contact_id",
            postgresql_where=text("contact_id IS NOT NULL"),
        ),
    )

    org_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True
    )
    entity_type: Mapped[str] = mapped_column(String(16), primary_key=True)
    entity_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, nullable=False)
    deleted: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    title: Mapped[str] = mapped_column(Text, nullable=False)
    subtitle: Mapped[str | None] = mapped_column(Text)
    # Normalized title, "C" collation: prefix lookups as you type use the btree.
    title_key: Mapped[str] = mapped_column(Text(collation="C"), nullable=False)
    # Normalized tokens per field, "field tok tok\nfield tok": what re-ranking reads.
    keys: Mapped[str] = mapped_column(Text, nullable=False)
    # Raw field values, for highlight offsets.
    fields: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    tsv: Mapped[Any] = mapped_column(TSVECTOR, nullable=False)
    owner_id: Mapped[int | None] = mapped_column(BigInteger)
    stage: Mapped[str | None] = mapped_column(String(16))
    status: Mapped[str | None] = mapped_column(String(16))
    company_id: Mapped[int | None] = mapped_column(BigInteger)
    contact_id: Mapped[int | None] = mapped_column(BigInteger)
    source_updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    indexed_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )


class SearchTerm(Base):
    """A word of an org's index and how many documents hold it: the typo vocabulary."""

    __tablename__ = "search_terms"
    __table_args__ = (
        Index("ix_search_terms_org_seq", "org_id", "seq"),
        Index(
            "ix_search_terms_trgm",
            "term",
            postgresql_using="gin",
            postgresql_ops={"term": "gin_trgm_ops"},
        ),
    )

    org_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True
    )
    term: Mapped[str] = mapped_column(Text(collation="C"), primary_key=True)
    doc_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # Grows with each new term: caches load only what is newer than what they hold.
    seq: Mapped[int] = mapped_column(
        BigInteger, server_default=text("nextval('search_term_seq')"), nullable=False
    )


class SearchQueryStat(Base):
    """Searches of one normalized query text per org and day."""

    __tablename__ = "search_query_stats"

    org_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True
    )
    query: Mapped[str] = mapped_column(Text(collation="C"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    zero_results: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    last_results: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class SearchLatency(Base):
    """A latency histogram per org and day: searches per bucket (``core.search.query_stats``)."""

    __tablename__ = "search_latency"

    org_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    bucket: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
