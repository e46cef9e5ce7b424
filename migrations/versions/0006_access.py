"""access: disabled users, named expiring keys, idempotency keys per API key

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 14:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("users", sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column(
        "api_keys", sa.Column("name", sa.String(length=100), server_default="", nullable=False)
    )
    op.add_column("api_keys", sa.Column("last_used_at", sa.DateTime(timezone=True)))
    op.add_column("api_keys", sa.Column("expires_at", sa.DateTime(timezone=True)))
    # Stored answers were scoped to the org; they are replayed for one API key now. They
    # live a day at most, so the old ones are dropped rather than guessed an owner.
    op.execute("DELETE FROM idempotency_keys")
    op.drop_constraint("pk_idempotency_keys", "idempotency_keys", type_="primary")
    op.add_column("idempotency_keys", sa.Column("api_key_id", sa.BigInteger(), nullable=False))
    op.create_foreign_key(
        op.f("fk_idempotency_keys_api_key_id_api_keys"),
        "idempotency_keys",
        "api_keys",
        ["api_key_id"],
        ["id"],
        ondelete="CASCADE",
    )
    op.create_primary_key(
        "pk_idempotency_keys", "idempotency_keys", ["org_id", "api_key_id", "key"]
    )


def downgrade() -> None:
    op.execute("DELETE FROM idempotency_keys")
    op.drop_constraint("pk_idempotency_keys", "idempotency_keys", type_="primary")
    op.drop_constraint(
        op.f("fk_idempotency_keys_api_key_id_api_keys"), "idempotency_keys", type_="foreignkey"
    )
    op.drop_column("idempotency_keys", "api_key_id")
    op.create_primary_key("pk_idempotency_keys", "idempotency_keys", ["org_id", "key"])
    op.drop_column("api_keys", "expires_at")
    op.drop_column("api_keys", "last_used_at")
    op.drop_column("api_keys", "name")
    op.drop_column("users", "disabled_at")
