"""The set-based statements of one import chunk: link checks, then one upsert.

Column names come from :mod:`core.bulk.fields` only (never from the file or the client:
a mapping names fields, and only known fields are accepted), so the SQL is built from
constants; every value is a bind parameter or read from the staging table.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from core.bulk.fields import Field, ImportType
from models.db import as_owner

_RANGE = "r.import_id = :import_id AND r.row_no >= :lo AND r.row_no < :hi"
_REF_TABLES = {"users": "users", "companies": "companies", "contacts": "contacts",
               "deals": "deals", "leads": "leads"}  # fmt: skip
# Upsert keys with an ``(org_id, key)`` index (migration 0010): matched by one index probe
# per staged row (docs/decisions/0030). Others are matched by a join the planner chooses.
PROBED_KEYS = frozenset({("contacts", "email"), ("companies", "domain"), ("leads", "email")})
# One chunk at a time ANALYZEs a table (see analyze_if_stale); held until the chunk commits.
ANALYZE_LOCK_SPACE = 0x1A4A
# The ids a chunk wrote, kept on its row for its index job (NULL when none; see upsert).
_KEEP_IDS = """,
        kept AS (UPDATE import_chunks SET ids = (SELECT array_agg(a.id) FROM ({written}) a)
                 WHERE import_id = :import_id AND chunk_no = :chunk_no)"""
_NO_JIT = text("SET LOCAL jit = off")
_TRY_ANALYZE_LOCK = text("SELECT pg_try_advisory_xact_lock(:space, hashtext(:table))").bindparams(
    space=ANALYZE_LOCK_SPACE
)


def _value(field: Field) -> str:
    return f"CAST(r.data->>'{field.name}' AS {field.cast})"


def reject_bad_links(session: Session, kind: ImportType, fields: tuple[Field, ...],
                     params: dict[str, Any]) -> int:  # fmt: skip
    """Reject (and drop from staging) rows whose links name no row of the org; how many."""
    checks = []
    for field in fields:
        if field.kind != "ref" or field.ref is None:
            continue
        table = _REF_TABLES[field.ref]
        what = "user" if table == "users" else table.rstrip("s").replace("companie", "company")
        reason = f"no {what} with this id in your organization"
        # Names from core.bulk.fields only.
        checks.append(
            f"SELECT r.row_no, '{field.name}' AS col, '{reason}' AS reason"  # noqa: S608  # nosec B608
            f" FROM import_rows r WHERE {_RANGE}"
            f" AND r.data->>'{field.name}' IS NOT NULL AND NOT EXISTS (SELECT 1 FROM {table} x"
            f" WHERE x.org_id = :org_id AND x.id = {_value(field)})"
        )
    if not checks:
        return 0
    sql = f"""
    WITH bad AS ({" UNION ALL ".join(checks)}),
    rej AS (INSERT INTO import_rejections (import_id, row_no, "column", reason)
            SELECT :import_id, row_no, col, reason FROM bad),
    gone AS (DELETE FROM import_rows r USING (SELECT DISTINCT row_no FROM bad) b
             WHERE r.import_id = :import_id AND r.row_no = b.row_no RETURNING 1)
    SELECT count(*) FROM gone
    """  # noqa: S608  # nosec B608  # names from core.bulk.fields only
    return int(session.execute(text(sql), params).scalar_one())


def upsert(session: Session, kind: ImportType, fields: tuple[Field, ...], key: str | None,
           params: dict[str, Any], *, keep_ids: bool = False) -> tuple[int, int, int]:  # fmt: skip
    """Insert or update the chunk's staged rows; (created, updated, unchanged).

    With ``keep_ids``, the same statement writes the ids it created or updated to the
    chunk's ``import_chunks`` row (``params["chunk_no"]``; left NULL when there are none),
    for the chunk's index job. They never travel to Python and back: sent as a bind
    parameter, 25,000 ids cost ~30 ms of the worker's Python (psycopg's array dumping) and
    ~20 ms of the backend's array parsing a chunk, a tenth of a chunk's CPU (0035).
    """
    table = kind.table
    names = [f.name for f in fields]
    src_cols = ", ".join(f"{_value(f)} AS {f.name}" for f in fields)
    insert_cols = ", ".join(["org_id", *names])
    insert_vals = ", ".join(
        [":org_id", *(f"coalesce(s.{f.name}, {f.default})" if f.default else f"s.{f.name}"
                      for f in fields)]
    )  # fmt: skip
    new = {f.name: f"coalesce(s.{f.name}, t.{f.name})" if f.default else f"s.{f.name}"
           for f in fields}  # fmt: skip
    src = f"src AS (SELECT r.row_no, {src_cols} FROM import_rows r WHERE {_RANGE})"  # noqa: S608  # nosec B608
    # A data-modifying CTE runs whether or not the query reads it.
    written = "SELECT id FROM ins"
    if key is not None:
        written += " UNION ALL SELECT id FROM upd"
    kept = _KEEP_IDS.format(written=written) if keep_ids else ""
    if key is None:
        sql = f"""
        WITH {src},
        ins AS (INSERT INTO {table} ({insert_cols}) SELECT {insert_vals} FROM src s
                ORDER BY s.row_no RETURNING id){kept}
        SELECT (SELECT count(*) FROM ins), 0, 0
        """  # noqa: S608  # nosec B608  # names from core.bulk.fields only
    else:
        same = " AND ".join(f"t.{n} IS NOT DISTINCT FROM {new[n]}" for n in names)
        sets = ", ".join(f"{n} = {new[n]}" for n in names)
        if (table, key) in PROBED_KEYS:
            # One probe of the (org_id, key) index per staged row: joined, the planner hashed
            # every row of the org (a sequential scan of the whole table) for every chunk, so
            # an import slowed with each chunk it committed. The org id is a sub-select so
            # the planner cannot estimate it: for a new org the statistics count one row,
            # and with the literal it probed the org_id index alone, walking every row that
            # the chunks running beside it inserted (quadratic: 1,700 rows/s at 1,000,000).
            match = (
                f"FROM src s CROSS JOIN LATERAL (SELECT x.* FROM {table} x"  # noqa: S608  # nosec B608
                " WHERE x.org_id = (SELECT CAST(:org_id AS bigint))"
                f" AND x.{key} = s.{key} ORDER BY x.id LIMIT 1) t"
            )
        else:
            match = f"FROM src s JOIN {table} t ON t.org_id = :org_id AND t.{key} = s.{key}"
        sql = f"""
        WITH {src},
        m AS (SELECT DISTINCT ON (s.row_no) s.row_no, t.id, ({same}) AS same
              {match}
              ORDER BY s.row_no, t.id),
        upd AS (UPDATE {table} t SET {sets}, updated_at = now()
                FROM m JOIN src s USING (row_no) WHERE t.id = m.id AND NOT m.same
                RETURNING t.id),
        ins AS (INSERT INTO {table} ({insert_cols}) SELECT {insert_vals} FROM src s
                WHERE NOT EXISTS (SELECT 1 FROM m WHERE m.row_no = s.row_no)
                ORDER BY s.row_no RETURNING id){kept}
        SELECT (SELECT count(*) FROM ins), (SELECT count(*) FROM upd),
               (SELECT count(*) FROM m WHERE m.same)
        """  # noqa: S608  # nosec B608  # names from core.bulk.fields only
    # Without JIT: the planner's costs for 25,000 staged rows are far above jit_above_cost,
    # so every chunk compiled the statement's ~70 expressions (29-41 ms in EXPLAIN ANALYZE)
    # for rows each touched once, and a backend's first compile loads LLVM. In-process, 8
    # chunks' backend CPU: 3.3-3.8 s without, 4.0-5.0 s with on fresh backends; on a warm one
    # 3.3-4.0 s against 3.2-4.6 s, within the noise (docs/decisions/0040). Local to the
    # chunk's transaction (or its dry run's savepoint).
    session.execute(_NO_JIT)
    created, updated, unchanged = session.execute(text(sql), params).one()
    return int(created), int(updated), int(unchanged)


def reject_duplicate_keys(session: Session, import_id: Any, key: str) -> int:
    """Reject every row whose key repeats an earlier row's (they would race); how many.

    Keys are grouped byte-wise (``COLLATE "C"``): the database's collation is deterministic,
    so its groups are the same (equal only when the bytes are), and the window's sort
    compares with ``memcmp`` instead of the collation's rules.
    """
    sql = f"""
    WITH d AS (SELECT row_no, first_value(row_no) OVER w AS first, row_number() OVER w AS n
               FROM import_rows WHERE import_id = :import_id AND data->>'{key}' IS NOT NULL
               WINDOW w AS (PARTITION BY (data->>'{key}') COLLATE "C" ORDER BY row_no)),
    bad AS (SELECT row_no, first FROM d WHERE n > 1),
    rej AS (INSERT INTO import_rejections (import_id, row_no, "column", reason)
            SELECT :import_id, row_no, '{key}', 'the same {key} as row ' || first FROM bad),
    gone AS (DELETE FROM import_rows r USING bad
             WHERE r.import_id = :import_id AND r.row_no = bad.row_no RETURNING 1)
    SELECT count(*) FROM gone
    """  # noqa: S608  # nosec B608  # key is a field name from core.bulk.fields
    return int(session.execute(text(sql), {"import_id": import_id}).scalar_one())


def analyze_staging(session: Session) -> None:
    """Refresh the planner's statistics of the staging table, just filled by a COPY.

    Without them the chunks' upserts plan for an empty ``import_rows`` (one row per chunk)
    and may pick nested loops quadratic in the chunk's rows: measured (no row-level
    security), 22 to 59 s for a 10,000-row chunk of a new org's first import and 190 to
    250 s for one of its re-import, against under a second with them. Autovacuum comes too
    late (``autovacuum_naptime`` is a minute; chunks start at once). The org's own rows
    need :func:`analyze_if_stale` too (docs/decisions/0022).

    Only the columns the chunks' ranges are planned from (the chunks filter on expressions
    of ``data``, which PostgreSQL estimates without that column's statistics), sampled at
    statistics target 10 (3,000 rows; migration 0014): a 10-bucket histogram still places
    a 25,000-row range of a million rows (decision 0037).
    """
    with as_owner(session):  # an org's role may not ANALYZE (PostgreSQL only warns)
        session.execute(text("ANALYZE import_rows (import_id, row_no)"))


def analyze_if_stale(session: Session, kind: ImportType, org_id: int, created: int) -> bool:
    """ANALYZE the type's table when the planner counts fewer rows of the org than this chunk
    just created (a new org's first chunks); whether it did.

    With the org missing from the statistics (another org's rows fill them) the planner
    takes its rows for one and matches a later chunk's keys with a nested loop over all of
    them: quadratic, measured 586 s and counting for the second 25,000-row chunk of a new
    org's import beside a 50,000-contact org (docs/decisions/0022).

    Only one chunk at a time: ANALYZE's lock is held until the chunk commits, so a new
    org's first wave of chunks queued each behind the ANALYZEs of those before it. A chunk
    that finds another one analyzing the table (a transaction-scoped advisory lock) skips;
    that one refreshes the statistics for the chunks after both. Not ``ANALYZE
    (SKIP_LOCKED)``: it also skips when autovacuum holds the table, which a waiting ANALYZE
    cancels; skipped for all of a long vacuum, the index jobs' lookups ran on stale
    statistics (their first 25,000 documents in 71-75 s instead of 12-16 s; decision 0030).
    """
    if created == 0:
        return False
    table = kind.table  # a name from core.bulk.fields
    with as_owner(session):
        plan = session.execute(
            text(f"EXPLAIN (FORMAT JSON) SELECT 1 FROM {table} WHERE org_id = :o"),  # noqa: S608  # nosec B608
            {"o": org_id},
        ).scalar_one()
        if float(plan[0]["Plan"]["Plan Rows"]) >= created:
            return False
        if not session.execute(_TRY_ANALYZE_LOCK, {"table": table}).scalar_one():
            return False  # another chunk is analyzing the table
        session.execute(text(f"ANALYZE {table}"))
    return True
