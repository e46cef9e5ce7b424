"""The record of periodic-job fires: when each schedule fired, how, and which jobs it staged."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Index, Integer, String, Uuid, func
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class ScheduleFire(Base):
    """One fire of a schedule (by its timer or an operator's "run now").

    ``job_ids`` lists the jobs it staged (their statuses are the fire's outcome); a fire
    that staged nothing was skipped because the previous run was still going, or because
    another scheduler already fired that period.
    """

    __tablename__ = "schedule_fires"
    __table_args__ = (
        Index("ix_schedule_fires_schedule", "schedule_id", "fired_at"),
        Index("uq_schedule_fires_period", "schedule_id", "fired_at", "trigger", unique=True),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    schedule_id: Mapped[str] = mapped_column(String(64), nullable=False)
    fired_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    trigger: Mapped[str] = mapped_column(String(16), nullable=False)
    staged: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    skipped: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    job_ids: Mapped[list[uuid.UUID]] = mapped_column(ARRAY(Uuid), nullable=False, default=list)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )
