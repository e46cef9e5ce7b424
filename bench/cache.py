"""Cache benchmarks: hit path vs raw GET, bulk calls, cached endpoint time, hit rate, stampede.

Run as ``.venv/bin/python bench/cache.py``; prints one JSON object per figure.

Isolation: Redis database ``BENCH_CACHE_REDIS_DB`` (default 9) on the cache Redis, keys only
under ``bench_cache:`` (deleted with SCAN + UNLINK before and after), and the PostgreSQL
database ``saleshub_bench_cache`` (created and migrated if missing; its org is deleted at
the end). Bounded by ``BUDGET_S``. Timings are in-process on a 2-core machine shared with
other work: the ``loadavg_1m`` figure says how busy it was.
"""

from __future__ import annotations

import bisect
import os
import random
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.support.common import (
    Deadline,
    emit,
    flush_namespace,
    load_env,
    note,
    percentile,
    prepare_database,
    with_pg_db,
    with_redis_db,
)

load_env()

import orjson  # noqa: E402
import redis  # noqa: E402

from core.cache.service import Cache, Result  # noqa: E402
from core.cache.warm import Warmer, warm_keys, warm_org, written_keys  # noqa: E402
from core.settings import Settings  # noqa: E402

BUDGET_S = 110.0
NAMESPACE = "bench_cache"
REDIS_DB = int(os.environ.get("BENCH_CACHE_REDIS_DB", "9"))
BENCH_DB = os.environ.get("BENCH_CACHE_DATABASE_NAME", "saleshub_bench_cache")
REPLAY_REQUESTS, REPLAY_KEYS, WRITE_SHARE, ZIPF_S = 100_000, 5_000, 0.05, 1.0
WARM_EVERY, WARM_TOP = 2_000, 500


def us(samples: list[float], q: float) -> float:
    return float(percentile(sorted(samples), q) or 0.0) * 1e6


def timed(fn: Callable[[], Any], n: int) -> list[float]:
    out = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def contact(rng: random.Random, i: int) -> dict[str, Any]:
    first = rng.choice(["Ada", "Grace", "Émile", "Zoë", "Jürgen", "Agnieszka", "Mateus", "Sven"])
    last = rng.choice(["Lovelace", "Hopper", "Durand", "Kowalski", "Svensson", "Oliveira"])
    return {
        "id": i,
        "created_at": f"2026-0{1 + i % 9}-1{i % 10}T10:{i % 60:02d}:00.123456+00:00",
        "updated_at": "2026-10-05T10:00:00.654321+00:00",
        "owner_id": rng.choice([None, 3, 4, 7]),
        "first_name": first,
        "last_name": last,
        "email": f"{first.lower()}.{last.lower()}{i}@example.com",
        "phone": f"+33 6 {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)} 12",
        "title": rng.choice(["CTO", "Head of Sales", "Buyer", "Account Manager", None]),
        "company_id": rng.randint(1, 2000),
    }


def bench_service(cache: Cache, raw: redis.Redis, rng: random.Random) -> None:
    """Hit path vs raw GET on the same payload; 100-key get_many/set_many."""
    listing = orjson.dumps({"items": [contact(rng, i) for i in range(50)], "next_cursor": None})
    detail = orjson.dumps(contact(rng, 7))
    for label, payload in (("list50", listing), ("detail", detail)):
        raw.set(f"{NAMESPACE}:raw:{label}", payload)
        key = cache.key(1000, f"bench.{label}", {"limit": 50})
        tags = [["list:contacts", "rows:contacts"]]
        cache.fetch(key, tags=tags[0], compute=lambda p=payload: p)
        body = cache.lookup([key], tags)[0]
        assert body is not None and body.payload == payload
        raw_t: list[float] = []
        hit_t: list[float] = []
        json_t: list[float] = []
        for _ in range(8):  # interleaved, so drift in machine load hits all three alike
            raw_t += timed(lambda label=label: raw.get(f"{NAMESPACE}:raw:{label}"), 300)
            hit_t += timed(lambda key=key, tags=tags: cache.lookup([key], tags), 300)
            json_t += timed(lambda key=key, tags=tags: cache.get(key, tags[0]), 300)
        base = us(raw_t, 0.5)
        size = f"{len(payload)} B JSON, stored {body.stored_bytes} B"
        note(f"{label}: {size}")
        emit(f"cache_hit_path_{label}_p50", us(hit_t, 0.5), "us", "<= 1.3x raw GET", base)
        emit(f"cache_get_json_{label}_p50", us(json_t, 0.5), "us", "<= 1.3x raw GET", base)
        emit(f"raw_redis_get_{label}_p50", base, "us")
    items = [(cache.key(1000, "bench.detail", {"id": i}), contact(rng, i)) for i in range(100)]
    tagged = [(k, v, [f"contacts:{v['id']}", "rows:contacts"]) for k, v in items]
    keys, tags = [k for k, _ in items], [t for _, _, t in tagged]
    set_t = timed(lambda: cache.set_many(tagged), 200)
    get_t = timed(lambda: cache.get_many(keys, tags), 300)
    assert cache.get_many(keys, tags) == [v for _, v in items]
    emit("cache_set_many_100_p50", us(set_t, 0.5) / 1000, "ms", "<= 2 ms", 32.0)
    emit("cache_get_many_100_p50", us(get_t, 0.5) / 1000, "ms", "<= 2 ms", 32.0)


