"""Success bodies in the OpenAPI document (``web.responses``, ``web.spec.returns``).

Every 2xx but 204 names a body schema, and real answers validate against it: checked by
Schemathesis' own response validation (the same code ``st run`` uses), not by hand.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
import redis
import schemathesis
from flask import Flask
from sqlalchemy.orm import Session, sessionmaker

from core.settings import Settings
from tests.conftest import auth
from tests.support.client import JsonClient, JsonResponse, client_for
from tests.support.deadletters import seed
from tests.support.factories import Tenant
from tests.support.search import run_staged_jobs
from tests.web.conftest import dispose
from tests.web.helpers import MINIMAL, RESOURCES, UPDATES
from web import create_app
from web.spec import _PLACEHOLDER, spec

# What the walk's GETs answer but 200: sockets live in the realtime process.
EXPECTED = {"/ws": 404}
# Routes that are not part of the API: the document itself, its page and Flask's statics.
NOT_API = {"openapi", "static"}
QUERIES = {"/api/v1/search": "?q=acme", "/api/v1/search/suggest": "?q=ac"}


@pytest.fixture
def web_settings(settings: Settings, tmp_path: Path) -> Settings:
    """The test settings, allowing webhooks to this host, files in a folder of this test."""
    return settings.replace(
        notify={"webhook_allowed_hosts": ("127.0.0.1",)}, bulk={"files_dir": tmp_path / "files"}
    )


@pytest.fixture
def web_app(web_settings: Settings) -> Iterator[Flask]:
    """The app as the web process builds it (no sockets): the document clients are made from."""
    app = create_app(web_settings, websockets=False)
    app.config["TESTING"] = True
    # spectree keeps the first document it made in the process (of whichever app asked
    # first, maybe one with sockets): make this app's, and leave none behind.
    spec.__dict__.pop("_spec", None)
    yield app
    spec.__dict__.pop("_spec", None)
    dispose(app)


@pytest.fixture
def client(web_app: Flask) -> JsonClient:
    return client_for(web_app)


def _doc(app: Flask) -> dict[str, Any]:
    doc: dict[str, Any] = client_for(app).get("/openapi.json").json
    return doc


def _untyped(doc: dict[str, Any], response: dict[str, Any]) -> list[str]:
    """The media types of ``response`` that say nothing about the body's shape."""
    out = []
    content = response.get("content") or {"(none)": {}}
    for media_type, body in content.items():
        schema = body.get("schema") or {}
        if "$ref" in schema:
            schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
        if not schema or schema == {"type": "object"}:
            out.append(media_type)
    return out


def test_every_success_answer_names_its_body_schema(web_app: Flask) -> None:
    doc = _doc(web_app)
    documented = set()
    missing = set()
    for path, item in doc["paths"].items():
        for method, op in item.items():
            documented.add((method, path))
            for status, response in op["responses"].items():
                if status.startswith("2") and status != "204" and _untyped(doc, response):
                    missing.add((method, path))
    assert sorted(missing) == []
    # Every route of the URL map is in the document, so the walk above saw all of them.
    undocumented = {
        (method.lower(), _PLACEHOLDER.sub(r"{\1}", rule.rule))
        for rule in web_app.url_map.iter_rules()
        for method in rule.methods or ()
        if method not in ("HEAD", "OPTIONS")
        and rule.endpoint not in NOT_API
        and not rule.rule.startswith("/docs")
    } - documented
    assert undocumented == set()


@pytest.fixture
def check(web_app: Flask) -> Any:
    """Validate an answer against the document, as Schemathesis' checks do."""
    schema = schemathesis.openapi.from_dict(_doc(web_app))

    def validate(template: str, resp: JsonResponse, status: int = 200) -> dict[str, Any]:
        assert resp.status_code == status, resp.get_data(as_text=True)
        operation = schema[template][resp.request.method]
        operation.validate_response(resp)
        body: dict[str, Any] = resp.json or {}
        return body

    return validate


