"""The OpenAPI document's completion from the URL map (``web.spec``)."""

from __future__ import annotations

from typing import Any

from flask import Flask


def _doc(app: Flask) -> dict[str, Any]:
    doc: dict[str, Any] = app.test_client().get("/openapi.json").json
    return doc


def test_creates_link_to_the_operations_on_what_they_made(app: Flask) -> None:
    paths = _doc(app)["paths"]
    links = paths["/api/v1/contacts"]["post"]["responses"]["201"]["links"]
    targets = {link["operationId"] for link in links.values()}
    item = paths["/api/v1/contacts/{item_id}"]
    assert targets == {op["operationId"] for op in item.values()}
    assert all(link["parameters"] == {"item_id": "$response.body#/id"} for link in links.values())
    job_links = paths["/api/v1/jobs"]["post"]["responses"]["202"]["links"]
    assert {link["operationId"] for link in job_links.values()} == {
        paths["/api/v1/jobs/{job_id}"]["get"]["operationId"],
        paths["/api/v1/jobs/{job_id}/cancel"]["post"]["operationId"],
    }


def test_405_only_where_a_url_can_route_to_a_template_without_the_method(app: Flask) -> None:
    paths = _doc(app)["paths"]
    # /dead-letters/<not a uuid> falls to /dead-letters/<any(retry, purge)>, POST only.
    assert "405" in paths["/api/v1/ops/dead-letters/{message_id}"]["delete"]["responses"]
    assert "405" not in paths["/api/v1/contacts/{item_id}"]["get"]["responses"]
    assert "405" not in paths["/api/v1/contacts"]["post"]["responses"]


def test_a_body_that_requires_nothing_may_be_left_out(app: Flask) -> None:
    paths = _doc(app)["paths"]
    assert paths["/api/v1/contacts"]["post"]["requestBody"]["required"] is True
    assert paths["/api/v1/contacts/{item_id}"]["patch"]["requestBody"]["required"] is False


def test_errors_have_the_envelope_and_an_example(app: Flask) -> None:
    doc = _doc(app)
    for item in doc["paths"].values():
        for op in item.values():
            for status, response in op["responses"].items():
                if status.startswith("4"):
                    body = response["content"]["application/json"]
                    assert body["schema"] == {"$ref": "#/components/schemas/Error"}
                    assert body["example"]["error"]["code"]


def test_create_bodies_carry_an_example_clients_can_send(app: Flask, tenant: Any) -> None:
    doc = _doc(app)
    client = app.test_client()
    for name in ("companies", "contacts", "deals", "leads", "activities"):
        ref = doc["paths"][f"/api/v1/{name}"]["post"]["requestBody"]["content"]["application/json"][
            "schema"
        ]["$ref"]
        example = doc["components"]["schemas"][ref.rsplit("/", 1)[-1]]["examples"][0]
        resp = client.post(
            f"/api/v1/{name}", json=example, headers={"Authorization": f"Bearer {tenant.admin}"}
        )
        assert resp.status_code == 201, resp.json