def bench_endpoint(settings: Settings) -> None:
    """Server time of ``GET /api/v1/contacts?limit=50``, cached and not, in-process."""
    from core import seed
    from models import Organization, User
    from models.db import session_scope
    from web import create_app
    from web.auth import mint_key

    prepare_database(BENCH_DB)
    org_name = f"bench-cache-{os.getpid()}"
    seed.seed(settings, org_name, seed.sizes_for(2000))
    on = create_app(settings)
    off = create_app(settings.replace(cache={"enabled": False}))
    try:
        sessions = on.extensions["saleshub"].sessions
        with session_scope(sessions) as s:
            org = s.query(Organization).filter_by(name=org_name).one()
            user = User(org_id=org.id, email=f"{org_name}@bench.local", role="member")
            s.add(user)
            s.flush()
            key = mint_key(s, user)
        headers = {"Authorization": f"Bearer {key}"}
        figures: dict[str, list[float]] = {}
        for label, app, n in (("cached", on, 2000), ("uncached", off, 400)):
            samples: list[float] = []
            inner = app.wsgi_app

            def timed_app(environ: Any, start: Any, inner: Any = inner, out: Any = samples) -> Any:
                t = time.perf_counter()
                body = b"".join(inner(environ, start))
                out.append(time.perf_counter() - t)
                return [body]

            app.wsgi_app = timed_app  # type: ignore[method-assign]
            client = app.test_client()
            for _ in range(20):  # warm up connections and the entry
                client.get("/api/v1/contacts?limit=50", headers=headers)
            samples.clear()
            for _ in range(n):
                resp = client.get("/api/v1/contacts?limit=50", headers=headers)
            assert resp.status_code == 200 and len(resp.json["items"]) == 50
            figures[label] = samples
        emit("endpoint_cached_p50", us(figures["cached"], 0.5) / 1000, "ms", "<= 1 ms")
        emit("endpoint_cached_p99", us(figures["cached"], 0.99) / 1000, "ms")
        base = us(figures["uncached"], 0.5) / 1000
        emit("endpoint_uncached_p50", base, "ms")
        emit("endpoint_uncached_p99", us(figures["uncached"], 0.99) / 1000, "ms")
        emit(
            "endpoint_cached_vs_uncached_p50",
            us(figures["cached"], 0.5) / 1000,
            "ms",
            "< 1x uncached",
            base,
        )
        with session_scope(sessions) as s:
            s.query(Organization).filter_by(name=org_name).delete()
    finally:
        for app in (on, off):
            app.extensions["saleshub"].engine.dispose()


def zipf_sampler(n: int, s: float, rng: random.Random) -> Callable[[], int]:
    cumulative, total = [], 0.0
    for rank in range(1, n + 1):
        total += 1 / rank**s
        cumulative.append(total)
    return lambda: bisect.bisect_left(cumulative, rng.random() * total)


