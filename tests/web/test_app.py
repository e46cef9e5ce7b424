"""``create_app``: it refuses a broker Redis that may evict (an evicted key is a lost job)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator

import pytest
import redis

from core.redis_clients import BrokerConfigError
from core.settings import Settings
from tests.web.conftest import build_app, dispose


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def evicting_redis() -> Iterator[str]:
    """A private ``redis-server`` started with ``allkeys-lru``; its URL."""
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("redis-server is not installed")
    port = _free_port()
    proc = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--maxmemory", "64mb",
         "--maxmemory-policy", "allkeys-lru", "--save", "", "--appendonly", "no",
         "--daemonize", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"redis://127.0.0.1:{port}/0"
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                with redis.Redis.from_url(url, socket_connect_timeout=0.2) as client:
                    client.ping()
                break
            except redis.ConnectionError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _set_policy(url: str, policy: str) -> None:
    with redis.Redis.from_url(url) as client:
        client.config_set("maxmemory-policy", policy)


@pytest.mark.parametrize(
    "policy", ["allkeys-lru", "volatile-lru", "allkeys-random", "volatile-ttl"]
)
def test_an_evicting_broker_is_refused(
    settings: Settings, evicting_redis: str, policy: str
) -> None:
    _set_policy(evicting_redis, policy)
    with pytest.raises(BrokerConfigError, match="noeviction") as raised:
        build_app(settings.replace(broker={"url": evicting_redis}))
    assert policy in str(raised.value)


def test_the_same_server_with_noeviction_is_accepted(
    settings: Settings, evicting_redis: str
) -> None:
    _set_policy(evicting_redis, "noeviction")
    try:
        app = build_app(settings.replace(broker={"url": evicting_redis}))
        assert app.extensions["saleshub"].settings.broker.url == evicting_redis
        dispose(app)
    finally:
        _set_policy(evicting_redis, "allkeys-lru")


def test_the_cache_may_evict(settings: Settings, evicting_redis: str) -> None:
    # Only the broker role must keep every key; the cache role is LRU by design.
    _set_policy(evicting_redis, "allkeys-lru")
    app = build_app(settings.replace(cache={"url": evicting_redis}))
    try:
        assert app.extensions["saleshub"].cache.config_get("maxmemory-policy") == {
            "maxmemory-policy": "allkeys-lru"
        }
    finally:
        dispose(app)
