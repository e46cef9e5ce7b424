"""The cache service against a real Redis: values, tags, races, single-flight, outages."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

import orjson
import pytest
import redis

from core.cache.service import HIT, MISS, STALE, Cache, Result, Uncacheable
from core.settings import CacheSettings, Settings
from tests.support.stack import free_port

ORG, OTHER = 1, 2


def make_cache(url: str, **changes: object) -> Cache:
    return Cache.from_url(
        url, CacheSettings(timeout_ms=2000).model_copy(update=changes), environment="test"
    )


@pytest.fixture
def cache(settings: Settings) -> Iterator[Cache]:
    c = make_cache(settings.cache.url)
    yield c
    c.close()


class Counted:
    """A computation that counts its calls (and can take its time)."""

    def __init__(self, payload: bytes = b'{"v":1}', delay: float = 0.0) -> None:
        self.payload = payload
        self.delay = delay
        self.calls = 0
        self._lock = threading.Lock()

    def __call__(self) -> bytes:
        with self._lock:
            self.calls += 1
        time.sleep(self.delay)
        return self.payload


def test_values_round_trip_singly_and_in_bulk(cache: Cache) -> None:
    keys = [cache.key(ORG, "thing", {"n": i}) for i in range(100)]
    assert (
        cache.set_many(
            [(k, {"n": i, "s": "x" * i * 30}, ["list:things"]) for i, k in enumerate(keys)]
        )
        == 100
    )
    expected = [{"n": i, "s": "x" * i * 30} for i in range(100)]
    assert cache.get_many(keys) == expected  # tags read from the entries: two round trips
    assert cache.get_many(keys, [["list:things"]] * 100) == expected  # one
    assert cache.get(cache.key(ORG, "thing", {"n": 100})) is None
    assert cache.set(cache.key(ORG, "plain"), [1, 2]) and cache.get(cache.key(ORG, "plain")) == [
        1,
        2,
    ]
    assert cache.get_many([]) == [] and cache.set_many([]) == 0


def test_canonical_params_and_orgs_make_the_key(cache: Cache) -> None:
    a = cache.key(ORG, "contacts.list", {"limit": 50, "sort": "-created_at"})
    assert a == cache.key(ORG, "contacts.list", {"sort": "-created_at", "limit": 50})
    assert a.entry != cache.key(OTHER, "contacts.list", {"limit": 50, "sort": "-created_at"}).entry
    assert a.entry != cache.key(ORG, "contacts.list", {"limit": 51, "sort": "-created_at"}).entry
    long = cache.key(ORG, "contacts.list", {"cursor": "x" * 500})
    assert "#" in long.entry and len(long.entry) < 120 and "x" * 500 in long.member
    cache.set(a, "org 1's answer")
    assert (
        cache.get(cache.key(OTHER, "contacts.list", {"limit": 50, "sort": "-created_at"})) is None
    )


def test_a_bump_invalidates_only_what_depends_on_the_tag_in_that_org(cache: Cache) -> None:
    one = cache.key(ORG, "contacts.detail", {"item_id": 1})
    two = cache.key(ORG, "contacts.detail", {"item_id": 2})
    theirs = cache.key(OTHER, "contacts.detail", {"item_id": 1})
    cache.set(one, "one", ["contacts:1", "rows:contacts"])
    cache.set(two, "two", ["contacts:2", "rows:contacts"])
    cache.set(theirs, "theirs", ["contacts:1", "rows:contacts"])
    assert cache.bump(ORG, ["contacts:1"])
    assert cache.get_many([one, two, theirs]) == [None, "two", "theirs"]
    assert cache.bump(ORG, ["rows:contacts"])
    assert cache.get_many([two, theirs]) == [None, "theirs"]


def test_a_value_computed_before_a_write_never_lands_after_it(cache: Cache) -> None:
    key = cache.key(ORG, "dashboard")
    versions = cache.snapshot([(ORG, ["dashboard"])])[0]  # a warm starts reading...
    cache.bump(ORG, ["dashboard"])  # ...a write commits...
    entry, ttl = cache.entry(b'{"old":true}', versions)
    assert cache.store([(key, entry, ttl)]) == [False]  # ...the warm's store is refused
    assert cache.lookup([key]) == [None]
    fresh = cache.snapshot([(ORG, ["dashboard"])])[0]
    entry, ttl = cache.entry(b'{"new":true}', fresh)
    assert cache.store([(key, entry, ttl)]) == [True]
    assert cache.fetch(key, tags=["dashboard"], compute=Counted()).payload == b'{"new":true}'


def test_a_lost_tag_version_can_never_match_again(cache: Cache, settings: Settings) -> None:
    key = cache.key(ORG, "contacts.list")
    cache.set(key, "cached", ["list:contacts"])
    raw = redis.Redis.from_url(settings.cache.url)
    raw.delete(cache.keys.tag(ORG, "list:contacts"))  # evicted or flushed
    assert cache.get(key) is None
    cache.snapshot([(ORG, ["list:contacts"])])  # re-created with a fresh random version
    assert cache.get(key) is None
    raw.close()


def test_fetch_misses_then_hits_and_never_stores_uncacheable_answers(cache: Cache) -> None:
    key = cache.key(ORG, "contacts.detail", {"item_id": 5})
    compute = Counted()
    first = cache.fetch(key, tags=["contacts:5"], compute=compute)
    second = cache.fetch(key, tags=["contacts:5"], compute=compute)
    assert (first.state, second.state, compute.calls) == (MISS, HIT, 1)
    assert first.payload == second.payload and first.etag == second.etag

    def not_found() -> bytes:
        raise Uncacheable("404")

    missing = cache.key(ORG, "contacts.detail", {"item_id": 6})
    for _ in range(2):
        with pytest.raises(Uncacheable):
            cache.fetch(missing, tags=["contacts:6"], compute=not_found)
    assert cache.lookup([missing]) == [None]
    assert not cache.client.exists(missing.lock)  # released despite the exception


def _hammer(n: int, call: Callable[[], Result]) -> list[Result]:
    barrier = threading.Barrier(n)
    results: list[Result] = []
    errors: list[BaseException] = []

    def run() -> None:
        barrier.wait()
        try:
            results.append(call())
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors[:3]
    return results


def test_a_stampede_on_a_cold_key_computes_at_most_twice(cache: Cache) -> None:
    key = cache.key(ORG, "dashboard")
    compute = Counted(orjson.dumps({"figures": list(range(500))}), delay=0.2)
    results = _hammer(100, lambda: cache.fetch(key, tags=["dashboard"], compute=compute))
    assert compute.calls <= 2
    assert {r.payload for r in results} == {compute.payload}
    assert sum(r.state == MISS for r in results) == compute.calls
    # Every other caller got the computed value from the cache: most after waiting for the
    # lock holder, a few (on a loaded machine) only after it had stored the value.
    assert cache.stats.totals["hits|dashboard"] == 100 - compute.calls
    assert cache.stats.totals["lock_waits|dashboard"] >= 1


def test_a_stampede_on_an_expired_key_serves_stale_while_one_refreshes(cache: Cache) -> None:
    key = cache.key(ORG, "dashboard")
    cache.fetch(key, tags=["dashboard"], compute=Counted(b"old"), soft_ttl=0.001)
    time.sleep(0.01)
    compute = Counted(b"new", delay=0.2)
    results = _hammer(
        100, lambda: cache.fetch(key, tags=["dashboard"], compute=compute, soft_ttl=60)
    )
    assert compute.calls == 1
    states = [r.state for r in results]
    assert states.count(MISS) == 1 and states.count(STALE) + states.count(HIT) == 99
    assert {r.payload for r in results if r.state == STALE} <= {b"old"}
    assert cache.fetch(key, tags=["dashboard"], compute=compute).payload == b"new"


def test_xfetch_refreshes_a_valid_value_early(settings: Settings) -> None:
    eager = make_cache(settings.cache.url, xfetch_beta=1e12)
    never = make_cache(settings.cache.url, xfetch_beta=0)
    key = eager.key(ORG, "dashboard")
    compute = Counted(delay=0.005)  # a computation that takes time: its delta is > 0
    eager.fetch(key, tags=["dashboard"], compute=compute)
    assert never.fetch(key, tags=["dashboard"], compute=compute).state == HIT
    assert compute.calls == 1
    assert eager.fetch(key, tags=["dashboard"], compute=compute).state == MISS
    assert compute.calls == 2 and eager.stats.totals["early_refreshes|dashboard"] == 1
    eager.close()
    never.close()


def test_without_redis_every_call_degrades_to_computing(settings: Settings) -> None:
    down = make_cache(f"redis://127.0.0.1:{free_port()}/0", timeout_ms=200, breaker_s=60)
    key = down.key(ORG, "dashboard")
    compute = Counted()
    states = [down.fetch(key, tags=["dashboard"], compute=compute).state for _ in range(5)]
    assert states == [MISS] * 5 and compute.calls == 5
    assert down.get(key) is None and down.set(key, 1) is False
    assert down.bump(ORG, ["dashboard"]) is False  # kept for when the cache is back
    assert not down.usable(ORG)
    # One failure opened the breaker: the other calls did not wait on Redis.
    assert down.stats.totals["errors|dashboard"] == 1
    with pytest.raises(redis.ConnectionError):
        down.bump(ORG, ["dashboard"], strict=True)
    down.close()


def test_pattern_invalidation_deletes_only_the_orgs_matching_entries(cache: Cache) -> None:
    mine = [cache.key(ORG, "contacts.list", {"page": i}) for i in range(1200)]
    keep = [cache.key(ORG, "deals.list"), cache.key(OTHER, "contacts.list", {"page": 1})]
    cache.set_many([(k, i, []) for i, k in enumerate(mine + keep)])
    assert cache.invalidate_pattern(ORG, "contacts.*") == 1200
    assert cache.get_many(mine[:3] + keep) == [None, None, None, 1200, 1201]


def test_stats_count_every_process_and_describe_redis(cache: Cache, settings: Settings) -> None:
    other_process = make_cache(settings.cache.url)
    key = cache.key(ORG, "contacts.list")
    cache.fetch(key, tags=["list:contacts"], compute=Counted(b"x" * 5000))
    other_process.fetch(key, tags=["list:contacts"], compute=Counted())
    other_process.stats.flush(other_process.client)
    report = cache.report()
    ns = report["namespaces"]["contacts.list"]
    assert (ns["hits"], ns["misses"], ns["computations"], ns["hit_rate"]) == (1, 1, 1, 0.5)
    assert ns["bytes_saved"] > 4000 and report["hits"] == 1
    assert report["keys"] >= 1 and report["memory"]["used_bytes"] > 0
    assert sum(report["latency_ms"]["buckets"].values()) == 2
    other_process.close()


def test_prometheus_series(cache: Cache) -> None:
    from prometheus_client import CollectorRegistry, generate_latest

    from core.cache.stats import CacheCollector

    key = cache.key(ORG, "dashboard")
    for _ in range(2):
        cache.fetch(key, tags=["dashboard"], compute=Counted())
    registry = CollectorRegistry()
    cache.stats.flush(cache.client)
    registry.register(CacheCollector(cache.stats, cache.client))
    text = generate_latest(registry).decode()
    assert 'saleshub_cache_events_total{event="hits",namespace="dashboard"} 1.0' in text
    assert 'saleshub_cache_lookup_seconds_bucket{le="+Inf"} 2.0' in text
