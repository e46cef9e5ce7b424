"""Round trips to the limiter's Redis per API request, counted with a real Redis's MONITOR."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import redis
from flask import Flask

from core.settings import Settings
from tests.conftest import auth
from tests.support.client import client_for
from tests.support.factories import Tenant

COMPANIES = "/api/v1/companies"
END = "round-trips-end"


@contextmanager
def monitored(url: str) -> Iterator[list[str]]:
    """The commands the Redis at ``url`` runs inside the block, as MONITOR prints them.

    MONITOR prints each command once it has run, whatever connection sent it; an ``ECHO``
    sent after the block marks its end, so reading stops there without a timed wait.
    """
    seen: list[str] = []
    client = redis.Redis.from_url(url)
    ready = threading.Event()

    def read() -> None:
        with client.monitor() as monitor:
            ready.set()
            for entry in monitor.listen():
                if entry["command"] == f"ECHO {END}":
                    return
                # Commands a script runs are printed too, as from a "lua" client: not trips.
                if entry.get("client_type") != "lua":
                    seen.append(entry["command"])

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    ready.wait()
    # MONITOR is in effect once the server answered it; a PING through it proves that.
    client.ping()
    try:
        yield seen
    finally:
        client.echo(END)
        reader.join()
        client.close()


def _limiter_commands(seen: list[str], prefix: str) -> list[str]:
    return [cmd for cmd in seen if prefix in cmd]


def test_an_api_request_costs_two_round_trips_to_the_limiter_redis(
    make_app: Callable[..., Flask], tenant: Tenant, settings: Settings
) -> None:
    """Two limits (per key, per org) and the headers: one round trip per limit, none more.

    Each round trip is one command (a script), so the commands MONITOR sees are the trips.
    """
    client = client_for(make_app(limits={"reads": "100/minute"}))
    headers = auth(tenant.member)
    # The first request loads the scripts; the ones after are what every request costs.
    assert client.get(COMPANIES, headers=headers).status_code == 200
    with monitored(settings.broker.url) as seen:
        for _ in range(3):
            resp = client.get(COMPANIES, headers=headers)
            assert resp.status_code == 200
    commands = _limiter_commands(seen, f"{settings.broker.namespace}:ratelimit")
    assert len(commands) == 2 * 3, commands
