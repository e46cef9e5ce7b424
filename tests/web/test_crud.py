"""CRUD over the five resources: the contract's paths, fields and status codes."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pytest
from flask import Blueprint, Flask

from tests.conftest import auth
from tests.support.client import JsonClient
from tests.support.factories import Tenant
from tests.web.helpers import MINIMAL, UPDATES
from web import IdConverter
from web.crud import Resource, register
from web.resources import RESOURCES

OPS = ("list", "create", "get", "update", "delete")


@pytest.mark.parametrize("name", list(MINIMAL))
def test_create_read_update_delete(client: JsonClient, tenant: Tenant, name: str) -> None:
    h = auth(tenant.member)
    created = client.post(f"/api/v1/{name}", json=MINIMAL[name], headers=h)
    assert created.status_code == 201, created.json
    body = created.json
    assert body["id"] > 0 and body["created_at"] and body["updated_at"]
    for field, value in MINIMAL[name].items():
        assert body[field] == value

    got = client.get(f"/api/v1/{name}/{body['id']}", headers=h)
    assert got.status_code == 200 and got.json == body

    patched = client.patch(f"/api/v1/{name}/{body['id']}", json=UPDATES[name], headers=h)
    assert patched.status_code == 200, patched.json
    for field, value in UPDATES[name].items():
        assert patched.json[field] == value

    listed = client.get(f"/api/v1/{name}", headers=h)
    assert [i["id"] for i in listed.json["items"]] == [body["id"]]
    assert listed.json["next_cursor"] is None

    assert client.delete(f"/api/v1/{name}/{body['id']}", headers=h).status_code == 204
    assert client.get(f"/api/v1/{name}/{body['id']}", headers=h).status_code == 404


def test_deal_defaults(client: JsonClient, tenant: Tenant) -> None:
    body = client.post("/api/v1/deals", json={"title": "x"}, headers=auth(tenant.member)).json
    assert body["stage"] == "lead" and body["currency"] == "USD" and body["amount"] is None


def test_pagination_walks_every_row_once(client: JsonClient, tenant: Tenant) -> None:
    h = auth(tenant.member)
    ids = [
        client.post("/api/v1/companies", json={"name": f"C{i:02d}"}, headers=h).json["id"]
        for i in range(7)
    ]
    seen: list[int] = []
    cursor = None
    while True:
        url = "/api/v1/companies?limit=3&sort=name" + (f"&cursor={cursor}" if cursor else "")
        page = client.get(url, headers=h).json
        seen += [i["id"] for i in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == ids


def test_filters_and_descending_sort(client: JsonClient, tenant: Tenant) -> None:
    h = auth(tenant.member)
    for stage in ("won", "lost", "won"):
        client.post("/api/v1/deals", json={"title": stage, "stage": stage}, headers=h)
    won = client.get("/api/v1/deals?stage=won&sort=-created_at", headers=h).json["items"]
    assert [d["stage"] for d in won] == ["won", "won"]
    assert won[0]["id"] > won[1]["id"]


def test_links_must_be_in_the_same_org(
    client: JsonClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    theirs = client.post(
        "/api/v1/companies", json={"name": "Theirs"}, headers=auth(other_tenant.member)
    ).json
    resp = client.post(
        "/api/v1/contacts",
        json={"first_name": "X", "company_id": theirs["id"]},
        headers=auth(tenant.member),
    )
    assert resp.status_code == 422
    assert resp.json["error"]["details"][0]["loc"] == ["company_id"]
    mine = client.post(
        "/api/v1/contacts",
        json={"first_name": "X", "owner_id": tenant.member_id},
        headers=auth(tenant.member),
    )
    assert mine.status_code == 201 and mine.json["owner_id"] == tenant.member_id


def test_patch_cannot_null_a_required_field(client: JsonClient, tenant: Tenant) -> None:
    h = auth(tenant.member)
    cid = client.post("/api/v1/companies", json={"name": "A"}, headers=h).json["id"]
    resp = client.patch(f"/api/v1/companies/{cid}", json={"name": None}, headers=h)
    assert resp.status_code == 422
    assert client.get(f"/api/v1/companies/{cid}", headers=h).json["name"] == "A"


def _views_of(resource: Resource) -> list[Callable[..., object]]:
    """The five view functions ``register`` gives an app of its own for ``resource``."""
    bp = Blueprint("api", __name__)
    register(bp, resource)
    app = Flask(__name__)
    app.url_map.converters["id"] = IdConverter
    app.register_blueprint(bp)
    return [app.view_functions[f"api.{resource.name}_{op}"] for op in OPS]


def test_each_resource_views_are_built_once_and_serve_every_app() -> None:
    """A second app gets the same view functions (no new models, schemas or validators);
    a resource that is another object, even with equal fields, gets views of its own."""
    companies = RESOURCES[0]
    views = _views_of(companies)
    assert _views_of(companies) == views
    other = _views_of(dataclasses.replace(companies))
    assert all(mine is not theirs for mine, theirs in zip(views, other, strict=True))
