"""Job batches: a group of jobs whose callback runs once when every member is final.

The batch is itself a row of ``jobs`` (type ``batch``, never sent to the broker); this
table holds its counters, which triggers on ``jobs`` keep in the same transaction as each
member's status (migrations/versions/0010_batches_imports.py).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, ForeignKey, Integer, Uuid, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


def _count() -> Mapped[int]:
    return mapped_column(Integer, nullable=False, server_default="0")


class JobBatch(Base):
    """A batch's counters (pending, succeeded, failed or dead, canceled) and its callback."""

    __tablename__ = "job_batches"

    id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True
    )
    total: Mapped[int] = _count()
    pending: Mapped[int] = _count()
    succeeded: Mapped[int] = _count()
    failed: Mapped[int] = _count()
    canceled: Mapped[int] = _count()
    # The callback's job row (id, type, actor, queue, params, message), staged on completion.
    callback: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    fired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )
