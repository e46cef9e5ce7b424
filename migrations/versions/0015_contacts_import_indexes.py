"""contacts: no index on org_id alone; the company_id index only for contacts with a company

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 01:30:00.000000

Every imported contact wrote four btrees. ``ix_contacts_org_id`` repeats the first column of
``ix_contacts_org_email`` (which answers every ``org_id = …`` lookup), and every row of one
org's import went to the same leaf of it, as every contact without a company did to the NULL
end of ``ix_contacts_company_id``. The latter is now partial: ``company_id = …`` (the
foreign key's ON DELETE SET NULL, "contacts of this company") implies ``IS NOT NULL``, so
it still uses it. See docs/decisions/0040-import-chunks-write-less.md.

Built without CONCURRENTLY, like the migrations before it: run it when the table may be
locked for the time of one index build.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_contacts_org_id", table_name="contacts")
    op.drop_index("ix_contacts_company_id", table_name="contacts")
    op.create_index("ix_contacts_company_id", "contacts", ["company_id"],
                    postgresql_where=sa.text("company_id IS NOT NULL"))  # fmt: skip


def downgrade() -> None:
    op.drop_index("ix_contacts_company_id", table_name="contacts")
    op.create_index("ix_contacts_company_id", "contacts", ["company_id"])
    op.create_index("ix_contacts_org_id", "contacts", ["org_id"])
