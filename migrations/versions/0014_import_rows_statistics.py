"""import_rows: statistics target 10 on the columns the chunks' ranges are planned from

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 23:20:00.000000

The split ANALYZEs ``import_rows (import_id, row_no)`` before its chunks run (decision
0022); at the default target (100) that samples 30,000 rows of a table that holds a whole
million-row file, at 10 it samples 3,000. See docs/decisions/0037-import-split-measured.md.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        "ALTER TABLE import_rows ALTER COLUMN import_id SET STATISTICS 10,"
        " ALTER COLUMN row_no SET STATISTICS 10"
    )


def downgrade() -> None:
    op.execute(
        "ALTER TABLE import_rows ALTER COLUMN import_id SET STATISTICS -1,"
        " ALTER COLUMN row_no SET STATISTICS -1"
    )
