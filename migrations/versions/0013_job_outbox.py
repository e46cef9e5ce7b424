"""job_outbox: the relay's queue of staged jobs, so its stamp of ``jobs`` can be a HOT update

Revision ID: 0013
Revises: 0011
Create Date: 2026-12-06 05:30:00.000000

The relay found staged jobs through the partial index ``ix_jobs_undispatched`` (``WHERE
dispatched_at IS NULL AND status = 'queued'``). Because that predicate names
``dispatched_at``, the relay's stamp could never be a heap-only (HOT) update: every stamp
wrote a new entry into each of the table's indexes, and that was most of the relay's cost.
Now a narrow ``job_outbox`` row (the job's id and when it is due) stands for each staged
job; triggers keep it (any insert, or an update that makes a job staged again: a retry
from the explorer, a dead letter queued again); the relay claims and deletes those rows,
and its stamp of ``jobs`` touches no indexed column. ``jobs`` gets ``fillfactor = 50`` so
the stamp's new row version fits on its page (HOT needs the room). See
docs/decisions/0034-job-outbox-table.md.

``fillfactor`` applies to pages written from now on; on an existing installation the old
pages keep their packing until the table is rewritten (``VACUUM FULL jobs``), which only
makes the stamps of their few staged rows non-HOT as before.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STAGED = "dispatched_at IS NULL AND status = 'queued'"

_INSERTED = f"""
CREATE FUNCTION saleshub_jobs_outbox_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO job_outbox (job_id, due_at)
  SELECT id, greatest(created_at, coalesce(run_after, created_at)) FROM new_rows
   WHERE {STAGED}
  ON CONFLICT (job_id) DO UPDATE SET due_at = EXCLUDED.due_at;
  RETURN NULL;
END $$
"""  # noqa: S608  # nosec B608  # constants only, no input

_STAGED_AGAIN = """
CREATE FUNCTION saleshub_jobs_outbox_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO job_outbox (job_id, due_at)
  VALUES (NEW.id, greatest(now(), coalesce(NEW.run_after, now())))
  ON CONFLICT (job_id) DO UPDATE SET due_at = EXCLUDED.due_at;
  RETURN NULL;
END $$
"""

_BACKFILL = f"""
INSERT INTO job_outbox (job_id, due_at)
SELECT id, greatest(created_at, coalesce(run_after, created_at)) FROM jobs WHERE {STAGED}
"""  # noqa: S608  # nosec B608  # constants only, no input


def upgrade() -> None:
    op.create_table(
        "job_outbox",
        sa.Column("job_id", sa.Uuid(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["job_id"], ["jobs.id"], name=op.f("fk_job_outbox_job_id_jobs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("job_id", name=op.f("pk_job_outbox")),
    )
    op.create_index("ix_job_outbox_due", "job_outbox", ["due_at"], unique=False)
    op.execute(_INSERTED)
    op.execute(_STAGED_AGAIN)
    # The insert trigger reads the statement's transition table, which the batch counters'
    # trigger (0010) already has PostgreSQL build; the update one fires only for a row that
    # becomes staged (the WHEN is checked without calling the function).
    op.execute(
        "CREATE TRIGGER jobs_outbox_insert AFTER INSERT ON jobs REFERENCING NEW TABLE AS new_rows"
        " FOR EACH STATEMENT EXECUTE FUNCTION saleshub_jobs_outbox_insert()"
    )
    op.execute(
        "CREATE TRIGGER jobs_outbox_update AFTER UPDATE OF dispatched_at, status, run_after"
        f" ON jobs FOR EACH ROW WHEN (NEW.{STAGED.replace(' AND ', ' AND NEW.')})"
        " EXECUTE FUNCTION saleshub_jobs_outbox_update()"
    )
    op.execute(_BACKFILL)
    op.drop_index(
        "ix_jobs_undispatched",
        table_name="jobs",
        postgresql_where=sa.text(STAGED),
    )
    op.execute("ALTER TABLE jobs SET (fillfactor = 50)")


def downgrade() -> None:
    op.execute("ALTER TABLE jobs RESET (fillfactor)")
    op.create_index(
        "ix_jobs_undispatched",
        "jobs",
        ["created_at"],
        unique=False,
        postgresql_where=sa.text(STAGED),
    )
    op.execute("DROP TRIGGER jobs_outbox_update ON jobs")
    op.execute("DROP TRIGGER jobs_outbox_insert ON jobs")
    op.execute("DROP FUNCTION saleshub_jobs_outbox_update()")
    op.execute("DROP FUNCTION saleshub_jobs_outbox_insert()")
    op.drop_index("ix_job_outbox_due", table_name="job_outbox")
    op.drop_table("job_outbox")
