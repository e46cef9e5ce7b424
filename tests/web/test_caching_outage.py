"""The cache Redis stopped or flushed mid-run: every request still answers, and correctly."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis
from flask import Flask

from tests.conftest import auth
from tests.support.client import client_for
from tests.support.factories import Tenant
from tests.support.stack import RedisServer, wait_for
from tests.web.helpers import create_all

FAST_FAILURE = {"timeout_ms": 500.0, "breaker_s": 0.2}


@pytest.fixture
def cache_server(tmp_path: Path) -> Iterator[RedisServer]:
    # AOF on, so a restart brings back every entry cached before the outage.
    server = RedisServer(tmp_path, policy="allkeys-lru")
    server.start()
    yield server
    server.stop()


def test_stopped_mid_run(
    make_app: Callable[..., Flask], cache_server: RedisServer, tenant: Tenant
) -> None:
    app = make_app(cache={**FAST_FAILURE, "url": cache_server.url})
    client, key = client_for(app), auth(tenant.member)
    row = create_all(client, tenant.member)["contacts"]
    urls = [f"/api/v1/contacts/{row['id']}", "/api/v1/contacts?limit=5"]
    urls.append("/api/v1/analytics/dashboard")
    for url in urls * 2:
        client.get(url, headers=key)
    assert all(client.get(u, headers=key).headers["X-Cache"] == "HIT" for u in urls)
    answers: list[tuple[int, str | None, bool]] = []
    stop, written = threading.Event(), threading.Event()

    def load() -> None:
        reader = client_for(app)
        while not stop.is_set():
            after_write = written.is_set()
            resp = reader.get(urls[0], headers=key)
            answers.append((resp.status_code, (resp.json or {}).get("first_name"), after_write))

    threads = [threading.Thread(target=load) for _ in range(4)]
    for t in threads:
        t.start()
    try:
        wait_for(lambda: len(answers) > 20)
        cache_server.stop()
        n = len(answers)
        wait_for(lambda: len(answers) > n + 40)
        for url in urls:  # every endpoint, from PostgreSQL
            assert client.get(url, headers=key).status_code == 200
        # A write while the cache is down: its bump fails and is kept...
        patched = client.patch(urls[0], json={"first_name": "Grace"}, headers=key)
        assert patched.status_code == 200
        written.set()
        assert client.get(urls[0], headers=key).json["first_name"] == "Grace"
        # ...and the Redis that comes back still holds the old entry (AOF): the kept bump
        # lands before this process reads from it again.
        cache_server.start()
        n = len(answers)
        wait_for(lambda: len(answers) > n + 40)
        wait_for(lambda: client.get(urls[0], headers=key).headers["X-Cache"] == "HIT")
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert {status for status, _, _ in answers} == {200}
    # Every read that started after the write returned saw it, before and after the restart.
    assert {name for _, name, after in answers if after} == {"Grace"}
    assert {name for _, name, after in answers if not after} <= {"Ada", "Grace"}
    assert client.get(urls[0], headers=key).json == patched.json


def test_flushed_mid_run(make_app: Callable[..., Flask], tenant: Tenant) -> None:
    reader, writer = client_for(make_app()), client_for(make_app())
    key = auth(tenant.member)
    row = create_all(writer, tenant.member)["deals"]
    urls = [f"/api/v1/deals/{row['id']}", "/api/v1/deals?limit=5", "/api/v1/analytics/dashboard"]
    raw = redis.Redis.from_url(reader.application.extensions["saleshub"].settings.cache.url)
    for stage in ("lead", "qualified", "won"):
        for url in urls * 2:
            assert reader.get(url, headers=key).status_code == 200
        raw.flushdb()  # versions and values gone at once
        writer.patch(urls[0], json={"stage": stage}, headers=key)
        assert reader.get(urls[0], headers=key).json["stage"] == stage
        assert reader.get(urls[1], headers=key).json["items"][0]["stage"] == stage
        assert reader.get(urls[2], headers=key).json["pipeline"][stage]["count"] == 1
        raw.flushdb()  # and again between a write and the next read
        assert reader.get(urls[0], headers=key).json["stage"] == stage
    raw.close()
