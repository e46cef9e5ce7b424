"""Row-level security cost: an org-scoped transaction and query vs the platform's.

Run as ``.venv/bin/python bench/rls.py``; prints one JSON object per figure.

Isolation: the PostgreSQL database ``saleshub_bench_rls`` (created and migrated if missing;
its two orgs are replaced on each run). Timings are in-process on a 2-core machine shared
with other work: ``loadavg_1m`` says how busy it was.
"""

from __future__ import annotations

import os
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.support.common import (
    emit,
    load_env,
    percentile,
    prepare_database,
    with_pg_db,
)

load_env()

import psycopg  # noqa: E402
from sqlalchemy import select, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from models import Company  # noqa: E402
from models.db import make_engine, make_sessionmaker, scope_to_org  # noqa: E402

BENCH_DB = os.environ.get("BENCH_RLS_DATABASE_NAME", "saleshub_bench_rls")
ROWS_PER_ORG = 20_000
ROUNDS = 2_000


def prepare(url: str) -> tuple[int, int]:
    prepare_database(BENCH_DB)
    dsn = url.replace("postgresql+psycopg://", "postgresql://", 1)
    with psycopg.connect(dsn, connect_timeout=5) as conn:
        conn.execute("DELETE FROM organizations WHERE name LIKE 'bench-rls-%'")
        orgs = []
        for name in ("bench-rls-a", "bench-rls-b"):
            row = conn.execute(
                "INSERT INTO organizations (name) VALUES (%s) RETURNING id", (name,)
            ).fetchone()
            assert row is not None
            orgs.append(row[0])
            with conn.cursor().copy("COPY companies (org_id, name) FROM STDIN") as copy:
                for i in range(ROWS_PER_ORG):
                    copy.write_row((row[0], f"Company {i}"))
        conn.execute("ANALYZE companies")
    return orgs[0], orgs[1]


def timed(fn: Callable[[], object], rounds: int) -> list[float]:
    out = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return sorted(out)


def ab(a: Callable[[], object], b: Callable[[], object], rounds: int) -> tuple[list[float], ...]:
    """Both timed in alternation, so the machine's load drifts alike for each."""
    out_a, out_b = [], []
    for _ in range(rounds):
        out_a += timed(a, 1)
        out_b += timed(b, 1)
    return sorted(out_a), sorted(out_b)


def us(samples: list[float], q: float) -> float:
    return round(float(percentile(samples, q) or 0.0) * 1e6, 1)


def main() -> int:
    url = with_pg_db(os.environ["DATABASE_URL"], BENCH_DB)
    org, _ = prepare(url)
    engine = make_engine(url, pool_size=2)
    factory = make_sessionmaker(engine)
    with engine.connect() as conn:
        ids = list(conn.scalars(text("SELECT id FROM companies WHERE org_id = :o"), {"o": org}))
    rng = random.Random(7)

    def point(session: Session) -> None:
        session.scalar(select(Company).where(Company.org_id == org, Company.id == rng.choice(ids)))

    def page(session: Session) -> None:
        session.scalars(
            select(Company).where(Company.org_id == org).order_by(Company.id).limit(50)
        ).all()

    def transaction(scoped: bool, query: Callable[[Session], None]) -> Callable[[], None]:
        def run() -> None:
            with factory() as session:
                if scoped:
                    scope_to_org(session, org)
                query(session)
                session.commit()

        return run

    for name, query in (("point", point), ("page50", page)):
        for scoped in (False, True):
            transaction(scoped, query)()  # warm the pool and plans
        base, walled = ab(transaction(False, query), transaction(True, query), ROUNDS)
        emit(f"rls_tx_{name}_platform_p50", us(base, 0.5), "us")
        emit(f"rls_tx_{name}_scoped_p50", us(walled, 0.5), "us", None, us(base, 0.5))
    # The policy alone, per query, inside one transaction (no per-transaction set_config).
    with factory() as platform, factory() as walled_session:
        scope_to_org(walled_session, org)
        base, walled = ab(lambda: point(platform), lambda: point(walled_session), ROUNDS)
        emit("rls_query_point_platform_p50", us(base, 0.5), "us")
        emit("rls_query_point_scoped_p50", us(walled, 0.5), "us", None, us(base, 0.5))
    emit("loadavg_1m", round(os.getloadavg()[0], 2), "load")
    engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
