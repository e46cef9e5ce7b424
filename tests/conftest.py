"""Fixtures: real PostgreSQL and Redis (private instances from ``make test``), a fresh schema."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from alembic import command
from alembic.config import Config
from dotenv import dotenv_values
from flask import Flask
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from core import logs
from core.settings import (
    BrokerSettings,
    CacheSettings,
    DatabaseSettings,
    Settings,
    WorkerSettings,
)
from models import Base
from models.db import make_engine, make_sessionmaker, session_scope
from tests.support.client import JsonClient, client_for
from tests.support.factories import Tenant, make_tenant
from tests.support.xdist import WorkerServices, exclusive, worker_index

ROOT = Path(__file__).resolve().parent.parent
# Emptying the tables after each test: DELETE in dependency order and a sequence reset cost
# about 5 ms here; TRUNCATE of the same tables cost about 50 ms (it swaps every table's and
# index's files). A per-test SAVEPOINT would be cheaper still, but most tests cross
# connections (the app's own engine, the relay's LISTEN, worker processes) and must see
# committed rows.
_EMPTY = text(
    "; ".join(f"DELETE FROM {t.name}" for t in reversed(Base.metadata.sorted_tables))
    + "; SELECT setval(c.oid, 1, false) FROM pg_class c"
    " WHERE c.relkind = 'S' AND c.relnamespace = 'public'::regnamespace"
)


def _test_env() -> dict[str, str]:
    if not os.environ.get("TEST_DATABASE_URL"):
        # Not started through `make test`: start (or reuse) the private services.
        subprocess.run([str(ROOT / "scripts" / "services.sh"), "start"], check=True, cwd=ROOT)
        return {k: v for k, v in dotenv_values(ROOT / ".env").items() if v}
    return dict(os.environ)


_worker_services: WorkerServices | None = None


def pytest_configure(config: pytest.Config) -> None:
    """An xdist worker past the first gets its own database and Redis servers."""
    global _worker_services
    if worker_index() == 0:
        return
    if not os.environ.get("TEST_DATABASE_URL"):
        os.environ.update(_test_env())
    _worker_services = WorkerServices()
    _worker_services.isolate()


def pytest_unconfigure(config: pytest.Config) -> None:
    if _worker_services is not None:
        _worker_services.stop()


# The files that took a minute or more of `make test` (its junit report, 2026-12-08), dealt
# out first. With `--dist loadfile` a file runs whole on one xdist worker, and files are
# dealt in collection order as workers free up: one of these dealt last kept a worker busy
# for its whole length while the others sat idle. The rest keep their order after them.
SLOW_FIRST = (
    "tests/web/test_bad_input.py",
    "tests/web/test_contract_fuzz.py",
    "tests/bench/test_chaos.py",
    "tests/test_make_run.py",
    "tests/web/test_console_views.py",
    "tests/worker/test_end_to_end.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Put the tests of :data:`SLOW_FIRST` first, longest first (a stable sort)."""
    rank = {path: n for n, path in enumerate(SLOW_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::", 1)[0], len(SLOW_FIRST)))


@pytest.fixture(scope="session")
def settings() -> Settings:
    env = _test_env()
    return Settings(
        environment="test",
        database=DatabaseSettings(url=env["TEST_DATABASE_URL"], pool_size=5),
        broker=BrokerSettings(url=env["TEST_BROKER_URL"], resend_after_s=2.0),
        cache=CacheSettings(url=env["TEST_CACHE_URL"]),
        worker=WorkerSettings(
            heartbeat_timeout_ms=3_000, maintenance_interval_s=0.5, max_attempts=3
        ),
    )


@pytest.fixture(scope="session")
def engine(settings: Settings) -> Iterator[Engine]:
    eng = make_engine(settings.database.url, pool_size=5)
    with eng.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.attributes["database_url"] = settings.database.url
    cfg.attributes["configure_logger"] = False
    # The migrations create a cluster-wide role; xdist workers must not race on it.
    with exclusive("migrate"):
        command.upgrade(cfg, "head")
    yield eng
    eng.dispose()


@pytest.fixture(scope="session")
def sessions(engine: Engine) -> sessionmaker[Session]:
    return make_sessionmaker(engine)


@pytest.fixture
def broker_redis(settings: Settings) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(settings.broker.url)
    yield client
    client.close()


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


@pytest.fixture(autouse=True)
def _unbound_log_context() -> Iterator[None]:
    """Every test starts with no request id, caller or job bound to its thread's log records.

    A test that leaves a request context open (the Flask test client defers a request's
    teardown while it is used as a context manager) would otherwise hand its caller binding
    to whatever test runs next on that thread; that requests restore the binding they found
    is tested in tests/web/test_request_log.py.
    """
    tokens = [(var, var.set(None)) for var in (logs.request_id, logs.caller, logs.job)]
    yield
    for var, token in reversed(tokens):
        with contextlib.suppress(ValueError):  # a token from another context: nothing to undo
            var.reset(token)


@pytest.fixture(autouse=True)
def _clean(request: pytest.FixtureRequest, settings: Settings) -> Iterator[None]:
    """Every test starts with empty tables and empty test Redis databases."""
    yield
    if "engine" in request.fixturenames:
        engine: Engine = request.getfixturevalue("engine")
        with engine.begin() as conn:
            conn.execute(_EMPTY)
    for url in (settings.broker.url, settings.cache.url):
        with redis.Redis.from_url(url) as client:
            client.flushdb()


@pytest.fixture(scope="session")
def rabbitmq_url() -> str:
    """The private RabbitMQ's test vhost (waits for the node ``make test`` is booting)."""
    from tests.support.rabbitmq import rabbitmq_url

    return rabbitmq_url()


@pytest.fixture
def rabbit_settings(settings: Settings, rabbitmq_url: str) -> Iterator[Settings]:
    """The test settings with job messages on RabbitMQ; its queues are emptied after."""
    from tests.support.rabbitmq import purge

    yield settings.replace(broker={"kind": "rabbitmq", "rabbitmq_url": rabbitmq_url})
    purge(rabbitmq_url)


@pytest.fixture(params=["redis", pytest.param("rabbitmq", marks=pytest.mark.rabbitmq)])
def job_settings(request: pytest.FixtureRequest, settings: Settings) -> Settings:
    """The test settings on each job broker in turn (the broker-facing ops tests)."""
    if request.param == "redis":
        return settings
    rabbit: Settings = request.getfixturevalue("rabbit_settings")
    return rabbit


@pytest.fixture
def job_broker(job_settings: Settings) -> Iterator[Any]:
    """The Dramatiq broker of ``job_settings``, configured (and closed after on RabbitMQ)."""
    from core.queueing.broker import configure

    broker = configure(job_settings)
    yield broker
    if job_settings.broker.kind == "rabbitmq":
        broker.close()


@pytest.fixture
def job_ops(job_settings: Settings, sessions: sessionmaker[Session]) -> Iterator[Any]:
    """The ops views (:class:`core.ops.brokerops.BrokerOps`) of ``job_settings``'s broker."""
    from core.ops.brokerops import broker_ops

    with redis.Redis.from_url(job_settings.broker.url) as client:
        yield broker_ops(job_settings, client, sessions)


@pytest.fixture
def app(settings: Settings, engine: Engine) -> Iterator[Flask]:
    application = _make_app(settings)
    yield application
    hub = application.extensions.get("saleshub.hub")
    if hub is not None:  # its loops would outlive the test (and its Redis)
        hub.stop()


def _make_app(settings: Settings) -> Flask:
    from web import create_app

    application = create_app(settings)
    application.config["TESTING"] = True
    return application


@pytest.fixture
def client(app: Flask) -> JsonClient:
    return client_for(app)


@pytest.fixture
def tenant(sessions: sessionmaker[Session]) -> Tenant:
    """Org A, with a member, an admin and an operator."""
    with session_scope(sessions) as session:
        return make_tenant(session, "Org A")


@pytest.fixture
def other_tenant(sessions: sessionmaker[Session]) -> Tenant:
    """Org B, to prove isolation."""
    with session_scope(sessions) as session:
        return make_tenant(session, "Org B")


def auth(key: str, **extra: Any) -> dict[str, str]:
    """Headers for an authenticated request."""
    return {"Authorization": f"Bearer {key}", **extra}
