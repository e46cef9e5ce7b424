"""Ops console benchmark: first render of every view with 1,000,000 ready messages,
100,000 dead letters and 1,000,000 jobs in the ledger.

Run as ``.venv/bin/python bench/console.py``; prints one JSON object per figure: for each
view, the server time of the API calls its first render makes (p50 of a few runs,
in-process) and the page's time from navigation start until the view shows its first data
(``first_render``) and until every panel of it is drawn (``complete_render``: the overview's
queues, charts, workers and canaries, one per queue) in headless Chromium (median of three
loads). Target: 1 s each.

Isolation: broker Redis database ``BENCH_CONSOLE_REDIS_DB`` (default 10) with namespace
``bench_console`` (its keys deleted with SCAN + UNLINK before and after), cache Redis
database ``BENCH_CONSOLE_CACHE_DB`` (default 11), and the PostgreSQL database
``saleshub_bench_console`` (created, migrated and seeded once; the 1M jobs are kept for the
next run). Bounded by ``BUDGET_S``; ``loadavg_1m`` says how busy the machine was.
"""

from __future__ import annotations

import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.support.common import (
    Deadline,
    emit,
    flush_namespace,
    load_env,
    note,
    with_pg_db,
    with_redis_db,
)

load_env()

import orjson  # noqa: E402
import psycopg  # noqa: E402
import redis  # noqa: E402

from core.settings import Settings  # noqa: E402

BUDGET_S = 600.0
NS = "bench_console"
REDIS_DB = int(os.environ.get("BENCH_CONSOLE_REDIS_DB", "10"))
CACHE_DB = int(os.environ.get("BENCH_CONSOLE_CACHE_DB", "11"))
BENCH_DB = os.environ.get("BENCH_CONSOLE_DATABASE_NAME", "saleshub_bench_console")
READY = {"default": 600_000, "bulk": 300_000, "email": 100_000}  # 1,000,000 ready
DEAD = {"default": 40_000, "email": 40_000, "webhooks": 20_000}  # 100,000 dead letters
JOBS = 1_000_000
ORG = "bench-console"
TARGET_MS = 1000.0
# Each view: the API calls its first render makes, and what shows when it is rendered
# (its first data; ``body[data-rendered=<view>]`` marks every panel of it drawn).
VIEWS: dict[str, tuple[tuple[str, ...], str]] = {
    "overview": (
        ("/ops/queues", "/ops/workers", "/ops/charts?range=hour", "/ops/canaries"),
        "#queues tr[data-queue=bulk] td.ready",
    ),
    "jobs": (("/ops/jobs?limit=50",), "#jobs tbody tr"),
    # The bench seeds no batch: "no batch matches" is its first render.
    "batches": (
        ("/ops/imports?active=true&limit=50", "/ops/batches?limit=50"),
        "#batches tbody tr, #batches-empty:not([hidden])",
    ),
    "dead": (("/ops/dead-letters?limit=50",), "#dead tbody tr"),
    "schedules": (("/ops/schedule",), "#schedules tbody tr"),
    "cache": (("/ops/cache?range=hour",), "#cache-latency tbody tr"),
    "audit": (("/ops/audit?limit=50",), "#audit tbody tr"),
}
# Calls behind filters and actions, timed too (server side only).
EXTRA = (
    "/ops/jobs?status=dead&limit=50",
    "/ops/jobs?queue=email&limit=50",
    "/ops/jobs?q=row+4242&limit=50",
    "/ops/charts?range=14d",
    "/ops/dead-letters?queue=email&limit=50",
    "/ops/dead-letters/count",
    "/ops/dead-letters/count?q=KeyError:+4242",  # the dry run of a bulk action: reads all
    "/ops/dead-letters?q=KeyError:+99999&limit=50",  # a rare match: a bounded scan
)


def settings_for_bench() -> Settings:
    base = Settings.from_env()
    return base.replace(
        database={"url": with_pg_db(base.database.url, BENCH_DB)},
        broker={"url": with_redis_db(base.broker.url, REDIS_DB), "namespace": NS},
        cache={"url": with_redis_db(base.cache.url, CACHE_DB)},
    )


def prepare_database(settings: Settings) -> None:
    import subprocess

    admin = os.environ["DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://", 1)
    with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (BENCH_DB,)).fetchone():
            note(f"creating database {BENCH_DB}")
            conn.execute(f'CREATE DATABASE "{BENCH_DB}"')
    env = {**os.environ, "DATABASE_URL": settings.database.url}
    subprocess.run(
        [sys.executable, "-m", "alembic", "upgrade", "head"],
        cwd=Path(__file__).resolve().parents[1],
        env=env,
        check=True,
        timeout=120,
        stdout=subprocess.DEVNULL,
    )


