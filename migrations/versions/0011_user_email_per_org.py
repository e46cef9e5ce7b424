"""users: an email is unique within its organization, compared without case

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 16:30:00.000000

A platform-wide unique email told an org's admin that an address was registered in some
other org (the 409 of ``POST /api/v1/users``). The unique index on ``(org_id,
lower(email))`` replaces it; it leads with ``org_id``, so it also serves what
``ix_users_org_id`` served (an org's users, the cascade from ``organizations``), and that
index goes. See docs/decisions/0023-access-gaps-closed.md.

Both directions check the data first and refuse with the count and the query that lists
the rows, rather than let ``CREATE UNIQUE INDEX`` fail on the first duplicate it meets.
"""

from collections.abc import Sequence

from alembic import op
from sqlalchemy import text

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Emails used twice in one org once case is ignored ("A@x.test" and "a@x.test").
SAME_ORG = "SELECT org_id, lower(email) FROM users GROUP BY 1, 2 HAVING count(*) > 1"
# Emails used in several orgs: the global constraint of 0010 and before cannot hold them.
ACROSS_ORGS = "SELECT email FROM users GROUP BY email HAVING count(*) > 1"


class DuplicateEmails(RuntimeError):
    """The users table holds emails the target schema's unique constraint cannot."""


def _refuse_if_any(query: str, what: str) -> None:
    found = len(op.get_bind().execute(text(query)).all())
    if found:
        raise DuplicateEmails(
            f"{found} {what}; nothing was changed. Rename or delete those users first"
            f" (to list them: {query})"
        )


def upgrade() -> None:
    _refuse_if_any(SAME_ORG, "email address(es) are used twice in one organization (ignoring case)")
    op.drop_constraint("uq_users_email", "users", type_="unique")
    op.drop_index("ix_users_org_id", table_name="users")
    op.create_index("uq_users_org_id_email", "users", ["org_id", text("lower(email)")], unique=True)


def downgrade() -> None:
    _refuse_if_any(
        ACROSS_ORGS,
        "email address(es) belong to users of several organizations, and before 0011 an"
        " email was unique across the platform",
    )
    op.drop_index("uq_users_org_id_email", table_name="users")
    op.create_index("ix_users_org_id", "users", ["org_id"], unique=False)
    op.create_unique_constraint("uq_users_email", "users", ["email"])
