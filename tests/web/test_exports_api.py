"""``/api/v1/exports``: a job streams the rows to a file; a signed, expiring, org-scoped link."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Callable
from pathlib import Path

import orjson
import pytest
from flask import Flask
from sqlalchemy.orm import Session, sessionmaker

from core.bulk import exports
from core.settings import Settings
from models.db import session_scope
from tests.conftest import auth
from tests.support.client import JsonClient, client_for
from tests.support.factories import Tenant
from tests.support.search import add_contacts, run_staged_jobs

EXPORTS = "/api/v1/exports"


@pytest.fixture
def bulk_settings(settings: Settings, tmp_path: Path) -> Settings:
    return settings.replace(bulk={"files_dir": tmp_path / "files"})


@pytest.fixture
def bc(make_app: Callable[..., Flask], tmp_path: Path) -> JsonClient:
    return client_for(make_app(bulk={"files_dir": tmp_path / "files"}))


def _export(bc: JsonClient, key: str, settings: Settings, sessions: sessionmaker[Session],
            **body: object) -> dict[str, object]:  # fmt: skip
    resp = bc.post(EXPORTS, json=body, headers=auth(key))
    assert resp.status_code == 202, resp.json
    assert resp.json["status"] == "queued" and resp.json["download_url"] is None
    run_staged_jobs(settings, sessions)
    got = bc.get(f"{EXPORTS}/{resp.json['id']}", headers=auth(key)).json
    assert got["status"] == "succeeded", got
    return dict(got)


def test_csv_export_with_filters_and_columns_downloads_by_signed_link(
    bc: JsonClient, tenant: Tenant, other_tenant: Tenant, bulk_settings: Settings,
    sessions: sessionmaker[Session],
) -> None:  # fmt: skip
    with session_scope(sessions) as s:
        add_contacts(s, tenant.org_id, ["Ann Lee", "Bob Ray", "Cy Oh", 'Di O"N\\e,il\nX'])
        add_contacts(s, other_tenant.org_id, ["Zed Other"])
    got = _export(bc, tenant.member, bulk_settings, sessions, type="contacts",
                  columns=["first_name", "last_name"])  # fmt: skip
    assert got["rows"] == 4 and got["expires_at"]
    # No API key: the link is the credential.
    resp = bc.get(str(got["download_url"]))
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(resp.get_data(as_text=True))))
    assert rows == [["first_name", "last_name"], ["Ann", "Lee"], ["Bob", "Ray"], ["Cy", "Oh"],
                    ["Di", 'O"N\\e,il\nX']]  # fmt: skip
    filtered = _export(bc, tenant.member, bulk_settings, sessions, type="contacts",
                       format="ndjson", filters={"last_name": "Ray"})  # fmt: skip
    lines = bc.get(str(filtered["download_url"])).get_data().splitlines()
    assert [orjson.loads(line)["first_name"] for line in lines] == ["Bob"]
    everything = _export(bc, tenant.member, bulk_settings, sessions, type="contacts",
                         format="ndjson")  # fmt: skip
    lines = bc.get(str(everything["download_url"])).get_data().splitlines()
    assert orjson.loads(lines[-1])["last_name"] == 'O"N\\e,il\nX'
    assert everything["rows"] == len(lines) == 4
    # A tampered token, another export's token, another org: never the file.
    url = str(got["download_url"])
    assert bc.get(url[:-3] + "abc").status_code == 403
    assert bc.get(url.replace(str(got["id"]), str(filtered["id"]))).status_code == 403
    assert bc.get(f"{EXPORTS}/{got['id']}", headers=auth(other_tenant.member)).status_code == 404


def test_links_expire_and_name_one_org() -> None:
    export_id = uuid.uuid4()
    token = exports.sign("k", 7, export_id)
    assert exports.verify("k", token, export_id, 60) == 7
    assert exports.verify("k", token, export_id, -1) is None  # expired
    assert exports.verify("other key", token, export_id, 60) is None
    assert exports.verify("k", token, uuid.uuid4(), 60) is None


@pytest.mark.parametrize(
    "body",
    [
        {"type": "widgets"},
        {"type": "contacts", "columns": ["password"]},
        {"type": "contacts", "filters": {"nope": 1}},
        {"type": "contacts", "format": "xlsx"},
        {"type": "contacts", "filters": {"email": {"$ne": 1}}},
    ],
)
def test_bad_exports_are_422(bc: JsonClient, tenant: Tenant, body: dict[str, object]) -> None:
    assert bc.post(EXPORTS, json=body, headers=auth(tenant.member)).status_code == 422


def test_filters_naming_another_orgs_rows_export_nothing_of_theirs(
    bc: JsonClient, tenant: Tenant, other_tenant: Tenant, bulk_settings: Settings,
    sessions: sessionmaker[Session],
) -> None:  # fmt: skip
    """An id in an export's filters is compared inside the caller's org only."""

    def company(key: str) -> int:
        made = bc.post("/api/v1/companies", json={"name": "Acme"}, headers=auth(key))
        assert made.status_code == 201
        contact = {"first_name": "Ann", "company_id": made.json["id"]}
        assert bc.post("/api/v1/contacts", json=contact, headers=auth(key)).status_code == 201
        return int(made.json["id"])

    mine, theirs = company(tenant.member), company(other_tenant.member)
    for filters, rows in (({"company_id": mine}, 1), ({"company_id": theirs}, 0),
                          ({"owner_id": other_tenant.member_id}, 0)):  # fmt: skip
        got = _export(bc, tenant.member, bulk_settings, sessions, type="contacts",
                      format="ndjson", filters=filters)  # fmt: skip
        assert got["rows"] == rows, filters
        body = bc.get(str(got["download_url"])).get_data()
        assert len(body.splitlines()) == rows, filters
    # Their own export with the same filter finds their row.
    got = _export(bc, other_tenant.member, bulk_settings, sessions, type="contacts",
                  filters={"company_id": theirs})  # fmt: skip
    assert got["rows"] == 1
