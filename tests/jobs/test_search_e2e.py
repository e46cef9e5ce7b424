"""End to end: API writes, outbox, relay, a real worker process, then search finds them."""

from __future__ import annotations

from pathlib import Path

from dramatiq.brokers.redis import RedisBroker
from sqlalchemy import Engine

import worker.entry  # noqa: F401 - declares every actor
from core import search
from core.queueing.broker import configure
from core.settings import Settings
from tests.conftest import auth
from tests.support.client import JsonClient
from tests.support.factories import Tenant
from tests.support.search import titles
from tests.support.stack import RelayThread, WorkerProcess, wait_for


def test_writes_become_searchable_through_the_real_worker(
    client: JsonClient, tenant: Tenant, settings: Settings, engine: Engine, tmp_path: Path
) -> None:
    search.CACHE.clear()
    broker = configure(settings)
    assert isinstance(broker, RedisBroker)
    key = tenant.member

    def found(q: str) -> list[str]:
        resp = client.get("/api/v1/search", query_string={"q": q}, headers=auth(key))
        return titles(resp.json["items"])

    company = client.post(
        "/api/v1/companies", json={"name": "Quillon Forge"}, headers=auth(key)
    ).json
    client.post(
        "/api/v1/contacts",
        json={"first_name": "Tamsin", "last_name": "Ekwueme", "company_id": company["id"]},
        headers=auth(key),
    )
    worker = WorkerProcess(settings, tmp_path / "worker.log")
    worker.start()
    try:
        with RelayThread(settings, broker):
            wait_for(lambda: set(found("quillon")) == {"Quillon Forge", "Tamsin Ekwueme"}, 60)
            client.patch(
                f"/api/v1/companies/{company['id']}",
                json={"name": "Vantablack Smithy"},
                headers=auth(key),
            )
            wait_for(lambda: "Tamsin Ekwueme" in found("vantablack"), 30)
            assert found("quillon") == []
    finally:
        worker.stop()
