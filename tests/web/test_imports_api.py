"""``/api/v1/imports``: upload, the pipeline through a StubBroker worker, report, isolation."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from core import search
from core.settings import Settings
from models import Contact, Import, Job
from models.db import session_scope
from tests.conftest import auth
from tests.support.client import JsonClient, client_for
from tests.support.factories import Tenant
from tests.support.search import run_staged_jobs

IMPORTS = "/api/v1/imports"
FIELDS = {"id", "type", "status", "rows_read", "created", "updated", "unchanged", "rejected",
          "report_url", "job_id", "created_at", "finished_at"}  # fmt: skip


@pytest.fixture(autouse=True)
def _fresh_vocabulary() -> Iterator[None]:
    search.CACHE.clear()
    yield
    search.CACHE.clear()


@pytest.fixture
def bulk_settings(settings: Settings, tmp_path: Path) -> Settings:
    return settings.replace(bulk={"files_dir": tmp_path / "files", "chunk_rows": 3})


@pytest.fixture
def bulk_app(make_app: Callable[..., Flask], tmp_path: Path) -> Flask:
    return make_app(bulk={"files_dir": tmp_path / "files", "chunk_rows": 3})


@pytest.fixture
def bc(bulk_app: Flask) -> JsonClient:
    return client_for(bulk_app)


def upload(client: JsonClient, api_key: str, content: bytes, **fields: Any) -> Any:
    data = {"file": (io.BytesIO(content), fields.pop("filename", "people.csv")), **fields}
    return client.post(
        IMPORTS, data=data, headers=auth(api_key), content_type="multipart/form-data"
    )


def run_all(settings: Settings, sessions: sessionmaker[Session], import_id: str) -> None:
    """Run staged jobs (and those they stage) until the import has finished."""
    for _ in range(20):
        run_staged_jobs(settings, sessions, skip=("notifications.fanout",))
        with sessions() as s:
            row = s.get(Import, import_id)
            if row is not None and row.finished_at is not None:
                return
    raise AssertionError("the import did not finish")


CSV = (
    "first_name,last_name,email,company_id,extra\n"
    "Ann,Lee,ann@x.test,,a\n"
    ",NoName,no@x.test,,b\n"  # row 3: first_name missing
    "Bob,Ray,not-an-email,,c\n"  # row 4: bad email
    "Cy,Oh,cy@x.test,999,d\n"  # row 5: no such company
    "Di,Ax,ann@x.test,,e\n"  # row 6: same email as row 2
    "Ed,Um,ed@x.test\n"  # row 7: too few fields
    'Fay,"Smith, Jr",fay@x.test,,f\n'
)


def test_import_creates_rows_rejects_bad_ones_and_reimport_changes_nothing(
    bc: JsonClient, tenant: Tenant, bulk_settings: Settings, sessions: sessionmaker[Session]
) -> None:
    resp = upload(bc, tenant.member, CSV.encode(), type="contacts", key="email")
    assert resp.status_code == 202, resp.json
    got = resp.json
    assert set(got) >= FIELDS
    assert got["status"] == "queued" and got["report_url"] is None
    run_all(bulk_settings, sessions, got["id"])
    done = bc.get(f"{IMPORTS}/{got['id']}", headers=auth(tenant.member)).json
    assert done["status"] == "succeeded" and done["finished_at"]
    assert (done["rows_read"], done["created"], done["updated"], done["unchanged"]) == (7, 2, 0, 0)
    assert done["rejected"] == 5
    report = bc.get(done["report_url"], headers=auth(tenant.member))
    assert report.status_code == 200
    lines = list(csv.reader(io.StringIO(report.get_data(as_text=True))))
    assert lines[0] == ["row", "column", "reason"]
    by_row = {int(r[0]): (r[1], r[2]) for r in lines[1:]}
    assert by_row[3] == ("first_name", "required")
    assert by_row[4] == ("email", "not an email address")
    assert by_row[5][0] == "company_id" and "no company" in by_row[5][1]
    assert by_row[6] == ("email", "the same email as row 2")
    assert by_row[7][0] == "" and "fields" in by_row[7][1]
    with sessions() as s:
        query = select(Contact.last_name).where(Contact.org_id == tenant.org_id)
        names = sorted(n or "" for n in s.scalars(query))
        assert names == ["Lee", "Smith, Jr"]
        # The user's notification is staged (its fan-out needs the Redis broker).
        [fanout] = s.scalars(select(Job).where(Job.type == "notifications.fanout")).all()
        event = fanout.message["args"][0]
        assert event["users"] == [tenant.member_id] and event["category"] == "import.finished"
    found = bc.get("/api/v1/search", query_string={"q": "Fay"}, headers=auth(tenant.member))
    assert [i["title"] for i in found.json["items"]] == ["Fay Smith, Jr"]
    job = bc.get(f"/api/v1/jobs/{done['job_id']}", headers=auth(tenant.member)).json
    assert job["type"] == "import" and job["status"] == "succeeded"
    assert job["batch"]["members"] == {"succeeded": job["batch"]["total"]}
    # The same file again, the same key: nothing changes.
    again = upload(bc, tenant.member, CSV.encode(), type="contacts", key="email").json
    run_all(bulk_settings, sessions, again["id"])
    second = bc.get(f"{IMPORTS}/{again['id']}", headers=auth(tenant.member)).json
    assert (second["created"], second["updated"], second["unchanged"]) == (0, 0, 2)
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(Contact)) == 2
    listed = bc.get(IMPORTS, headers=auth(tenant.member)).json
    assert [i["id"] for i in listed["items"]] == [again["id"], got["id"]]


def test_encodings_delimiters_ndjson_mapping_and_update_by_key(
    bc: JsonClient, tenant: Tenant, bulk_settings: Settings, sessions: sessionmaker[Session]
) -> None:
    latin = "Vorname;Nachname;Mail\nJosé;Müller;jose@x.test\n".encode("latin-1")
    mapping = '{"Vorname": "first_name", "Nachname": "last_name", "Mail": "email"}'
    bom = "\ufefffirst_name\tlast_name\temail\nZoë\tÅberg\tzoe@x.test\n".encode()
    nd = b'{"first_name": "Jos\xc3\xa9", "last_name": "Moreno", "email": "jose@x.test"}\n'
    for content, extra in (
        (latin, {"mapping": mapping}), (bom, {}), (nd, {"filename": "p.ndjson"}),
    ):  # fmt: skip
        third = upload(bc, tenant.member, content, type="contacts", key="email", **extra).json
        run_all(bulk_settings, sessions, third["id"])
    with sessions() as s:
        rows = s.execute(select(Contact.first_name, Contact.last_name).order_by(Contact.id)).all()
    assert [tuple(r) for r in rows] == [("José", "Moreno"), ("Zoë", "Åberg")]
    got = bc.get(f"{IMPORTS}/{third['id']}", headers=auth(tenant.member)).json
    assert (got["created"], got["updated"]) == (0, 1)


def test_dry_run_counts_and_writes_nothing(
    bc: JsonClient, tenant: Tenant, bulk_settings: Settings, sessions: sessionmaker[Session]
) -> None:
    started = upload(bc, tenant.member, CSV.encode(), type="contacts", dry_run="true").json
    run_all(bulk_settings, sessions, started["id"])
    got = bc.get(f"{IMPORTS}/{started['id']}", headers=auth(tenant.member)).json
    assert got["dry_run"] is True and got["created"] == 3 and got["rejected"] == 4
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(Contact)) == 0


@pytest.mark.parametrize(
    ("fields", "status", "words"),
    [
        ({"type": "widgets"}, 422, "type must be one of"),
        ({"type": "contacts", "mapping": "{nope"}, 422, "mapping must be"),
        ({"type": "contacts", "mapping": '{"first_name": "shoe_size"}'}, 422, "unknown"),
        ({"type": "contacts", "mapping": '{"nope": "first_name"}'}, 422, "does not have"),
        ({"type": "contacts", "key": "title"}, 422, "key for contacts"),
        ({"type": "companies"}, 422, "required field(s): name"),
        ({"type": "contacts", "dry_run": "maybe"}, 422, "dry_run"),
        ({"type": "contacts", "color": "red"}, 422, "unknown form fields"),
        ({}, 422, "type is required"),
    ],
)
def test_bad_requests_answer_4xx_and_keep_nothing(
    bc: JsonClient, tenant: Tenant, sessions: sessionmaker[Session], bulk_settings: Settings,
    fields: dict[str, str], status: int, words: str,
) -> None:  # fmt: skip
    resp = upload(bc, tenant.member, CSV.encode(), **fields)
    assert resp.status_code == status, resp.json
    assert words in resp.json["error"]["message"]
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(Import)) == 0
    files_dir = bulk_settings.bulk.files_dir
    assert not files_dir.exists() or not any(p.is_file() for p in files_dir.rglob("*"))


def test_empty_file_not_multipart_and_too_large(
    bc: JsonClient, tenant: Tenant, make_app: Callable[..., Flask], tmp_path: Path
) -> None:
    assert upload(bc, tenant.member, b"", type="contacts").status_code == 422
    resp = bc.post(IMPORTS, json={"type": "contacts"}, headers=auth(tenant.member))
    assert resp.status_code == 415
    small = client_for(make_app(bulk={"files_dir": tmp_path / "f2", "import_max_bytes": 64}))
    assert upload(small, tenant.member, CSV.encode(), type="contacts").status_code == 413
    # Other JSON bodies keep the global limit: the upload limit applies to imports only.
    assert upload(bc, tenant.member, CSV.encode() * 20000, type="contacts").status_code == 202


def test_another_org_never_sees_an_import(
    bc: JsonClient, tenant: Tenant, other_tenant: Tenant, bulk_settings: Settings,
    sessions: sessionmaker[Session],
) -> None:  # fmt: skip
    started = upload(bc, tenant.member, CSV.encode(), type="contacts").json
    run_all(bulk_settings, sessions, started["id"])
    for path in (f"{IMPORTS}/{started['id']}", f"{IMPORTS}/{started['id']}/report",
                 f"/api/v1/jobs/{started['job_id']}"):  # fmt: skip
        assert bc.get(path, headers=auth(other_tenant.admin)).status_code == 404
    assert bc.get(IMPORTS, headers=auth(other_tenant.admin)).json["items"] == []
    assert bc.get(IMPORTS).status_code == 401
    with session_scope(sessions) as s:
        assert s.get(Import, started["id"]) is not None


def test_rows_without_the_key_are_rejected_so_reimports_stay_idempotent(
    bc: JsonClient, tenant: Tenant, bulk_settings: Settings, sessions: sessionmaker[Session]
) -> None:
    content = b"first_name,email\nAnn,\nBob,bob@x.test\n"
    for _ in range(2):
        started = upload(bc, tenant.member, content, type="contacts", key="email").json
        run_all(bulk_settings, sessions, started["id"])
    got = bc.get(f"{IMPORTS}/{started['id']}", headers=auth(tenant.member)).json
    assert (got["created"], got["unchanged"], got["rejected"]) == (0, 1, 1)
    report = bc.get(got["report_url"], headers=auth(tenant.member)).get_data(as_text=True)
    assert '2,email,"empty, and it is the import\'s key"' in report
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(Contact)) == 1


def test_canceling_an_import_fails_it_and_still_finishes_it(
    bc: JsonClient, tenant: Tenant, bulk_settings: Settings, sessions: sessionmaker[Session]
) -> None:
    started = upload(bc, tenant.admin, CSV.encode(), type="contacts").json
    resp = bc.post(f"/api/v1/jobs/{started['job_id']}/cancel", headers=auth(tenant.admin))
    assert resp.status_code == 200 and resp.json["batch"]["canceled"] == 1
    run_all(bulk_settings, sessions, started["id"])
    got = bc.get(f"{IMPORTS}/{started['id']}", headers=auth(tenant.admin)).json
    assert got["status"] == "failed" and "canceled" in got["error"] and got["created"] == 0


def test_a_form_part_without_a_readable_name_is_a_422(bc: JsonClient, tenant: Tenant) -> None:
    # Found by Schemathesis: Werkzeug names such a part None, and sorting the unknown
    # names with it was a 500.
    body = (
        b'--b\r\nContent-Disposition: form-data; name="\\"\r\n\r\n{}\r\n'
        b'--b\r\nContent-Disposition: form-data; name="type"\r\n\r\ncontacts\r\n'
        b'--b\r\nContent-Disposition: form-data; name="file"; filename="p.csv"\r\n\r\n'
        b"first_name\r\nAda\r\n--b--\r\n"
    )
    resp = bc.post(
        IMPORTS, data=body, headers=auth(tenant.member),
        content_type="multipart/form-data; boundary=b",
    )  # fmt: skip
    assert resp.status_code == 422, resp.get_data(as_text=True)
    assert "unknown form fields" in resp.json["error"]["message"]
    document = bc.get("/openapi.json").json
    # The upload is required: the document must not call an empty POST valid.
    assert document["paths"][IMPORTS]["post"]["requestBody"]["required"] is True