def seed_jobs(settings: Settings) -> tuple[int, str]:
    """The bench org (with 1M jobs over 14 days, 1% failed) and an operator key."""
    from models import Organization, User
    from models.db import make_engine, make_sessionmaker, session_scope
    from web.auth import mint_key

    engine = make_engine(settings.database.url, pool_size=2, connect_timeout_s=5)
    sessions = make_sessionmaker(engine)
    with session_scope(sessions) as s:
        org = s.query(Organization).filter_by(name=ORG).one_or_none()
        if org is None:
            org = Organization(name=ORG)
            s.add(org)
            s.flush()
        user = User(org_id=org.id, email=f"op-{time.time_ns()}@bench.local", role="operator")
        s.add(user)
        s.flush()
        key, org_id = mint_key(s, user), org.id
    engine.dispose()
    dsn = settings.database.psycopg_dsn
    with psycopg.connect(dsn, autocommit=True, connect_timeout=5) as conn:
        have = conn.execute("SELECT count(*) FROM jobs WHERE org_id = %s", (org_id,)).fetchone()
        if have and have[0] >= JOBS:
            return org_id, key
        note(f"seeding {JOBS:,} jobs (once; kept for the next run)")
        t = time.perf_counter()
        conn.execute(
            """
            INSERT INTO jobs (id, org_id, type, actor, queue, params, message, status, attempts,
                              completed_attempts, progress, error, created_at, updated_at,
                              dispatched_at, started_at, finished_at)
            SELECT gen_random_uuid(), %(org)s,
                   (ARRAY['search.reindex','cache.warm','cache.invalidate','analytics.rollup',
                          'notifications.broadcast'])[1 + i %% 5],
                   'bench.actor', (ARRAY['default','bulk','email'])[1 + i %% 3], '{}', '{}',
                   CASE WHEN i %% 1000 = 7 THEN 'dead' WHEN i %% 100 = 3 THEN 'failed'
                        ELSE 'succeeded' END,
                   1, 1, 100,
                   CASE WHEN i %% 100 = 3 THEN 'ValueError: bad row ' || i END,
                   ts, ts, ts, ts, ts
            FROM generate_series(1, %(n)s) AS i,
                 LATERAL (SELECT now() - i * interval '1.2 seconds' AS ts) AS t
            """,
            {"org": org_id, "n": JOBS},
        )
        conn.execute("ANALYZE jobs")
        note(f"seeded jobs in {time.perf_counter() - t:.0f} s")
    return org_id, key


def seed_broker(client: redis.Redis) -> None:
    """1,000,000 ready messages and 100,000 dead letters, as Dramatiq writes them."""
    note("seeding the broker")
    now_ms = int(time.time() * 1000)
    chunk = 20_000
    for queue, n in READY.items():
        for start in range(0, n, chunk):
            ids = [f"{queue}-{i:07d}" for i in range(start, min(n, start + chunk))]
            payloads = {
                i: orjson.dumps(
                    {
                        "message_id": i,
                        "queue_name": queue,
                        "actor_name": "bench.actor",
                        "args": [1],
                        "kwargs": {},
                        "options": {},
                        "message_timestamp": now_ms,
                    }
                )
                for i in ids
            }
            pipe = client.pipeline(transaction=False)
            pipe.rpush(f"{NS}:{queue}", *ids)
            pipe.hset(f"{NS}:{queue}.msgs", mapping=payloads)  # type: ignore[arg-type]
            pipe.execute()
    for queue, n in DEAD.items():
        for start in range(0, n, chunk):
            rng = range(start, min(n, start + chunk))
            pipe = client.pipeline(transaction=False)
            pipe.zadd(f"{NS}:{queue}.XQ", {f"x{queue}{i}": now_ms - i for i in rng})
            pipe.hset(
                f"{NS}:{queue}.XQ.msgs",
                mapping={  # type: ignore[arg-type]
                    f"x{queue}{i}": orjson.dumps(
                        {
                            "message_id": f"dead-{queue}-{i}",
                            "queue_name": queue,
                            "actor_name": "bench.actor",
                            "args": [i],
                            "kwargs": {},
                            "options": {"traceback": f"Traceback\n  ...\nKeyError: {i}"},
                        }
                    )
                    for i in rng
                },
            )
            pipe.execute()


def time_api(app: Any, key: str, path: str, runs: int = 5) -> float:
    """Median server time (ms) of GET ``path``, in-process."""
    client = app.test_client()
    headers = {"Authorization": f"Bearer {key}"}
    samples = []
    for _ in range(runs):
        t = time.perf_counter()
        resp = client.get(f"/api/v1{path}", headers=headers)
        samples.append((time.perf_counter() - t) * 1000)
        if resp.status_code != 200:
            raise SystemExit(f"{path}: {resp.status_code} {resp.get_data(as_text=True)[:200]}")
    return statistics.median(samples)


