"""jobs: a uniqueness key (one queued, never-started job per key) and a debounce time;
webhook endpoints: a circuit breaker (consecutive failures, paused until)

Revision ID: 0008
Revises: 0007_rls
Create Date: 2026-12-04 16:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007_rls"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("jobs", sa.Column("unique_key", sa.String(200), nullable=True))
    op.add_column("jobs", sa.Column("run_after", sa.DateTime(timezone=True), nullable=True))
    op.create_index(
        "uq_jobs_unique_queued",
        "jobs",
        ["unique_key"],
        unique=True,
        postgresql_where=sa.text("status = 'queued' AND attempts = 0 AND unique_key IS NOT NULL"),
    )

    op.add_column(
        "webhook_endpoints",
        sa.Column("consecutive_failures", sa.Integer(), nullable=False, server_default="0"),
    )
    op.add_column(
        "webhook_endpoints", sa.Column("paused_until", sa.DateTime(timezone=True), nullable=True)
    )


def downgrade() -> None:
    op.drop_column("webhook_endpoints", "paused_until")
    op.drop_column("webhook_endpoints", "consecutive_failures")
    op.drop_index("uq_jobs_unique_queued", table_name="jobs")
    op.drop_column("jobs", "run_after")
    op.drop_column("jobs", "unique_key")
