"""The outbox triggers wake the relay: NOTIFY from the trigger, not a statement of its own

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 14:20:00.000000

Every transaction that staged a job sent ``SELECT pg_notify('saleshub_outbox', '')`` after
its insert: one more round trip on every write that causes a job, and on every ``POST
/jobs``. The triggers that put a staged row in ``job_outbox`` (0013) now send it: NOTIFY
is transactional, delivered at commit and folded into one per transaction, exactly as the
statement was. See docs/decisions/0047-admission-reuse-trigger-notify-stage-many.md.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STAGED = "dispatched_at IS NULL AND status = 'queued'"
CHANNEL = "saleshub_outbox"  # core.queueing.outbox.NOTIFY_CHANNEL

_INSERTED = """
CREATE OR REPLACE FUNCTION saleshub_jobs_outbox_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO job_outbox (job_id, due_at)
  SELECT id, greatest(created_at, coalesce(run_after, created_at)) FROM new_rows
   WHERE {staged}
  ON CONFLICT (job_id) DO UPDATE SET due_at = EXCLUDED.due_at;
  {notify}
  RETURN NULL;
END $$
"""

_STAGED_AGAIN = """
CREATE OR REPLACE FUNCTION saleshub_jobs_outbox_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO job_outbox (job_id, due_at)
  VALUES (NEW.id, greatest(now(), coalesce(NEW.run_after, now())))
  ON CONFLICT (job_id) DO UPDATE SET due_at = EXCLUDED.due_at;
  {notify}
  RETURN NULL;
END $$
"""

_NOTIFY = f"PERFORM pg_notify('{CHANNEL}', '');"
_NOTIFY_IF_STAGED = f"IF FOUND THEN {_NOTIFY} END IF;"


def upgrade() -> None:
    op.execute(_INSERTED.format(staged=STAGED, notify=_NOTIFY_IF_STAGED))
    op.execute(_STAGED_AGAIN.format(notify=_NOTIFY))


def downgrade() -> None:
    op.execute(_INSERTED.format(staged=STAGED, notify=""))
    op.execute(_STAGED_AGAIN.format(notify=""))