def test_crud_answers_match_their_schemas(client: JsonClient, tenant: Tenant, check: Any) -> None:
    key = auth(tenant.admin)
    for name in RESOURCES:
        base = f"/api/v1/{name}"
        made = check(base, client.post(base, json=MINIMAL[name], headers=key), 201)
        item = f"{base}/{{item_id}}"
        url = f"{base}/{made['id']}"
        check(item, client.get(url, headers=key))
        check(item, client.patch(url, json=UPDATES[name], headers=key))
        page = check(base, client.get(base, headers=key))
        assert page["items"]


def test_every_list_and_report_without_parameters_matches(
    client: JsonClient, tenant: Tenant, check: Any, web_app: Flask
) -> None:
    """Each GET that needs no path parameter, as an operator: the answer matches its schema."""
    key = auth(tenant.operator)
    for name in RESOURCES:
        url = f"/api/v1/{name}"
        check(url, client.post(url, json=MINIMAL[name], headers=key), 201)
    for path, item in _doc(web_app)["paths"].items():
        if "get" in item and "{" not in path:
            url = path + QUERIES.get(path, "")
            check(path, client.get(url, headers=key), EXPECTED.get(path, 200))


def test_access_jobs_webhooks_and_tickets_match(
    client: JsonClient, tenant: Tenant, check: Any
) -> None:
    admin, operator = auth(tenant.admin), auth(tenant.operator)
    user = check(
        "/api/v1/users",
        client.post("/api/v1/users", json={"email": "new@a.example"}, headers=admin),
        201,
    )
    url = f"/api/v1/users/{user['id']}"
    check("/api/v1/users/{user_id}", client.patch(url, json={"role": "admin"}, headers=operator))
    check("/api/v1/keys", client.post("/api/v1/keys", json={"name": "k"}, headers=admin), 201)
    job = check(
        "/api/v1/jobs",
        client.post("/api/v1/jobs", json={"type": "analytics.rollup"}, headers=admin),
        202,
    )
    check("/api/v1/jobs/{job_id}", client.get(job["links"]["self"], headers=admin))
    cancel = f"{job['links']['self']}/cancel"
    check("/api/v1/jobs/{job_id}/cancel", client.post(cancel, headers=admin))
    hook = {"url": "http://127.0.0.1:9/hook", "events": ["*"]}
    made = check("/api/v1/webhooks", client.post("/api/v1/webhooks", json=hook, headers=admin), 201)
    base = f"/api/v1/webhooks/{made['id']}"
    check(
        "/api/v1/webhooks/{endpoint_id}/rotate-secret",
        client.post(f"{base}/rotate-secret", json={}, headers=admin),
    )
    check(
        "/api/v1/webhooks/{endpoint_id}/deliveries",
        client.get(f"{base}/deliveries", headers=admin),
    )
    check("/api/v1/ws/ticket", client.post("/api/v1/ws/ticket", headers=admin), 201)
    prefs = {"channels": {"email": False}, "quiet_hours": {"start": "22:00", "end": "07:00"}}
    put = client.put("/api/v1/me/notification-preferences", json=prefs, headers=admin)
    check("/api/v1/me/notification-preferences", put)
    check(
        "/api/v1/notifications/read-all",
        client.post("/api/v1/notifications/read-all", headers=admin),
    )


def test_imports_and_exports_match_queued_and_finished(
    client: JsonClient,
    tenant: Tenant,
    check: Any,
    web_settings: Settings,
    sessions: sessionmaker[Session],
) -> None:
    key = auth(tenant.member)
    upload = {"file": (io.BytesIO(b"first_name,email\nAda,ada@example.com\n,\n"), "p.csv")}
    made = client.post(
        "/api/v1/imports",
        data={**upload, "type": "contacts"},
        headers=key,
        content_type="multipart/form-data",
    )
    made_import = check("/api/v1/imports", made, 202)
    # The operators' views of it: queued, with its batch (members by status, callback).
    ops = auth(tenant.operator)
    check("/api/v1/ops/imports", client.get("/api/v1/ops/imports?active=true", headers=ops))
    batches = check("/api/v1/ops/batches", client.get("/api/v1/ops/batches", headers=ops))
    assert batches["items"][0]["callback"]["state"] == "waiting"
    batch_job = f"/api/v1/ops/jobs/{made_import['job_id']}"
    assert check("/api/v1/ops/jobs/{job_id}", client.get(batch_job, headers=ops))["batch"]
    export = check(
        "/api/v1/exports",
        client.post("/api/v1/exports", json={"type": "contacts"}, headers=key),
        202,
    )
    for _ in range(20):  # the import's batch stages its next steps as it goes
        run_staged_jobs(web_settings, sessions, skip=("notifications.fanout",))
        read = client.get(made_import["links"]["self"], headers=key)
        finished = check("/api/v1/imports/{import_id}", read)
        if finished["report_url"]:
            break
    assert finished["report_url"], finished
    [progress] = check("/api/v1/ops/imports", client.get("/api/v1/ops/imports", headers=ops))[
        "items"
    ]
    assert progress["finished_at"] and progress["progress"] == 100
    report = client.get(finished["report_url"], headers=key)
    check("/api/v1/imports/{import_id}/report", report)
    done = check("/api/v1/exports/{export_id}", client.get(export["links"]["self"], headers=key))
    assert done["status"] == "succeeded" and done["download_url"], done
    check("/files/exports/{export_id}", client.get(done["download_url"]))