def render_times(base: str, key: str, deadline: Deadline) -> dict[str, tuple[float, float]]:
    """Per view: ms from navigation start until its first data shows, and until every
    panel of it is drawn (medians of three loads)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    binary, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if not (binary and driver):
        note("chromium or chromedriver missing: page render not measured")
        return {}
    opts = webdriver.ChromeOptions()
    opts.binary_location = binary
    profile = tempfile.mkdtemp(prefix="bench-console-")
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--disable-background-networking",
        "--window-size=1366,900",
        f"--user-data-dir={profile}",
    ):
        opts.add_argument(flag)
    browser = webdriver.Chrome(service=Service(driver), options=opts)
    browser.set_script_timeout(30)
    out: dict[str, tuple[float, float]] = {}
    try:
        browser.get(f"{base}/ops")
        browser.execute_script("sessionStorage.setItem('saleshub-key', arguments[0])", key)
        for view, (_, ready) in VIEWS.items():
            first, complete = [], []
            for _ in range(3):
                deadline.check(f"render {view}")
                note(f"rendering {view}")
                browser.get("about:blank")
                browser.get(f"{base}/ops#{view}")
                shown, drawn = browser.execute_async_script(
                    "const [sel, view, done] = arguments; let shown = null; (function poll() {"
                    " if (shown === null && document.querySelector(sel)) shown = performance.now();"
                    " if (shown !== null && document.body.dataset.rendered === view)"
                    "   done([shown, performance.now()]);"
                    " else setTimeout(poll, 5); })();",
                    ready,
                    view,
                )
                first.append(shown)
                complete.append(drawn)
            out[view] = (statistics.median(first), statistics.median(complete))
            if view == "overview":
                shown = browser.execute_script(
                    "return document.querySelectorAll('#canaries:not([hidden]) li').length"
                )
                note(f"overview drawn with {shown} canaries")
    finally:
        browser.quit()
        shutil.rmtree(profile, ignore_errors=True)
    return out


def seed_canaries(client: redis.Redis) -> None:
    """A recent canary on every queue, so the overview draws its canary panel."""
    from core.ops import canary
    from core.queueing.queues import NAMES

    now = time.time()
    for queue in NAMES:
        canary.record(client, queue, sent_at=now - 2.0, started_at=now - 1.9, run_s=0.004)


def main() -> None:
    deadline = Deadline(BUDGET_S)
    settings = settings_for_bench()
    broker = redis.Redis.from_url(settings.broker.url, socket_timeout=30)
    flush_namespace(broker, NS)
    flush_namespace(broker, "saleshub")
    prepare_database(settings)
    org_id, key = seed_jobs(settings)
    seed_broker(broker)
    seed_canaries(broker)
    deadline.check("seeding")

    from werkzeug.serving import make_server

    from web import create_app

    app = create_app(settings)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        with app.test_client() as c:
            some = c.get("/api/v1/ops/jobs?limit=1", headers={"Authorization": f"Bearer {key}"})
            job_id = some.json["items"][0]["id"]  # type: ignore[index]
            for action in ("pause", "resume"):  # entries for the audit log view
                c.post(
                    f"/api/v1/ops/queues/bulk/{action}", headers={"Authorization": f"Bearer {key}"}
                )
        api_ms: dict[str, float] = {}
        for view, (paths, _) in VIEWS.items():
            # The calls of a view run side by side in the browser: its API time is the slowest.
            api_ms[view] = max(time_api(app, key, p) for p in paths)
            for p in paths:
                emit(
                    f"console_api_{p.split('?')[0].strip('/').replace('/', '_')}_ms",
                    time_api(app, key, p),
                    "ms",
                    detail=True,
                )
        for path in (*EXTRA, f"/ops/jobs/{job_id}"):
            label = path.split("?")[0].strip("/").replace("/", "_")
            if "?" in path:
                first = path.split("?")[1].split("&")[0]
                label += "_" + "".join(ch if ch.isalnum() else "_" for ch in first)
            if path.startswith("/ops/jobs/") and "?" not in path:
                label = "ops_jobs_detail"
            emit(
                f"console_api_{label}_ms", time_api(app, key, path), "ms", f"<= {TARGET_MS:.0f} ms"
            )
        renders = render_times(base, key, deadline)
        for view in VIEWS:
            emit(f"console_{view}_api_ms", api_ms[view], "ms", f"<= {TARGET_MS:.0f} ms")
            if view in renders:
                first, complete = renders[view]
                emit(f"console_{view}_first_render_ms", first, "ms", f"<= {TARGET_MS:.0f} ms")
                emit(f"console_{view}_complete_render_ms", complete, "ms", f"<= {TARGET_MS:.0f} ms")
        emit("loadavg_1m", os.getloadavg()[0], "load")
        ready, dead = sum(READY.values()), sum(DEAD.values())
        note(f"org {org_id}: {JOBS:,} jobs, {ready:,} ready, {dead:,} dead")
    finally:
        server.shutdown()
        flush_namespace(broker, NS)
        flush_namespace(broker, "saleshub")


if __name__ == "__main__":
    main()
