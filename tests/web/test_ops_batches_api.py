"""The operators' batches and imports: members by status, the callback, an import's
progress, made through the real batch and import code (ledger writes, the upload, the
pipeline through a StubBroker worker)."""

from __future__ import annotations

import uuid
from typing import Any, get_args

import pytest
from sqlalchemy.orm import Session, sessionmaker

from core.bulk.fields import TYPES
from core.queueing.ledger_store import LedgerStore
from core.settings import Settings
from tests.conftest import auth
from tests.support.batches import finish, make_batch, store
from tests.support.client import JsonClient
from tests.support.factories import Tenant
from tests.support.search import run_staged_jobs
from tests.web.test_imports_api import CSV, bc, bulk_app, bulk_settings, run_all, upload
from web.ops_batches_api import ImportType

__all__ = ["bc", "bulk_app", "bulk_settings", "store"]


def _get(client: JsonClient, key: str, path: str) -> Any:
    resp = client.get(f"/api/v1/ops/{path}", headers=auth(key))
    assert resp.status_code == 200, resp.json
    return resp.json


def test_the_imports_type_filter_names_every_import_type() -> None:
    assert set(get_args(ImportType)) == set(TYPES)


def test_only_operators_list_batches_and_imports(client: JsonClient, tenant: Tenant) -> None:
    for key in (tenant.member, tenant.admin):
        for path in ("batches", "imports"):
            assert client.get(f"/api/v1/ops/{path}", headers=auth(key)).status_code == 403
    assert client.get("/api/v1/ops/batches").status_code == 401


@pytest.mark.parametrize(
    "query", ["status=nope", "org_id=0", "limit=0", "cursor=x", "type=nope", "active=maybe"]
)
def test_bad_imports_filters_are_422(client: JsonClient, tenant: Tenant, query: str) -> None:
    resp = client.get(f"/api/v1/ops/imports?{query}", headers=auth(tenant.operator))
    assert resp.status_code == 422


def test_a_batch_shows_its_members_by_status_and_its_callback(
    client: JsonClient,
    tenant: Tenant,
    other_tenant: Tenant,
    sessions: sessionmaker[Session],
    store: LedgerStore,
) -> None:
    batch_id, ids = make_batch(sessions, tenant.org_id, 4)
    finish(store, ids[0], ok=True)
    finish(store, ids[1], ok=False)
    [got] = _get(client, tenant.operator, "batches")["items"]
    assert got["id"] == batch_id and got["org_id"] == tenant.org_id
    assert got["status"] == "running" and got["parent_id"] is None
    assert got["members"] == {"succeeded": 1, "failed": 1, "queued": 2}
    assert (got["total"], got["pending"], got["succeeded"], got["failed"]) == (4, 2, 1, 1)
    assert got["progress"] == 50
    assert got["callback"]["state"] == "waiting" and got["callback"]["staged_at"] is None
    assert got["callback"]["actor"] == "test.batch_done"
    for job_id in ids[2:]:
        finish(store, job_id, ok=True)
    [done] = _get(client, tenant.operator, "batches")["items"]
    assert done["status"] == "failed" and done["members"] == {"succeeded": 3, "failed": 1}
    # The last member's transaction staged the callback in the outbox.
    assert done["callback"]["state"] == "queued" and done["callback"]["staged_at"]
    assert done["callback"]["job_id"] == done["callback_job_id"]
    # Filters: by status and by org.
    assert _get(client, tenant.operator, "batches?status=running")["items"] == []
    assert _get(client, tenant.operator, f"batches?org_id={other_tenant.org_id}")["items"] == []
    assert len(_get(client, tenant.operator, f"batches?org_id={tenant.org_id}")["items"]) == 1


def test_job_detail_shows_the_batch_it_is_and_the_batch_it_is_in(
    client: JsonClient, tenant: Tenant, sessions: sessionmaker[Session], store: LedgerStore
) -> None:
    outer, [first] = make_batch(sessions, tenant.org_id, 1)
    inner, inner_ids = make_batch(sessions, tenant.org_id, 2, parent=uuid.UUID(outer))
    finish(store, inner_ids[0], ok=True)
    detail = _get(client, tenant.operator, f"jobs/{inner}")
    assert detail["batch"]["id"] == inner and detail["batch"]["parent_id"] == outer
    assert detail["batch"]["members"] == {"succeeded": 1, "queued": 1}
    # The nested batch is a member of the outer one, which counts it as running.
    assert detail["parent_batch"]["id"] == outer
    assert detail["parent_batch"]["members"] == {"queued": 1, "running": 1}
    member_detail = _get(client, tenant.operator, f"jobs/{inner_ids[1]}")
    assert member_detail["batch"] is None and member_detail["parent_batch"]["id"] == inner
    plain = _get(client, tenant.operator, f"jobs/{first}")
    assert plain["parent_batch"]["id"] == outer
    # Newest first, every batch, nested ones too; paged with a cursor.
    page = _get(client, tenant.operator, "batches?limit=1")
    assert [b["id"] for b in page["items"]] == [inner] and page["next_cursor"]
    rest = _get(client, tenant.operator, f"batches?limit=1&cursor={page['next_cursor']}")
    assert [b["id"] for b in rest["items"]] == [outer] and rest["next_cursor"] is None


def test_an_import_in_progress_shows_rows_read_committed_and_rejected(
    bc: JsonClient,
    tenant: Tenant,
    other_tenant: Tenant,
    bulk_settings: Settings,
    sessions: sessionmaker[Session],
) -> None:
    started = upload(bc, tenant.member, CSV.encode(), type="contacts", key="email").json
    [queued] = _get(bc, tenant.operator, "imports?active=true")["items"]
    assert queued["id"] == started["id"] and queued["org_id"] == tenant.org_id
    assert (queued["status"], queued["rows_read"], queued["committed"]) == ("queued", 0, 0)
    assert queued["members"] == {"queued": 1} and queued["started_at"] is None
    assert queued["filename"] == "people.csv" and queued["type"] == "contacts"
    # The split reads the file (7 rows, 4 refused on reading) and stages the chunks.
    run_staged_jobs(bulk_settings, sessions, rounds=1, skip=("notifications.fanout",))
    [running] = _get(bc, tenant.operator, "imports")["items"]
    assert running["status"] == "running" and running["started_at"]
    assert (running["rows_read"], running["committed"], running["rejected"]) == (7, 0, 4)
    chunks = running["members"]["queued"]
    assert running["members"] == {"succeeded": 1, "queued": chunks} and chunks >= 1
    assert running["progress"] == 100 // (1 + chunks)
    assert running["updated_at"] >= running["created_at"]
    run_all(bulk_settings, sessions, started["id"])
    assert _get(bc, tenant.operator, "imports?active=true")["items"] == []
    [done] = _get(bc, tenant.operator, "imports?status=succeeded&type=contacts")["items"]
    assert (done["rows_read"], done["committed"], done["created"], done["rejected"]) == (7, 2, 2, 5)
    assert done["progress"] == 100 and done["finished_at"]
    assert set(done["members"]) == {"succeeded"}
    assert _get(bc, tenant.operator, f"imports?org_id={other_tenant.org_id}")["items"] == []
    # Its batch is listed with the imports' type, and the explorer shows it.
    [batch] = _get(bc, tenant.operator, "batches?type=import")["items"]
    assert batch["id"] == done["job_id"] and batch["status"] == "succeeded"
    assert batch["callback"]["type"] == "import.finish"
    assert _get(bc, tenant.operator, f"jobs/{done['job_id']}")["batch"]["id"] == done["job_id"]
