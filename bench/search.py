"""Search latency, reindex throughput and write->searchable lag, against naive baselines.

Run as ``.venv/bin/python bench/search.py [--contacts N] [--queries Q] [--no-lag]
[--reindex-only]``; prints one JSON object per figure.

Isolation: its own PostgreSQL database ``saleshub_bench_search`` (created and migrated if
missing; one org per size, seeded once with ``core.seed`` from ten Faker locales and kept
for later runs; the search tables are rebuilt for the org under test), its own Redis
database (``BENCH_REDIS_DB``, default 11) for the lag figure, whose worker and relay are
stopped at the end, even on error.

Figures (server time: the search function in-process, as a request would run it):
  autocomplete 1-2 and 3-5 characters, full names, names with one or two typos within the
  budget: p50/p95/p99; full reindex documents/s; write->searchable lag p50/p95 through the
  API, outbox, relay and a worker. Baselines in the same run: rapidfuzz
  ``process.extract`` (WRatio) over every contact name, and a pg_trgm similarity query on
  contact names with a trigram index, each on the same typo queries.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.support.common import (
    ROOT,
    Deadline,
    Processes,
    emit,
    flush_namespace,
    load_env,
    note,
    percentile,
    wait_until,
    with_pg_db,
    with_redis_db,
)

load_env()

import psycopg  # noqa: E402
from alembic import command  # noqa: E402
from alembic.config import Config  # noqa: E402
from rapidfuzz import fuzz, process  # noqa: E402
from sqlalchemy import text  # noqa: E402

from core import search  # noqa: E402
from core import seed as seeding  # noqa: E402
from core.settings import Settings  # noqa: E402
from models.db import make_engine, make_sessionmaker  # noqa: E402
from tests.support.search_golden import mutate  # noqa: E402

BENCH_DB = os.environ.get("BENCH_SEARCH_DATABASE", "saleshub_bench_search")
REDIS_DB = int(os.environ.get("BENCH_REDIS_DB", "11"))
BUDGET_S = 2_400.0
NS = "bench_search"


def _targets(contacts: int) -> dict[str, Any]:
    big = contacts >= 1_000_000
    return {
        "auto": "p95 <= 50 ms" if big else "p95 <= 15 ms",
        "full": "p95 <= 15 ms" if not big else None,
        "typo": "p95 <= 100 ms" if big else "p95 <= 15 ms",
        "reindex": ">= 20000 docs/s" if big else None,
        "lag": "p95 <= 1000 ms",
    }


def ensure_database(settings: Settings) -> None:
    admin = with_pg_db(settings.database.psycopg_dsn, "postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (BENCH_DB,)
        ).fetchone()
        if not exists:
            note(f"creating database {BENCH_DB}")
            conn.execute(f'CREATE DATABASE "{BENCH_DB}"')
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.attributes["database_url"] = settings.database.url
    cfg.attributes["configure_logger"] = False
    command.upgrade(cfg, "head")


def timed(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def emit_latency(
    name: str, samples: list[float], target: str | None, base: float | None = None
) -> None:
    samples = sorted(samples)
    for q in (50, 95, 99):
        value = percentile(samples, q / 100)
        emit(f"{name} p{q}", value, "ms", target if q == 95 else None, base if q == 50 else None)


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        env = Settings.from_env()
        self.settings = env.replace(
            database={"url": with_pg_db(env.database.url, BENCH_DB)},
            broker={"url": with_redis_db(env.broker.url, REDIS_DB), "namespace": NS},
            cache={"url": with_redis_db(env.cache.url, REDIS_DB)},
        )
        self.org_name = f"bench-search-{args.contacts}"
        self.rng = random.Random(42)
        self.deadline = Deadline(BUDGET_S)
        self.targets = _targets(args.contacts)

    def prepare(self) -> None:
        ensure_database(self.settings)
        sizes = seeding.sizes_for(self.args.contacts)
        sizes["activities"] = 0
        note(f"seeding {self.org_name} if needed: {sizes}")
        seeding.seed(self.settings, self.org_name, sizes, skip_if_present=True, progress=False)
        self.engine = make_engine(self.settings.database.url, pool_size=4)
        self.sessions = make_sessionmaker(self.engine)
        with self.sessions() as s:
            self.org_id = s.execute(
                text("SELECT id FROM organizations WHERE name = :n"), {"n": self.org_name}
            ).scalar_one()

    def reindex(self) -> None:
        with self.engine.begin() as conn:
            conn.execute(text("TRUNCATE search_documents, search_terms"))
        note("full reindex from empty")
        with self.sessions() as s:
            start = time.perf_counter()
            report = search.reindex_org(s, self.org_id)
            took = time.perf_counter() - start
        emit("reindex documents", report["documents"], "docs")
        emit("full reindex", report["documents"] / took, "docs/s", self.targets["reindex"])
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE search_documents, search_terms"))

    def queries(self) -> dict[str, list[tuple[str, int | None]]]:
        n = self.args.queries
        with self.sessions() as s:
            rows = s.execute(
                text(
                    "SELECT id, first_name, last_name FROM contacts WHERE org_id = :o "
                    "ORDER BY md5(id::text) LIMIT :n"
                ),
                {"o": self.org_id, "n": 4 * n},
            ).all()
        sets: dict[str, list[tuple[str, int | None]]] = {
            k: [] for k in ("auto12", "auto35", "full", "typo")
        }
        for cid, first, last in rows:
            name = f"{first} {last}"
            word = self.rng.choice([w for w in search.parse(name).tokens if w] or ["a"])
            if len(sets["auto12"]) < n:
                sets["auto12"].append((word[: self.rng.randint(1, 2)], None))
            if len(sets["auto35"]) < n and len(word) >= 3:
                sets["auto35"].append((word[: self.rng.randint(3, min(5, len(word)))], None))
            if len(sets["full"]) < n:
                sets["full"].append((name, cid))
            words = list(search.parse(name).tokens)
            longest = max(range(len(words)), key=lambda k: len(words[k]))
            if len(sets["typo"]) < n and len(words[longest]) >= 6:
                edits = 2 if len(words[longest]) >= 10 else 1
                done = mutate(words[longest], edits, self.rng)
                if done:
                    words[longest] = done[0]
                    sets["typo"].append((" ".join(words), cid))
        return sets

    def latency(self, sets: dict[str, list[tuple[str, int | None]]]) -> tuple[list[float], float]:
        results: dict[str, list[float]] = {}
        hits = 0
        with self.sessions() as s:
            search.search(s, self.org_id, "warm up the vocabulary", limit=10)
            for name, qs in sets.items():
                samples = []
                for q, target in qs:
                    start = time.perf_counter()
                    res = search.search(s, self.org_id, q, limit=10)
                    samples.append((time.perf_counter() - start) * 1000)
                    if name == "typo" and target in {
                        i["id"] for i in res.items if i["type"] == "contact"
                    }:
                        hits += 1
                results[name] = samples
        t = self.targets
        emit_latency("autocomplete 1-2 chars", results["auto12"], t["auto"])
        emit_latency("autocomplete 3-5 chars", results["auto35"], t["auto"])
        emit_latency("full-name search", results["full"], t["full"])
        recall = hits / max(1, len(sets["typo"]))
        return results["typo"], recall

    def baselines(self, sets: dict[str, list[tuple[str, int | None]]], typo: list[float]) -> None:
        qs = sets["typo"][: self.args.baseline_queries]
        with self.sessions() as s:
            names = (
                s.execute(
                    text(
                        "SELECT first_name || ' ' || coalesce(last_name, '') FROM contacts "
                        "WHERE org_id = :o"
                    ),
                    {"o": self.org_id},
                )
                .scalars()
                .all()
            )
        fuzz_ms = sorted(
            timed(lambda q=q: process.extract(q, names, scorer=fuzz.WRatio, limit=10))
            for q, _ in qs
        )
        with psycopg.connect(self.settings.database.psycopg_dsn, autocommit=True) as conn:
            note("trigram index on contact names (baseline only)")
            conn.execute(
                "CREATE INDEX IF NOT EXISTS bench_contacts_name_trgm ON contacts USING gin "
                "((first_name || ' ' || coalesce(last_name, '')) gin_trgm_ops)"
            )
            conn.execute("ANALYZE contacts")
            sql = (
                "SELECT id FROM contacts WHERE org_id = %s AND (first_name || ' ' || "
                "coalesce(last_name, '')) %% %s ORDER BY similarity(first_name || ' ' || "
                "coalesce(last_name, ''), %s) DESC LIMIT 10"
            )
            conn.execute(sql, (self.org_id, qs[0][0], qs[0][0])).fetchall()
            trgm_ms = sorted(
                timed(lambda q=q: conn.execute(sql, (self.org_id, q, q)).fetchall()) for q, _ in qs
            )
        base_fuzz = percentile(fuzz_ms, 0.5)
        base_trgm = percentile(trgm_ms, 0.5)
        emit_latency("typo search", typo, self.targets["typo"], None)
        emit("baseline rapidfuzz process.extract p50", base_fuzz, "ms")
        emit("baseline pg_trgm similarity p50", base_trgm, "ms")
        ours = percentile(sorted(typo), 0.5)
        emit("typo search p50 vs rapidfuzz extract", ours, "ms", None, base_fuzz)
        emit("typo search p50 vs pg_trgm", ours, "ms", None, base_trgm)

    def lag(self, procs: Processes) -> None:
        import redis as redis_lib
        from dramatiq.brokers.redis import RedisBroker

        from core.queueing.broker import configure
        from core.queueing.relay import Relay
        from models import User
        from web import create_app
        from web.auth import mint_key

        client = redis_lib.Redis.from_url(self.settings.broker.url)
        flush_namespace(client, NS)
        with self.sessions() as s:
            s.execute(text("DELETE FROM jobs WHERE org_id = :o"), {"o": self.org_id})
            user = s.query(User).filter_by(email=f"bench@{self.org_name}.test").one_or_none()
            if user is None:
                user = User(org_id=self.org_id, email=f"bench@{self.org_name}.test", role="admin")
                s.add(user)
                s.flush()
            key = mint_key(s, user)
            s.commit()
        env = {
            **os.environ,
            "DATABASE_URL": self.settings.database.url,
            "BROKER_URL": self.settings.broker.url,
            "CACHE_URL": self.settings.cache.url,
            "BROKER_NAMESPACE": NS,
            "WORKER_PROCESSES": "1",
            "WORKER_THREADS": "4",
            "PYTHONPATH": str(ROOT),
        }
        procs.start("worker", [sys.executable, "-m", "worker"], env)
        broker = configure(self.settings)
        assert isinstance(broker, RedisBroker)
        relay = Relay(self.settings, broker)
        thread = threading.Thread(target=relay.run, daemon=True)
        thread.start()
        app = create_app(self.settings)
        web = app.test_client()
        headers = {"Authorization": f"Bearer {key}"}
        lags: list[float] = []
        try:
            # Wait for the worker: one write, searched until found.
            self._write_and_find(web, headers, "Warmup", timeout=60)
            for i in range(self.args.lag_writes):
                lags.append(self._write_and_find(web, headers, f"Lagtest{i:03d}", timeout=30))
        finally:
            relay.stop()
            thread.join(10)
            procs.stop("worker")
            flush_namespace(client, NS)
        emit_latency("write->searchable lag", lags, self.targets["lag"])

    def _write_and_find(
        self, web: Any, headers: dict[str, str], name: str, timeout: float
    ) -> float:
        unique = f"{name}{self.rng.randrange(10**9):09d}"
        start = time.perf_counter()
        resp = web.post("/api/v1/contacts", json={"first_name": unique}, headers=headers)
        assert resp.status_code == 201, resp.json
        with self.sessions() as s:

            def found() -> bool:
                s.rollback()
                return bool(search.search(s, self.org_id, unique, limit=1).items)

            wait_until(found, timeout=timeout, interval=0.005, what=f"{unique} searchable")
        return (time.perf_counter() - start) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--baseline-queries", type=int, default=30)
    parser.add_argument("--lag-writes", type=int, default=40)
    parser.add_argument("--no-lag", action="store_true")
    parser.add_argument("--no-reindex", action="store_true", help="reuse the existing index")
    parser.add_argument("--reindex-only", action="store_true", help="only the full reindex figure")
    args = parser.parse_args()
    bench = Bench(args)
    procs = Processes(Path(tempfile.mkdtemp(prefix="bench-search-")))
    try:
        bench.prepare()
        bench.deadline.check("seeding")
        emit("contacts", args.contacts, "rows")
        if not args.no_reindex:
            bench.reindex()
        if args.reindex_only:
            return 0
        sets = bench.queries()
        typo, recall = bench.latency(sets)
        bench.baselines(sets, typo)
        emit("typo search recall@10", recall, "ratio")
        if args.no_lag:
            pass
        elif bench.deadline.left() < 180:
            note("skipping the lag figure: the time budget is nearly spent")
        else:
            bench.lag(procs)
    finally:
        procs.stop_all()
    return 0


if __name__ == "__main__":
    sys.exit(main())
