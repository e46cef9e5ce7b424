"""secrets at rest: webhook secrets encrypted (with a previous one for rotation), VAPID key table

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 15:45:00.000000

Existing webhook secrets are encrypted here with the first key of ``SECRET_KEYS`` (read
from the environment, or the development key where it is empty; see core/settings/app.py).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from core.crypto import SecretBox
from core.settings import Settings

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _box() -> SecretBox:
    # A caller (tests) may pass the keys; otherwise they are the processes' own settings.
    config = op.get_context().config
    keys = config.attributes.get("secret_keys") if config is not None else None
    return SecretBox(tuple(keys) if keys else Settings.from_env().secret_keys)


def upgrade() -> None:
    op.alter_column(
        "webhook_endpoints",
        "secret",
        existing_type=sa.String(length=100),
        type_=sa.Text(),
        existing_nullable=False,
    )
    op.add_column("webhook_endpoints", sa.Column("previous_secret", sa.Text(), nullable=True))
    op.add_column(
        "webhook_endpoints",
        sa.Column("previous_secret_until", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "platform_secrets",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_platform_secrets")),
    )
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT id, secret FROM webhook_endpoints")).all()
    plain = [r for r in rows if not SecretBox.is_encrypted(r.secret)]
    if plain:
        box = _box()
        conn.execute(
            sa.text("UPDATE webhook_endpoints SET secret = :secret WHERE id = :id"),
            [{"id": r.id, "secret": box.encrypt(r.secret)} for r in plain],
        )


def downgrade() -> None:
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT id, secret FROM webhook_endpoints")).all()
    sealed = [r for r in rows if SecretBox.is_encrypted(r.secret)]
    if sealed:
        box = _box()
        conn.execute(
            sa.text("UPDATE webhook_endpoints SET secret = :secret WHERE id = :id"),
            [{"id": r.id, "secret": box.decrypt(r.secret)} for r in sealed],
        )
    op.drop_table("platform_secrets")
    op.drop_column("webhook_endpoints", "previous_secret_until")
    op.drop_column("webhook_endpoints", "previous_secret")
    op.alter_column(
        "webhook_endpoints",
        "secret",
        existing_type=sa.Text(),
        type_=sa.String(length=100),
        existing_nullable=False,
    )
