"""batches (counters kept by triggers on jobs), imports, exports

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 15:45:00.000000

A batch's counters move in the same transaction as each member's status, whatever writes
it (the ledger's group-commit flush, a failure, a dead job, a cancel, a requeue): two
statement-level triggers on ``jobs`` sum the status changes per batch from the statement's
transition tables and apply them to ``job_batches`` (locked in id order, so two
statements never deadlock on them). The statement that takes a batch's pending count to
zero stages the batch's callback in the outbox (an INSERT into ``jobs`` and a NOTIFY) and
finishes the batch's own row: exactly once, because ``fired_at`` is set under the row lock.
See docs/decisions/0014-batches-and-imports.md.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_APPLY = """
CREATE FUNCTION saleshub_batch_apply(ids uuid[], dp int[], ds int[], df int[], dc int[])
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  r record;
  parent record;
BEGIN
  IF ids IS NULL OR cardinality(ids) = 0 THEN
    RETURN;
  END IF;
  -- Lock in id order: concurrent statements touching the same batches never deadlock.
  PERFORM 1 FROM job_batches WHERE id = ANY(ids) ORDER BY id FOR UPDATE;
  UPDATE job_batches b
     SET pending = b.pending + d.dp, succeeded = b.succeeded + d.ds,
         failed = b.failed + d.df, canceled = b.canceled + d.dc,
         total = b.total + d.dp + d.ds + d.df + d.dc, updated_at = now()
    FROM unnest(ids, dp, ds, df, dc) AS d(id, dp, ds, df, dc)
   WHERE b.id = d.id;
  FOR r IN SELECT * FROM job_batches
            WHERE id = ANY(ids) AND pending = 0 AND fired_at IS NULL ORDER BY id LOOP
    UPDATE job_batches SET fired_at = now() WHERE id = r.id;
    SELECT org_id, created_by, batch_id INTO parent FROM jobs WHERE id = r.id;
    IF r.callback IS NOT NULL THEN
      -- The callback belongs to the batch's own parent, so a parent waits for it too.
      INSERT INTO jobs (id, org_id, type, actor, queue, params, message, status, attempts,
                        completed_attempts, progress, created_by, batch_id)
      VALUES ((r.callback->>'id')::uuid, parent.org_id, r.callback->>'type',
              r.callback->>'actor', r.callback->>'queue',
              coalesce(r.callback->'params', '{}'::jsonb), r.callback->'message', 'queued',
              0, 0, 0, parent.created_by, parent.batch_id)
      ON CONFLICT (id) DO NOTHING;
      PERFORM pg_notify('saleshub_outbox', '');
    END IF;
    UPDATE jobs
       SET status = CASE WHEN r.failed > 0 THEN 'failed'
                         WHEN r.canceled > 0 AND r.succeeded = 0 THEN 'canceled'
                         ELSE 'succeeded' END,
           progress = 100, finished_at = now(), updated_at = now(),
           result = jsonb_build_object('total', r.total, 'succeeded', r.succeeded,
                                       'failed', r.failed, 'canceled', r.canceled)
     WHERE id = r.id AND status IN ('queued', 'running');
  END LOOP;
END $$;
"""

# Buckets: pending (queued, running), succeeded, failed (failed, dead), canceled.
_BUCKETS = """
  (status IN ('queued', 'running'))::int AS p, (status = 'succeeded')::int AS s,
  (status IN ('failed', 'dead'))::int AS f, (status = 'canceled')::int AS c
"""

_ON_INSERT = f"""
CREATE FUNCTION saleshub_jobs_batch_insert() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE v_ids uuid[]; v_p int[]; v_s int[]; v_f int[]; v_c int[];
BEGIN
  SELECT array_agg(batch_id ORDER BY batch_id), array_agg(sp ORDER BY batch_id),
         array_agg(ss ORDER BY batch_id), array_agg(sf ORDER BY batch_id),
         array_agg(sc ORDER BY batch_id)
    INTO v_ids, v_p, v_s, v_f, v_c
    FROM (SELECT batch_id, sum(p)::int sp, sum(s)::int ss, sum(f)::int sf, sum(c)::int sc
            FROM (SELECT batch_id, {_BUCKETS} FROM new_rows WHERE batch_id IS NOT NULL) x
           GROUP BY batch_id) d;
  PERFORM saleshub_batch_apply(v_ids, v_p, v_s, v_f, v_c);
  RETURN NULL;
END $$;
"""  # noqa: S608  # nosec B608  # constants only, no input

_ON_UPDATE = f"""
CREATE FUNCTION saleshub_jobs_batch_update() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE v_ids uuid[]; v_p int[]; v_s int[]; v_f int[]; v_c int[];
BEGIN
  SELECT array_agg(batch_id ORDER BY batch_id), array_agg(sp ORDER BY batch_id),
         array_agg(ss ORDER BY batch_id), array_agg(sf ORDER BY batch_id),
         array_agg(sc ORDER BY batch_id)
    INTO v_ids, v_p, v_s, v_f, v_c
    FROM (SELECT batch_id, sum(p)::int sp, sum(s)::int ss, sum(f)::int sf, sum(c)::int sc
            FROM (SELECT batch_id, -p AS p, -s AS s, -f AS f, -c AS c
                    FROM (SELECT batch_id, {_BUCKETS} FROM old_rows
                           WHERE batch_id IS NOT NULL) o
                  UNION ALL
                  SELECT batch_id, {_BUCKETS} FROM new_rows WHERE batch_id IS NOT NULL) x
           GROUP BY batch_id
          HAVING sum(p) <> 0 OR sum(s) <> 0 OR sum(f) <> 0 OR sum(c) <> 0) d;
  PERFORM saleshub_batch_apply(v_ids, v_p, v_s, v_f, v_c);
  RETURN NULL;
