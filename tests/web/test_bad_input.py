"""Bad input of every kind: a 4xx in the JSON error shape, never a 5xx, and nothing written."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import pytest
from flask import Flask
from sqlalchemy import Engine

from models.db import session_scope
from tests.conftest import auth
from tests.support.client import JsonClient, client_for
from tests.support.factories import Tenant, make_tenant
from tests.web.helpers import MINIMAL, RESOURCES, assert_error, create_all, snapshot

C = "/api/v1/companies"
JOBS = "/api/v1/jobs"
UUID = "6f1c5a52-4c0e-4c39-9a57-0d1f6f2b7e11"
CODES = {
    400: {"bad_request"},
    404: {"not_found"},
    405: {"method_not_allowed"},
    413: {"payload_too_large"},
    415: {"unsupported_media_type"},
    422: {"validation_error", "invalid_cursor"},
}


def b64(value: Any) -> str:
    raw = value if isinstance(value, bytes) else json.dumps(value).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def nest(depth: int) -> Any:
    value: Any = "x"
    for _ in range(depth):
        value = {"a": value}
    return value


def case(name: str, method: str, path: str, status: int, body: Any = None, **kw: Any) -> Any:
    """One row of the table: ``body`` goes as JSON; ``data`` and ``content_type`` go raw."""
    if body is not None:
        kw["json"] = body
    elif "data" in kw:
        kw.setdefault("content_type", "application/json")
    return pytest.param(method, path, kw, status, id=name)


def raw(name: str, method: str, path: str, status: int, data: bytes, **kw: Any) -> Any:
    return case(name, method, path, status, data=data, **kw)


CO, CT, DE, LE, AC = (f"/api/v1/{r}/{{{r}}}" for r in RESOURCES)
TS = "2024-01-01T00:00:00+00:00"
NUL = "a\x00"
CASES = [
    # 400: not JSON at all.
    raw("malformed", "POST", C, 400, b'{"name": '),
    raw("trailing-garbage", "POST", C, 400, b'{"name": "a"} x'),
    raw("single-quotes", "PATCH", CO, 400, b"{'name': 'a'}"),
    raw("nan-literal", "POST", "/api/v1/deals", 400, b'{"title": "t", "amount": NaN}'),
    raw("whitespace-only", "POST", C, 400, b"   "),
    raw("number-overflows-double", "POST", "/api/v1/leads", 400, b'{"name": "n", "score": 1e400}'),
    raw("invalid-utf8", "POST", C, 400, b'{"name": "\xff"}'),
    raw("utf8-encoded-surrogate", "PATCH", CO, 400, b'{"name": "\xed\xa0\x80"}'),
    raw("lone-surrogate-escape", "POST", C, 400, b'{"name": "\\ud800"}'),
    raw("latin1-body", "POST", JOBS, 400, b'{"type": "caf\xe9"}'),
    raw("nested-past-parser-limit", "POST", C, 400, b"[" * 100_000),
    # 415: a body that is not sent as JSON.
    raw("text-plain", "POST", C, 415, b'{"name": "a"}', content_type="text/plain"),
    raw("form", "POST", C, 415, b"name=a", content_type="application/x-www-form-urlencoded"),
    raw("no-content-type", "POST", C, 415, b'{"name": "a"}', content_type=""),
    raw("patch-text", "PATCH", CO, 415, b'{"name": "a"}', content_type="text/plain"),
    raw("jobs-xml", "POST", JOBS, 415, b"<job/>", content_type="application/xml"),
    # 422: JSON, but not an object.
    case("array-for-object", "POST", C, 422, [{"name": "a"}]),
    case("empty-array-post", "POST", C, 422, []),
    case("empty-array-patch", "PATCH", CO, 422, []),
    raw("null-patch", "PATCH", DE, 422, b"null"),
    case("string-patch", "PATCH", LE, 422, "name"),
    raw("zero-patch", "PATCH", AC, 422, b"0"),
    case("string-job", "POST", JOBS, 422, "analytics.rollup"),
    # 422: deeply nested.
    case("deep-field", "POST", C, 422, {"name": nest(100)}),
    case("deep-params", "POST", JOBS, 422, {"type": "analytics.rollup", "params": nest(40)}),
    # 422: wrong types.
    case("name-int", "POST", C, 422, {"name": 123}),
    case("first-name-list", "POST", "/api/v1/contacts", 422, {"first_name": ["a"]}),
    case("score-string", "POST", "/api/v1/leads", 422, {"name": "n", "score": "abc"}),
    case("score-fraction", "PATCH", LE, 422, {"score": 1.5}),
    case("done-string", "PATCH", AC, 422, {"done": "maybe"}),
    case("owner-string", "POST", C, 422, {"name": "a", "owner_id": "x"}),
    case("amount-list", "PATCH", DE, 422, {"amount": []}),
    case("close-date-bool", "PATCH", DE, 422, {"close_date": True}),
    case("job-type-int", "POST", JOBS, 422, {"type": 5}),
    case("job-params-string", "POST", JOBS, 422, {"type": "analytics.rollup", "params": "x"}),
    case("job-params-list", "POST", JOBS, 422, {"type": "analytics.rollup", "params": []}),
    # 422: unknown fields, including ones a client must never set.
    case("unknown-field", "POST", C, 422, {"name": "a", "colour": "red"}),
    case("unknown-field-patch", "PATCH", CT, 422, {"nickname": "x"}),
    case("org-id-field", "POST", C, 422, {"name": "a", "org_id": 2}),
    case("id-field-patch", "PATCH", CO, 422, {"id": 5}),
    case("unknown-job-field", "POST", JOBS, 422, {"type": "analytics.rollup", "priority": 1}),
    case("unknown-query", "GET", f"{C}?colour=red", 422),
    case("unknown-jobs-query", "GET", f"{JOBS}?sort=created_at", 422),
    # 422: NUL characters, in bodies and in query strings.
    raw("nul-value", "POST", C, 422, b'{"name": "a\\u0000b"}'),
    raw("nul-key", "POST", C, 422, b'{"na\\u0000me": "a"}'),
    raw("nul-patch", "PATCH", LE, 422, b'{"name": "\\u0000"}'),
    raw(
        "nul-job-param",
        "POST",
        JOBS,
        422,
        b'{"type": "analytics.rollup", "params": {"a": "\\u0000"}}',
    ),
    case("nul-email-query", "GET", "/api/v1/contacts?email=%00", 422),
    case("nul-domain-query", "GET", f"{C}?domain=a%00b", 422),
    case("nul-cursor", "GET", f"{C}?cursor=%00", 422),
    case("nul-sort", "GET", f"{C}?sort=%00", 422),
    case("nul-limit", "GET", f"{C}?limit=%00", 422),
    case("nul-job-type-query", "GET", f"{JOBS}?type=%00", 422),
    case("nul-owner-query", "GET", "/api/v1/deals?owner_id=%00", 422),
    # Huge integers: 422 in bodies and queries, 404 in paths.
    raw(
        "owner-1e30", "POST", C, 422, b'{"name": "a", "owner_id": 1000000000000000000000000000000}'
    ),
    case("owner-2-63", "POST", C, 422, {"name": "a", "owner_id": 2**63}),
    case("company-2-64", "PATCH", DE, 422, {"company_id": 2**64}),
    case("score-huge", "PATCH", LE, 422, {"score": 10**30}),
    case("owner-query-huge", "GET", f"{C}?owner_id=99999999999999999999", 422),
    case("limit-huge", "GET", f"{C}?limit=99999999999999999999", 422),
    case("path-2-63", "GET", f"{C}/9223372036854775808", 404),
    case("path-huge", "PATCH", f"{C}/99999999999999999999999", 404, {"name": "x"}),
    case("path-max-bigint", "DELETE", f"{C}/9223372036854775807", 404),
    case("path-18-digits", "DELETE", f"{C}/999999999999999999", 404),
    case("path-zero", "GET", f"{C}/0", 404),
    case("path-negative", "GET", f"{C}/-1", 404),
    # 422: cursors we did not make.
    case("cursor-garbage", "GET", f"{C}?cursor=!!!", 422),
    case("cursor-not-base64", "GET", f"{C}?cursor=%25%25%25", 422),
    case("cursor-not-json", "GET", f"{C}?cursor={b64(b'not json')}", 422),
    case("cursor-object", "GET", f"{C}?cursor={b64({'a': 1})}", 422),
    case("cursor-other-sort", "GET", f"{C}?cursor={b64(['name', 'x', 1])}", 422),
    case("cursor-bad-time", "GET", f"{C}?cursor={b64(['-created_at', 'yesterday', 1])}", 422),
    case("cursor-bool-id", "GET", f"{C}?cursor={b64(['-created_at', TS, True])}", 422),
    case("cursor-zero-id", "GET", f"{C}?cursor={b64(['-created_at', TS, 0])}", 422),
    case("cursor-huge-id", "GET", f"{C}?cursor={b64(['-created_at', TS, 2**63])}", 422),
    case("cursor-wrong-type", "GET", f"{C}?sort=name&cursor={b64(['name', 5, 1])}", 422),
    case("cursor-nul", "GET", f"{C}?sort=name&cursor={b64(['name', NUL, 1])}", 422),
    case("jobs-cursor-garbage", "GET", f"{JOBS}?cursor=garbage", 422),
    case("jobs-cursor-int-id", "GET", f"{JOBS}?cursor={b64(['-created_at', TS, 1])}", 422),
    case("jobs-cursor-bad-uuid", "GET", f"{JOBS}?cursor={b64(['-created_at', TS, 'x'])}", 422),
    case("jobs-cursor-timestamp", "GET", f"{JOBS}?cursor=2024-01-01T00:00:00", 422),
    # 422: limit and sort.
    *(case(f"limit-{v}", "GET", f"{C}?limit={v}", 422) for v in ("0", "201", "abc", "-1", "1.5")),
    *(case(f"jobs-limit-{v}", "GET", f"{JOBS}?limit={v}", 422) for v in ("0", "201", "abc")),
    *(case(f"sort-{v}", "GET", f"{C}?sort={v}", 422) for v in ("colour", "--name", "org_id")),
    case("sort-not-for-resource", "GET", "/api/v1/activities?sort=name", 422),
    # 422: enums.
    case("stage", "POST", "/api/v1/deals", 422, {"title": "t", "stage": "closed"}),
    case("stage-case", "PATCH", DE, 422, {"stage": "WON"}),
    case("lead-status", "POST", "/api/v1/leads", 422, {"name": "n", "status": "hot"}),
    case("activity-kind", "POST", "/api/v1/activities", 422, {"kind": "sms", "subject": "s"}),
    case("stage-filter", "GET", "/api/v1/deals?stage=closed", 422),
    case("status-filter", "GET", "/api/v1/leads?status=hot", 422),
    case("kind-filter", "GET", "/api/v1/activities?kind=sms", 422),
    case("done-filter", "GET", "/api/v1/activities?done=maybe", 422),
    case("job-status-filter", "GET", f"{JOBS}?status=done", 422),
    # 422: amounts and currencies.
    *(
        case(f"amount-{v}", "POST", "/api/v1/deals", 422, {"title": "t", "amount": v})
        for v in (
            "-1.00",
            -1,
            "1.005",
            "abc",
            "NaN",
            "Infinity",
            "1e30",
            "99999999999999999.99",
            "",
        )
    ),
    *(
        case(f"currency-{v or 'empty'}", "PATCH", DE, 422, {"currency": v})
        for v in ("usd", "US", "EURO", "12A", "", "usdollar")
    ),
    # 422: dates out of the calendar or out of what can be stored and read back.
    *(
        case(f"close-date-{v or 'empty'}", "PATCH", DE, 422, {"close_date": v})
        for v in ("2024-02-30", "tomorrow", "2024-13-01", "")
    ),
    *(
        case(
            f"due-at-{v}",
            "POST",
            "/api/v1/activities",
            422,
            {"kind": "call", "subject": "s", "due_at": v},
        )
        for v in ("2024-13-01T00:00:00Z", "not a time", "0001-01-01T00:00:00+14:00")
    ),
    case("due-at-past-9999", "PATCH", AC, 422, {"due_at": "9999-12-31T23:59:59-14:00"}),
    # 422: empty, blank, null or too long where a value is required.
    case("name-empty", "POST", C, 422, {"name": ""}),
    case("name-blank", "POST", C, 422, {"name": "   "}),
    case("name-null", "POST", C, 422, {"name": None}),
    case("name-missing", "POST", C, 422, {"domain": "a.example"}),
    case("empty-object", "POST", "/api/v1/deals", 422, {}),
    case("first-name-empty", "POST", "/api/v1/contacts", 422, {"first_name": ""}),
    case("title-empty", "POST", "/api/v1/deals", 422, {"title": ""}),
    case("lead-name-empty", "POST", "/api/v1/leads", 422, {"name": ""}),
    case("subject-empty", "POST", "/api/v1/activities", 422, {"kind": "note", "subject": ""}),
    case("job-type-empty", "POST", JOBS, 422, {"type": ""}),
    case("patch-name-empty", "PATCH", CO, 422, {"name": ""}),
    case("patch-subject-blank", "PATCH", AC, 422, {"subject": "   "}),
    case("patch-name-null", "PATCH", CO, 422, {"name": None}),
    case("patch-currency-null", "PATCH", DE, 422, {"currency": None}),
    case("patch-stage-null", "PATCH", DE, 422, {"stage": None}),
    case("patch-status-null", "PATCH", LE, 422, {"status": None}),
    case("patch-done-null", "PATCH", AC, 422, {"done": None}),
    case("patch-kind-null", "PATCH", AC, 422, {"kind": None}),
    case("name-too-long", "POST", C, 422, {"name": "x" * 201}),
    case("patch-name-too-long", "PATCH", CO, 422, {"name": "x" * 201}),
    case("patch-subject-too-long", "PATCH", AC, 422, {"subject": "x" * 301}),
    case("patch-domain-too-long", "PATCH", CO, 422, {"domain": "x" * 254}),
    case("email-invalid", "POST", "/api/v1/leads", 422, {"name": "n", "email": "not-an-email"}),
    case("patch-email-invalid", "PATCH", CT, 422, {"email": "a@b"}),
    # 422: references to rows that do not exist.
    case("company-zero", "POST", "/api/v1/contacts", 422, {"first_name": "a", "company_id": 0}),
    case("company-missing", "PATCH", CT, 422, {"company_id": 999_999}),
    case("owner-missing", "POST", C, 422, {"name": "a", "owner_id": 999_999}),
    # 404: unknown ids.
    case("patch-unknown", "PATCH", f"{C}/999999", 404, {"name": "x"}),
    case("delete-unknown", "DELETE", "/api/v1/deals/999999", 404),
    case("get-unknown", "GET", "/api/v1/leads/999999", 404),
    case("get-unknown-job", "GET", f"{JOBS}/{UUID}", 404),
    case("cancel-unknown-job", "POST", f"{JOBS}/{UUID}/cancel", 404),
    case("job-id-not-uuid", "GET", f"{JOBS}/42", 404),
    case("unknown-path", "GET", "/api/v1/widgets", 404),
    # 405: methods not allowed, POST on an id included.
    case("post-on-id", "POST", CO, 405, {"name": "x"}),
    case("post-on-unknown-id", "POST", "/api/v1/deals/999", 405, {"title": "x"}),
    case("put-list", "PUT", C, 405, {"name": "x"}),
    case("delete-list", "DELETE", C, 405),
    case("put-item", "PUT", CO, 405, {"name": "x"}),
    case("patch-jobs", "PATCH", JOBS, 405, {}),
    case("delete-job", "DELETE", f"{JOBS}/{UUID}", 405),
    case("get-cancel", "GET", f"{JOBS}/{UUID}/cancel", 405),
    case("post-dashboard", "POST", "/api/v1/analytics/dashboard", 405, {}),
    case("post-health", "POST", "/health", 405),
]


@pytest.fixture
def rows(client: JsonClient, tenant: Tenant) -> dict[str, dict[str, Any]]:
    return create_all(client, tenant.member)


@pytest.mark.parametrize(("method", "path", "kwargs", "status"), CASES)
def test_bad_input_is_a_4xx_that_writes_nothing(
    client: JsonClient,
    engine: Engine,
    tenant: Tenant,
    rows: dict[str, dict[str, Any]],
    method: str,
    path: str,
    kwargs: dict[str, Any],
    status: int,
) -> None:
    url = path.format(**{name: row["id"] for name, row in rows.items()})
    before = snapshot(engine)
    resp = client.open(url, method=method, headers=auth(tenant.member), **kwargs)
    error = assert_error(resp, status)
    assert error["code"] in CODES[status]
    assert snapshot(engine) == before


def test_405_names_the_allowed_methods(client: JsonClient, tenant: Tenant) -> None:
    resp = client.put(C, json={"name": "x"}, headers=auth(tenant.member))
    assert_error(resp, 405)
    assert set(resp.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "POST"}


def test_a_cursor_from_another_list_is_refused(client: JsonClient, tenant: Tenant) -> None:
    h = auth(tenant.member)
    for i in range(3):
        client.post(C, json={"name": f"C{i}"}, headers=h)
        client.post(JOBS, json={"type": "analytics.rollup"}, headers=h)
    by_name = client.get(f"{C}?limit=1&sort=name", headers=h).json["next_cursor"]
    jobs = client.get(f"{JOBS}?limit=1", headers=h).json["next_cursor"]
    assert by_name and jobs
    assert client.get(f"{C}?limit=1&sort=name&cursor={by_name}", headers=h).status_code == 200
    assert_error(client.get(f"{C}?sort=-created_at&cursor={by_name}", headers=h), 422)
    assert_error(client.get(f"{C}?cursor={jobs}", headers=h), 422, "invalid_cursor")
    assert_error(client.get(f"{JOBS}?cursor={by_name}", headers=h), 422, "invalid_cursor")


@pytest.mark.parametrize("method", ["POST", "PATCH"])
def test_a_body_past_the_limit_is_413(
    make_app: Callable[..., Flask], sessions: Any, engine: Engine, method: str
) -> None:
    small = make_app(web={"max_body_bytes": 1024})
    with session_scope(sessions) as session:
        tenant = make_tenant(session, "Small")
    client = client_for(small)
    h = auth(tenant.member)
    company = client.post(C, json={"name": "x" * 200}, headers=h)  # under the limit
    assert company.status_code == 201
    url = C if method == "POST" else f"{C}/{company.json['id']}"
    before = snapshot(engine)
    big = {"name": "big", "domain": "d" * 2000}
    assert_error(client.open(url, method=method, json=big, headers=h), 413, "payload_too_large")
    job = {"type": "analytics.rollup", "params": {"pad": "x" * 2000}}
    assert_error(client.post(JOBS, json=job, headers=h), 413)
    assert snapshot(engine) == before


HOSTILE: list[Any] = [
    None, "", " ", "\u0000", "a\u0000", 10**30, -(10**30), -1, 0, 1.5, True,
    [], {}, {"a": 1}, "x" * 5000, "9999-99-99", "\u00ff", "\U0001f642", "\ufffe",
]  # fmt: skip


@pytest.mark.parametrize("name", RESOURCES)
def test_no_hostile_value_in_any_field_is_a_5xx(
    client: JsonClient, tenant: Tenant, rows: dict[str, dict[str, Any]], name: str
) -> None:
    h = auth(tenant.member)
    fields = [f for f in rows[name] if f not in ("id", "created_at", "updated_at")]
    failures = []
    for field in [*fields, "org_id", "unknown"]:
        for value in HOSTILE:
            for method, url, body in (
                ("POST", f"/api/v1/{name}", {**MINIMAL[name], field: value}),
                ("PATCH", f"/api/v1/{name}/{rows[name]['id']}", {field: value}),
                ("GET", f"/api/v1/{name}?{urlencode({field: value})}", None),
            ):
                resp = client.open(url, method=method, json=body, headers=h)
                if resp.status_code >= 500:
                    failures.append((method, field, value, resp.status_code))
                elif resp.status_code >= 400:
                    assert_error(resp, resp.status_code)
    assert failures == []