def test_a_dead_letter_read_alone_and_retried_matches(
    client: JsonClient, tenant: Tenant, check: Any, web_settings: Settings
) -> None:
    broker = redis.Redis.from_url(web_settings.broker.url)
    (message_id,) = seed(broker, web_settings.broker.namespace, "default", [1.0])
    broker.close()
    key = auth(tenant.operator)
    url = f"/api/v1/ops/dead-letters/{message_id}"
    letter = check("/api/v1/ops/dead-letters/{message_id}", client.get(url, headers=key))
    assert letter["traceback"]
    check("/api/v1/ops/dead-letters/{message_id}/retry", client.post(f"{url}/retry", headers=key))


def test_operator_actions_match(client: JsonClient, tenant: Tenant, check: Any) -> None:
    key = auth(tenant.operator)
    made = client.post("/api/v1/jobs", json={"type": "analytics.rollup"}, headers=key)
    job = f"/api/v1/ops/jobs/{made.json['id']}"
    check("/api/v1/ops/jobs/{job_id}", client.get(job, headers=key))
    check("/api/v1/ops/jobs/{job_id}/cancel", client.post(f"{job}/cancel", headers=key))
    check("/api/v1/ops/jobs/{job_id}/retry", client.post(f"{job}/retry", headers=key))
    for action in ("pause", "resume"):
        url = f"/api/v1/ops/queues/default/{action}"
        check("/api/v1/ops/queues/{name}/{action}", client.post(url, headers=key))
    for action in ("run", "pause", "resume"):
        url = f"/api/v1/ops/schedule/analytics.rollup/{action}"
        check("/api/v1/ops/schedule/{schedule_id}/{action}", client.post(url, headers=key))
    bulk = client.post("/api/v1/ops/dead-letters/retry", json={"expected_count": 0}, headers=key)
    check("/api/v1/ops/dead-letters/{action}", bulk)


@pytest.mark.parametrize(
    "url", ["/ops/static/ops.js", "/ops/vendor/uPlot.min.css", "/live/static/live.js"]
)
def test_page_files_have_their_documented_types(client: JsonClient, check: Any, url: str) -> None:
    template = url.rsplit("/", 1)[0] + "/{name}"
    check(template, client.get(url))


def test_the_document_is_the_same_when_made_again(web_app: Flask) -> None:
    # spectree empties its nested models while generating; web.spec generates from a copy.
    with web_app.app_context():
        first = spec._generate_spec()
        assert spec._generate_spec() == first
    nested = [name for name in first["components"]["schemas"] if name.count(".") == 2]
    assert nested  # e.g. "JobListQuery.<hash>.JobStatus", a model inside a request model


def test_every_example_in_the_document_is_valid(web_app: Flask) -> None:
    """Examples of bodies (created rows, pages, jobs, /health, request bodies) match the
    schemas they illustrate, so a reader or a mock server can trust them."""
    doc = _doc(web_app)
    shown = 0
    for name, schema in doc["components"]["schemas"].items():
        for example in schema.get("examples", []):
            root = {"$ref": f"#/components/schemas/{name}", "components": doc["components"]}
            jsonschema_rs.validator_for(root).validate(example)
            shown += 1
    assert shown >= 12  # five resources' rows and pages, Job, Health
