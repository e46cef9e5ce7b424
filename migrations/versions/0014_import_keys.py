"""import_keys and imports.chunks_staged: the split stages and commits chunk by chunk

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 23:00:00.000000

The split used to stage a whole file in one transaction and only then decide which rows
repeat an earlier row's key (a window over every staged row). It now commits each chunk's
staged rows with the chunk's job, so upserts run while the file is still being read.
``import_keys`` holds the first row of every key the split has staged so far (UNLOGGED,
scratch space like ``import_rows``; byte-wise ``C`` collation: the same groups as the
database's deterministic collation, compared with ``memcmp``); ``imports.chunks_staged``
counts the chunks committed, so a redelivered split resumes after them and two deliveries
never stage one chunk twice. The staging table's planner statistics are refreshed with every
chunk from a smaller sample (statistics target 10: 3,000 rows). See
docs/decisions/0037-import-split-overlaps-the-chunks.md.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "import_keys",
        sa.Column("import_id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.Text(collation="C"), nullable=False),
        sa.Column("row_no", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("import_id", "key", name=op.f("pk_import_keys")),
        prefixes=["UNLOGGED"],
    )
    op.add_column(
        "imports", sa.Column("chunks_staged", sa.Integer(), server_default="0", nullable=False)
    )
    op.execute(
        "ALTER TABLE import_rows ALTER COLUMN import_id SET STATISTICS 10,"
        " ALTER COLUMN row_no SET STATISTICS 10"
    )


def downgrade() -> None:
    op.execute(
        "ALTER TABLE import_rows ALTER COLUMN import_id SET STATISTICS -1,"
        " ALTER COLUMN row_no SET STATISTICS -1"
    )
    op.drop_column("imports", "chunks_staged")
    op.drop_table("import_keys")
