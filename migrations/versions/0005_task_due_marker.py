"""tasks: the due time last notified, so the tasks-due sweep pages past notified tasks

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "activities", sa.Column("due_notified_for", sa.DateTime(timezone=True), nullable=True)
    )
    op.create_index(
        "ix_activities_open_tasks_due",
        "activities",
        ["due_at", "id"],
        postgresql_where=sa.text("kind = 'task' AND NOT done"),
    )


def downgrade() -> None:
    op.drop_index("ix_activities_open_tasks_due", table_name="activities")
    op.drop_column("activities", "due_notified_for")