END $$;
"""  # noqa: S608  # nosec B608  # constants only, no input


def upgrade() -> None:
    op.create_table(
        "import_rows",
        sa.Column("import_id", sa.Uuid(), nullable=False),
        sa.Column("row_no", sa.Integer(), nullable=False),
        sa.Column("data", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.PrimaryKeyConstraint("import_id", "row_no", name=op.f("pk_import_rows")),
        prefixes=["UNLOGGED"],
    )
    op.create_table(
        "exports",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("org_id", sa.BigInteger(), nullable=False),
        sa.Column("created_by", sa.BigInteger(), nullable=True),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("format", sa.String(length=8), nullable=False),
        sa.Column(
            "options", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False
        ),
        sa.Column("status", sa.String(length=16), server_default="queued", nullable=False),
        sa.Column("rows", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("job_id", sa.Uuid(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_exports_created_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organizations.id"],
            name=op.f("fk_exports_org_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exports")),
    )
    op.create_index("ix_exports_org_created", "exports", ["org_id", "created_at"], unique=False)
    op.create_table(
        "imports",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("org_id", sa.BigInteger(), nullable=False),
        sa.Column("created_by", sa.BigInteger(), nullable=True),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), server_default="queued", nullable=False),
        sa.Column("filename", sa.String(length=255), server_default="", nullable=False),
        sa.Column(
            "options", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False
        ),
        sa.Column("rows_read", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("created", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("updated", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("unchanged", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("rejected", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("job_id", sa.Uuid(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_imports_created_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organizations.id"],
            name=op.f("fk_imports_org_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_imports")),
    )
    op.create_index("ix_imports_org_created", "imports", ["org_id", "created_at"], unique=False)
    op.create_table(
        "import_chunks",
        sa.Column("import_id", sa.Uuid(), nullable=False),
        sa.Column("chunk_no", sa.Integer(), nullable=False),
        sa.Column("created", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.Column("ids", postgresql.ARRAY(sa.BigInteger()), nullable=True),
        sa.ForeignKeyConstraint(
            ["import_id"],
            ["imports.id"],
            name=op.f("fk_import_chunks_import_id_imports"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("import_id", "chunk_no", name=op.f("pk_import_chunks")),
    )
    op.create_table(
        "import_rejections",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("import_id", sa.Uuid(), nullable=False),
        sa.Column("row_no", sa.Integer(), nullable=False),
        sa.Column("column", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["import_id"],
            ["imports.id"],
            name=op.f("fk_import_rejections_import_id_imports"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_rejections")),
    )
    op.create_index(
        "ix_import_rejections_import", "import_rejections", ["import_id", "row_no"], unique=False
    )
    op.create_table(
        "job_batches",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("total", sa.Integer(), server_default="0", nullable=False),
        sa.Column("pending", sa.Integer(), server_default="0", nullable=False),
        sa.Column("succeeded", sa.Integer(), server_default="0", nullable=False),
        sa.Column("failed", sa.Integer(), server_default="0", nullable=False),
        sa.Column("canceled", sa.Integer(), server_default="0", nullable=False),
        sa.Column("callback", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("fired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["id"], ["jobs.id"], name=op.f("fk_job_batches_id_jobs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_batches")),
    )
    op.create_index("ix_companies_org_domain", "companies", ["org_id", "domain"], unique=False)
    op.create_index("ix_contacts_org_email", "contacts", ["org_id", "email"], unique=False)
    op.add_column("jobs", sa.Column("batch_id", sa.Uuid(), nullable=True))
    op.create_index(
        "ix_jobs_batch",
        "jobs",
        ["batch_id", "status"],
        unique=False,
        postgresql_where=sa.text("batch_id IS NOT NULL"),
    )
    op.create_index("ix_leads_org_email", "leads", ["org_id", "email"], unique=False)
    op.execute(_APPLY)
    op.execute(_ON_INSERT)
    op.execute(_ON_UPDATE)
    op.execute(
        "CREATE TRIGGER jobs_batch_insert AFTER INSERT ON jobs REFERENCING NEW TABLE AS new_rows"
        " FOR EACH STATEMENT EXECUTE FUNCTION saleshub_jobs_batch_insert()"
    )
    op.execute(
        "CREATE TRIGGER jobs_batch_update AFTER UPDATE ON jobs"
        " REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows"
        " FOR EACH STATEMENT EXECUTE FUNCTION saleshub_jobs_batch_update()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER jobs_batch_update ON jobs")
    op.execute("DROP TRIGGER jobs_batch_insert ON jobs")
    op.execute("DROP FUNCTION saleshub_jobs_batch_update()")
    op.execute("DROP FUNCTION saleshub_jobs_batch_insert()")
    op.execute("DROP FUNCTION saleshub_batch_apply(uuid[], int[], int[], int[], int[])")
    op.drop_index("ix_leads_org_email", table_name="leads")
    op.drop_index(
        "ix_jobs_batch", table_name="jobs", postgresql_where=sa.text("batch_id IS NOT NULL")
    )
    op.drop_column("jobs", "batch_id")
    op.drop_index("ix_contacts_org_email", table_name="contacts")
    op.drop_index("ix_companies_org_domain", table_name="companies")
    op.drop_table("job_batches")
    op.drop_index("ix_import_rejections_import", table_name="import_rejections")
    op.drop_table("import_rejections")
    op.drop_table("import_chunks")
    op.drop_index("ix_imports_org_created", table_name="imports")
    op.drop_table("imports")
    op.drop_index("ix_exports_org_created", table_name="exports")
    op.drop_table("exports")
    op.drop_table("import_rows")