def replay(cache: Cache, org: int, *, warming: bool, seconds: float) -> tuple[float, int, int]:
    """Hit rate of Zipf reads of details with 5% writes: (hit rate, stale reads, requests).

    Stops early (and says so in its request count) when ``seconds`` run out.
    """
    rng = random.Random(42)
    pick = zipf_sampler(REPLAY_KEYS, ZIPF_S, rng)
    versions = [0] * REPLAY_KEYS

    def compute(row: int) -> bytes:
        return orjson.dumps({"id": row, "v": versions[row], "pad": "x" * 300})

    def tags(row: int) -> list[str]:
        return [f"contacts:{row}", "rows:contacts"]

    warmer = Warmer(
        tags=lambda p: tags(p["item_id"]), compute=lambda _s, _o, p: compute(p["item_id"])
    )
    warmers = {"contacts.detail": warmer}
    cache.invalidate_pattern(org, "*")  # a cold cache (a deploy, a flush)
    if warming:
        warm_org(cache, None, org, top=WARM_TOP, warmers=warmers)  # type: ignore[arg-type]
    states: Counter[str] = Counter()
    stale_reads = 0
    end = time.monotonic() + seconds
    done = 0
    for n in range(REPLAY_REQUESTS):
        if n % 1000 == 0 and time.monotonic() > end:
            break
        done += 1
        row = pick()
        if rng.random() < WRITE_SHARE:
            versions[row] += 1
            written = [f"contacts:{row}", "list:contacts"]
            if cache.bump(org, written) and warming:  # refresh_on_write, as core.cache.track
                warm_keys(cache, None, org, written_keys(written), warmers=warmers)  # type: ignore[arg-type]
            continue
        key = cache.key(org, "contacts.detail", {"item_id": row})
        result: Result = cache.fetch(key, tags=tags(row), compute=lambda row=row: compute(row))
        states[result.state] += 1
        stale_reads += orjson.loads(result.payload)["v"] != versions[row]
        if warming and n % WARM_EVERY == WARM_EVERY - 1:
            warm_org(cache, None, org, top=WARM_TOP, warmers=warmers)  # type: ignore[arg-type]
    reads = sum(states.values())
    return (states["HIT"] + states["STALE"]) / reads, stale_reads, done


def stampede(cache: Cache, *, expired: bool) -> int:
    """Computations when 100 threads ask for one cold (or expired) key at once."""
    key = cache.key(3, "dashboard", {"expired": expired})
    calls = Counter[str]()
    lock = threading.Lock()

    def compute() -> bytes:
        with lock:
            calls["n"] += 1
        time.sleep(0.05)
        return b'{"figures": 1}'

    if expired:
        cache.fetch(key, tags=["dashboard"], compute=lambda: b"{}", soft_ttl=0.001)
        time.sleep(0.01)
    barrier = threading.Barrier(100)

    def run() -> None:
        barrier.wait()
        cache.fetch(key, tags=["dashboard"], compute=compute, soft_ttl=60)

    threads = [threading.Thread(target=run) for _ in range(100)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return calls["n"]


def main() -> int:
    deadline = Deadline(BUDGET_S)
    url = with_redis_db(os.environ["CACHE_URL"], REDIS_DB)
    raw = redis.Redis.from_url(url)
    settings = Settings.from_env().replace(
        database={"url": with_pg_db(os.environ["DATABASE_URL"], BENCH_DB)},
        cache={"url": url, "namespace": NAMESPACE, "timeout_ms": 1000.0},
        environment="bench",
    )
    cache = Cache.from_url(url, settings.cache, environment="bench")
    flush_namespace(raw, NAMESPACE)
    emit("loadavg_1m", os.getloadavg()[0], "load", "2 cores, shared")
    try:
        rng = random.Random(7)
        bench_service(cache, raw, rng)
        deadline.check("service figures")
        bench_endpoint(settings)
        deadline.check("endpoint figures")
        emit("stampede_cold_computations", stampede(cache, expired=False), "calls", "<= 2")
        emit("stampede_expired_computations", stampede(cache, expired=True), "calls", "<= 2")
        share = max(5.0, (deadline.left() - 5) / 2)
        cold, stale_cold, n_cold = replay(cache, 2, warming=False, seconds=share)
        warm, stale_warm, n_warm = replay(cache, 2, warming=True, seconds=share)
        emit("hit_rate_replay_without_warming", cold * 100, "%", None, 80.0)
        emit("hit_rate_replay_with_warming", warm * 100, "%", ">= 95%", 80.0)
        emit("replay_requests", min(n_cold, n_warm), "requests", REPLAY_REQUESTS)
        emit("replay_stale_reads", stale_cold + stale_warm, "reads", 0)
    finally:
        flush_namespace(raw, NAMESPACE)
        cache.close()
        raw.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
