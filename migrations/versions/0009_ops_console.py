"""ops console: job attempts with tracebacks, schedule fires, jobs explorer indexes

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 15:45:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "job_attempts",
        sa.Column("job_id", sa.Uuid(), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("worker", sa.String(length=80), nullable=True),
        sa.Column(
            "started_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("traceback", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["job_id"], ["jobs.id"], name=op.f("fk_job_attempts_job_id_jobs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("job_id", "attempt", name=op.f("pk_job_attempts")),
    )
    op.create_index(
        "ix_job_attempts_worker_open",
        "job_attempts",
        ["worker"],
        postgresql_where=sa.text("finished_at IS NULL"),
    )
    op.create_table(
        "schedule_fires",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("schedule_id", sa.String(length=64), nullable=False),
        sa.Column("fired_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("trigger", sa.String(length=16), nullable=False),
        sa.Column("staged", sa.Integer(), nullable=False),
        sa.Column("skipped", sa.Integer(), nullable=False),
        sa.Column("job_ids", postgresql.ARRAY(sa.Uuid()), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_schedule_fires")),
    )
    op.create_index("ix_schedule_fires_schedule", "schedule_fires", ["schedule_id", "fired_at"])
    op.create_index(
        "uq_schedule_fires_period",
        "schedule_fires",
        ["schedule_id", "fired_at", "trigger"],
        unique=True,
    )
    # The jobs explorer: newest first, alone or under one equality filter (org has its own).
    op.create_index("ix_jobs_created", "jobs", ["created_at", "id"])
    op.create_index("ix_jobs_status_created", "jobs", ["status", "created_at", "id"])
    op.create_index("ix_jobs_type_created", "jobs", ["type", "created_at", "id"])
    op.create_index("ix_jobs_queue_created", "jobs", ["queue", "created_at", "id"])
    op.create_index(
        "ix_jobs_schedule_created",
        "jobs",
        ["schedule_id", "created_at"],
        postgresql_where=sa.text("schedule_id IS NOT NULL"),
    )
    op.create_index(
        "ix_jobs_error_trgm",
        "jobs",
        ["error"],
        postgresql_using="gin",
        postgresql_ops={"error": "gin_trgm_ops"},
    )


def downgrade() -> None:
    for name in (
        "ix_jobs_schedule_created",
        "ix_jobs_error_trgm",
        "ix_jobs_queue_created",
        "ix_jobs_type_created",
        "ix_jobs_status_created",
        "ix_jobs_created",
    ):
        op.drop_index(name, table_name="jobs")
    op.drop_table("schedule_fires")
    op.drop_table("job_attempts")
