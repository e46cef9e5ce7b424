"""The batch counter triggers return at once when a statement touched no batch member

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 22:00:00.000000

The statement triggers of 0010 keep ``job_batches``' counters. They fire on every insert
into and update of ``jobs``: every staging, the relay's stamp, and both halves of every
ledger flush. Most of those statements touch no batch member, yet each ran the full
aggregate over its transition tables and called ``saleshub_batch_apply`` with empty
arrays: 0.125 ms of a 4-start, 4-success ledger flush under ``EXPLAIN ANALYZE``, and
about a tenth of the flush's PostgreSQL CPU (docs/decisions/0050). Each function now
returns first when no row of the statement has a ``batch_id``; what it does for batch
members is unchanged (0010's text, with the check put in front).
"""

import importlib.util
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_NO_MEMBER = "NOT EXISTS (SELECT 1 FROM {rows} WHERE batch_id IS NOT NULL)"
_FIRST = "BEGIN\n  SELECT array_agg"


def _0010() -> ModuleType:
    # The functions' text is 0010's: loaded from its file (versions is not a package), so
    # the two cannot drift apart.
    path = Path(__file__).with_name("0010_batches_imports.py")
    spec = importlib.util.spec_from_file_location("saleshub_migration_0010", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _replaced(sql: str, *rows: str) -> str:
    """0010's ``CREATE FUNCTION`` as a replacement, with the early return when given."""
    sql = sql.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1)
    if not rows:
        return sql
    guard = " AND ".join(_NO_MEMBER.format(rows=r) for r in rows)
    assert _FIRST in sql
    return sql.replace(
        _FIRST, f"BEGIN\n  IF {guard} THEN\n    RETURN NULL;\n  END IF;\n  SELECT array_agg", 1
    )


def upgrade() -> None:
    m = _0010()
    op.execute(_replaced(m._ON_INSERT, "new_rows"))
    op.execute(_replaced(m._ON_UPDATE, "new_rows", "old_rows"))


def downgrade() -> None:
    m = _0010()
    op.execute(_replaced(m._ON_INSERT))
    op.execute(_replaced(m._ON_UPDATE))
