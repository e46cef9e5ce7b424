"""The OpenAPI document's completion from the URL map (``web.spec``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import jsonschema_rs
from flask import Flask

from tests.support.client import client_for
from web.spec_examples import has_example


def _doc(app: Flask) -> dict[str, Any]:
    doc: dict[str, Any] = client_for(app).get("/openapi.json").json
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
    client = client_for(app)
    for name in ("companies", "contacts", "deals", "leads", "activities"):
        ref = doc["paths"][f"/api/v1/{name}"]["post"]["requestBody"]["content"]["application/json"][
            "schema"
        ]["$ref"]
        example = doc["components"]["schemas"][ref.rsplit("/", 1)[-1]]["examples"][0]
        resp = client.post(
            f"/api/v1/{name}", json=example, headers={"Authorization": f"Bearer {tenant.admin}"}
        )
        assert resp.status_code == 201, resp.json


def _media(doc: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every media object of the document: request bodies and answers."""
    for path, item in doc["paths"].items():
        for method, op in item.items():
            bodies = {"request": op.get("requestBody", {}), **op["responses"]}
            for where, body in bodies.items():
                for media_type, media in body.get("content", {}).items():
                    yield f"{method.upper()} {path} {where} {media_type}", media


def test_every_body_and_answer_has_an_example(app: Flask) -> None:
    """Generated from the document, so a new route is held to it without edits."""
    doc = _doc(app)
    schemas = doc["components"]["schemas"]
    missing = [name for name, media in _media(doc) if not has_example(media, schemas)]
    assert not missing
    bodies = [op for item in doc["paths"].values() for op in item.values() if "requestBody" in op]
    assert len(bodies) >= 21


def test_every_example_matches_its_schema(app: Flask) -> None:
    """Bodies', answers' and parameters' examples, wherever they are declared."""
    doc = _doc(app)
    shown = 0
    for name, media in _media(doc):
        if "example" not in media or media["example"] is None or "schema" not in media:
            continue
        schema = media["schema"]
        if schema.get("format") == "binary" or (
            name.endswith("multipart/form-data") and isinstance(media["example"], dict)
        ):
            # A file is bytes on the wire; a form's file field is shown as its text.
            schema = {"type": ["object", "string"]}
        root = {**schema, "components": doc["components"]}
        errors = [
            e.message for e in jsonschema_rs.validator_for(root).iter_errors(media["example"])
        ]
        assert not errors, (name, media["example"], errors)
        shown += 1
    for item in doc["paths"].values():
        for op in item.values():
            for param in op.get("parameters", []):
                examples = param.get("schema", {}).get("examples", [])
                for example in [*examples, *([param["example"]] if "example" in param else [])]:
                    root = {**param["schema"], "components": doc["components"]}
                    jsonschema_rs.validator_for(root).validate(example)
                    shown += 1
    assert shown > 600  # every answer (errors, pages, items, files) and request body


def test_lists_and_pages_link_to_what_they_show(app: Flask) -> None:
    paths = _doc(app)["paths"]
    inbox = paths["/api/v1/notifications"]["get"]["responses"]["200"]["links"]
    assert {link["parameters"]["notification_id"] for link in inbox.values()} == {
        "$response.body#/items/0/id"
    }
    dead = paths["/api/v1/ops/dead-letters"]["get"]["responses"]["200"]["links"]
    assert {link["operationId"] for link in dead.values()} == {
        paths["/api/v1/ops/dead-letters/{message_id}"]["get"]["operationId"],
        paths["/api/v1/ops/dead-letters/{message_id}"]["delete"]["operationId"],
        paths["/api/v1/ops/dead-letters/{message_id}/retry"]["post"]["operationId"],
    }  # not /dead-letters/{action}: an enum, not an id
    push = paths["/api/v1/me/push-subscriptions"]["post"]["responses"]["201"]["links"]
    assert push["delete"]["parameters"] == {"endpoint": "$response.body#/endpoint"}
    console = paths["/ops"]["get"]["responses"]["200"]["links"]
    assert console["vendor_uPlot_iife_min_js"]["parameters"] == {"name": "uPlot.iife.min.js"}
