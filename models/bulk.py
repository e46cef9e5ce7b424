"""Bulk imports and exports: their records, staged rows, rejections and committed chunks."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, ForeignKey, Index, Integer, String, Text, Uuid, func
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


def _count() -> Mapped[int]:
    return mapped_column(BigInteger, nullable=False, server_default="0")


def _org() -> Mapped[int]:
    return mapped_column(
        BigInteger, ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False
    )


def _user() -> Mapped[int | None]:
    return mapped_column(BigInteger, ForeignKey("users.id", ondelete="SET NULL"))


def _created() -> Mapped[datetime]:
    return mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)


class Import(Base):
    """One upload: what it is, how it is read, and what it did so far."""

    __tablename__ = "imports"
    __table_args__ = (Index("ix_imports_org_created", "org_id", "created_at"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    org_id: Mapped[int] = _org()
    created_by: Mapped[int | None] = _user()
    type: Mapped[str] = mapped_column(String(32), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, server_default="queued")
    filename: Mapped[str] = mapped_column(String(255), nullable=False, server_default="")
    # mapping, key, dry_run, encoding, delimiter, quotechar, format.
    options: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False, server_default="{}")
    rows_read: Mapped[int] = _count()
    created: Mapped[int] = _count()
    updated: Mapped[int] = _count()
    unchanged: Mapped[int] = _count()
    rejected: Mapped[int] = _count()
    job_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = _created()
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ImportRow(Base):
    """A row read and checked, waiting for its chunk's upsert (UNLOGGED: scratch space)."""

    __tablename__ = "import_rows"
    __table_args__ = {"prefixes": ["UNLOGGED"]}

    import_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    row_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)


class ImportRejection(Base):
    """A row not imported: its number in the file, the column at fault and why."""

    __tablename__ = "import_rejections"
    __table_args__ = (Index("ix_import_rejections_import", "import_id", "row_no"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    import_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("imports.id", ondelete="CASCADE"), nullable=False
    )
    row_no: Mapped[int] = mapped_column(Integer, nullable=False)
    column: Mapped[str] = mapped_column(String(200), nullable=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False)


class ImportChunk(Base):
    """A chunk whose upsert committed: a redelivered chunk finds it and changes nothing."""

    __tablename__ = "import_chunks"

    import_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("imports.id", ondelete="CASCADE"), primary_key=True
    )
    chunk_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    created: Mapped[int] = mapped_column(Integer, nullable=False)
    updated: Mapped[int] = mapped_column(Integer, nullable=False)
    unchanged: Mapped[int] = mapped_column(Integer, nullable=False)
    rejected: Mapped[int] = mapped_column(Integer, nullable=False)
    # Ids the chunk wrote that its index job has not indexed yet (NULL once it has).
    ids: Mapped[list[int] | None] = mapped_column(ARRAY(BigInteger))


class Export(Base):
    """One export: its query, format, progress and where its file is."""

    __tablename__ = "exports"
    __table_args__ = (Index("ix_exports_org_created", "org_id", "created_at"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    org_id: Mapped[int] = _org()
    created_by: Mapped[int | None] = _user()
    type: Mapped[str] = mapped_column(String(32), nullable=False)
    format: Mapped[str] = mapped_column(String(8), nullable=False)
    # filters, columns.
    options: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False, server_default="{}")
    status: Mapped[str] = mapped_column(String(16), nullable=False, server_default="queued")
    rows: Mapped[int] = _count()
    job_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = _created()
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
