"""Imports end to end (real broker, relay, worker) and fair: a default job is not stuck
behind a bulk import."""

from __future__ import annotations

import io
import uuid

import orjson
from dramatiq.brokers.redis import RedisBroker
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from core import channels
from core.queueing.outbox import stage
from core.settings import Settings
from models import Import, Job
from models.db import session_scope
from tests.conftest import _make_app, auth
from tests.support.actors import effect
from tests.support.client import client_for
from tests.support.factories import Tenant
from tests.support.stack import RelayThread, WorkerProcess, wait_for

ROWS = 10_000
CHUNK = 250


def _csv(rows: int) -> bytes:
    lines = ["first_name,last_name,email"]
    lines += [f"P{i},Q{i},p{i}@x.test" for i in range(rows)]
    return ("\n".join(lines) + "\n").encode()


def _import(sessions: sessionmaker[Session], import_id: str) -> Import:
    with sessions() as s:
        row = s.get(Import, uuid.UUID(import_id))
        assert row is not None
        return row


def test_default_job_runs_while_a_bulk_import_is_under_way(
    tenant: Tenant, broker: RedisBroker,
    sessions: sessionmaker[Session], worker_proc: WorkerProcess, settings: Settings,
) -> None:  # fmt: skip
    client = client_for(_make_app(settings.replace(bulk={"chunk_rows": CHUNK})))
    data = {"file": (io.BytesIO(_csv(ROWS)), "big.csv"), "type": "contacts", "key": "email"}
    resp = client.post("/api/v1/imports", data=data, headers=auth(tenant.member),
                       content_type="multipart/form-data")  # fmt: skip
    assert resp.status_code == 202, resp.json
    import_id = resp.json["id"]
    events = broker.client.pubsub()
    events.subscribe(channels.redis_channel(channels.org_channel(tenant.org_id, "jobs")))
    with RelayThread(settings, broker):
        # The split has committed: every chunk job is staged in the bulk queue.
        wait_for(lambda: _import(sessions, import_id).status != "queued", timeout=60)
        with session_scope(sessions) as s:
            other = stage(s, effect, job_type="test.effect", org_id=tenant.org_id,
                          args=("fair",))  # fmt: skip
        assert other is not None
        wait_for(lambda: _import(sessions, import_id).finished_at is not None, timeout=120)

        # The user who started it is told, in the inbox (the fan-out runs in the worker).
        def told() -> bool:
            inbox = client.get("/api/v1/notifications", headers=auth(tenant.member)).json
            return any(n["category"] == "import.finished" for n in inbox["items"])

        wait_for(told, timeout=30)
    with sessions() as s:
        quick = s.get(Job, other)
        assert quick is not None and quick.status == "succeeded"
        chunks = s.scalars(select(Job).where(Job.type == "import.chunk")).all()
    done = _import(sessions, import_id)
    assert done.status == "succeeded" and done.created == ROWS
    assert len(chunks) == ROWS // CHUNK + 1
    # The default job did not wait for the import: it finished before it, with many of the
    # import's chunks not even started yet.
    assert quick.finished_at is not None and done.finished_at is not None
    assert quick.finished_at < done.finished_at
    later = [c for c in chunks if c.started_at is not None and c.started_at > quick.finished_at]
    assert len(later) >= 10, (len(later), len(chunks))
    # Progress reached the org's ``jobs`` websocket channel: chunks, then the end.
    frames = []
    while (message := events.get_message(timeout=1)) is not None:
        if message["type"] == "message":
            frames.append(orjson.loads(message["data"]))
    events.close()
    mine = [f["data"] for f in frames if f["data"].get("import_id") == import_id]
    assert any("chunks_done" in d for d in mine)
    assert mine[-1]["status"] == "succeeded" and mine[-1]["created"] == ROWS
    assert {f["channel"] for f in frames} == {"jobs"}
    got = client.get(f"/api/v1/imports/{import_id}", headers=auth(tenant.member)).json
    assert (got["created"], got["rejected"], got["progress"]) == (ROWS, 0, 100)

    found = client.get("/api/v1/search", query_string={"q": "P4242"}, headers=auth(tenant.member))
    assert [i["title"] for i in found.json["items"]][:1] == ["P4242 Q4242"]
