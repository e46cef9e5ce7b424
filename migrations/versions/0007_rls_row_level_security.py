"""row-level security: an org's transactions see only its rows of the CRM, job,
notification and webhook tables

Revision ID: 0007_rls
Revises: 0007
Create Date: 2026-12-04 16:00:00.000000

Requests and jobs that act for one org run their transactions as the role
``saleshub_org`` with ``app.org_id`` set (``models.db.scope_to_org``); the policies below
apply to that role. The connecting role owns the tables and is not subject to them:
platform-wide work (operators, the relay, the ledger, maintenance, migrations) keeps it.
Creating the role needs CREATEROLE; where the app's user has none, a DBA creates
``saleshub_org`` (NOLOGIN) and grants it to the app's user first, and this skips both.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007_rls"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROLE = "saleshub_org"
# Every table of these kinds that carries org_id.
TABLES = (
    "companies",
    "contacts",
    "deals",
    "leads",
    "activities",
    "jobs",
    "notifications",
    "webhook_endpoints",
)
CREATE_ROLE = """
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'saleshub_org') THEN
    CREATE ROLE saleshub_org NOLOGIN NOINHERIT NOBYPASSRLS;
  END IF;
  IF NOT pg_has_role(current_user, 'saleshub_org', 'MEMBER') THEN
    EXECUTE format('GRANT saleshub_org TO %I', current_user);
  END IF;
END $$
"""
ORG = "org_id = nullif(current_setting('app.org_id', true), '')::bigint"


def upgrade() -> None:
    op.execute(CREATE_ROLE)
    op.execute(f"GRANT USAGE ON SCHEMA public TO {ROLE}")
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {ROLE}")
    op.execute(f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {ROLE}")
    # Tables added later are granted too: a forgotten grant would fail every request.
    op.execute(
        "ALTER DEFAULT PRIVILEGES IN SCHEMA public"
        f" GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {ROLE}"
    )
    op.execute(
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO {ROLE}"
    )
    for table in TABLES:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(
            f"CREATE POLICY org_isolation ON {table} TO {ROLE} USING ({ORG}) WITH CHECK ({ORG})"
        )


def downgrade() -> None:
    for table in TABLES:
        op.execute(f"DROP POLICY IF EXISTS org_isolation ON {table}")
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
    op.execute(
        "ALTER DEFAULT PRIVILEGES IN SCHEMA public"
        f" REVOKE SELECT, INSERT, UPDATE, DELETE ON TABLES FROM {ROLE}"
    )
    op.execute(
        "ALTER DEFAULT PRIVILEGES IN SCHEMA public"
        f" REVOKE USAGE, SELECT, UPDATE ON SEQUENCES FROM {ROLE}"
    )
    op.execute(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {ROLE}")
    op.execute(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {ROLE}")
    op.execute(f"REVOKE USAGE ON SCHEMA public FROM {ROLE}")
    # The role is the cluster's (other databases may use it): it stays.
