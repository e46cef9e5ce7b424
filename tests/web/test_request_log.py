"""The request id (accepted or made, echoed) and the access log."""

from __future__ import annotations

import logging
import re

import pytest

from tests.conftest import auth
from tests.support.client import JsonClient, client_for
from tests.support.factories import Tenant


def test_a_request_id_is_made_and_echoed(client: JsonClient) -> None:
    first = client.get("/health").headers["X-Request-ID"]
    second = client.get("/health").headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", first) and first != second


def test_a_sane_request_id_is_kept_and_a_bad_one_replaced(client: JsonClient) -> None:
    assert client.get("/health", headers={"X-Request-ID": "lb-42.a"}).headers["X-Request-ID"] == (
        "lb-42.a"
    )
    bad = client.get("/health", headers={"X-Request-ID": "x" * 200}).headers
    assert re.fullmatch(r"[0-9a-f]{32}", bad["X-Request-ID"])


def test_errors_carry_the_request_id_too(client: JsonClient) -> None:
    resp = client.get("/api/v1/companies", headers={"X-Request-ID": "abc"})
    assert resp.status_code == 401 and resp.headers["X-Request-ID"] == "abc"


def test_one_access_line_per_request_with_its_id(
    client: JsonClient, tenant: Tenant, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="saleshub.access")
    client.get("/api/v1/deals?limit=5", headers={**auth(tenant.member), "X-Request-ID": "r-1"})
    lines = [r for r in caplog.records if r.name == "saleshub.access"]
    assert len(lines) == 1
    record = lines[0]
    assert record.getMessage().startswith("GET /api/v1/deals?limit=5 200 ")
    assert record.request_id == "r-1"  # type: ignore[attr-defined]
    assert record.status == 200 and record.path == "/api/v1/deals"  # type: ignore[attr-defined]


def test_the_callers_org_and_user_are_on_the_requests_lines_as_json(
    client: JsonClient, tenant: Tenant, capsys: pytest.CaptureFixture[str]
) -> None:
    import orjson

    from core import logs
    from core.settings import Settings

    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    # Whatever the thread had bound before (a sentinel, so that a request context another test
    # left open cannot decide the outcome) must be what it has after the requests.
    before = {"org_id": -1, "user_id": -1}
    outer = logs.caller.set(before)
    try:
        logs.setup_logging(Settings(log_format="json"))
        capsys.readouterr()  # our handler writes to this test's stderr: from here on
        client.get("/api/v1/deals?limit=5", headers={**auth(tenant.member), "X-Request-ID": "r-2"})
        client.get("/api/v1/deals", headers={"X-Request-ID": "r-3"})  # no key: 401
        lines = [orjson.loads(x) for x in capsys.readouterr().err.splitlines()]
        after = logs.caller.get()
    finally:
        logs.caller.reset(outer)
        root.handlers[:] = handlers
        root.setLevel(level)
    signed, anonymous = (
        next(x for x in lines if x["logger"] == "saleshub.access" and x["request_id"] == rid)
        for rid in ("r-2", "r-3")
    )
    assert signed["org_id"] == tenant.org_id and signed["user_id"] == tenant.member_id
    assert signed["status"] == 200 and signed["path"] == "/api/v1/deals"
    assert anonymous["status"] == 401 and not {"org_id", "user_id"} & set(anonymous)
    # Nothing is left bound for the next request on this thread.
    assert after is before


def test_a_released_context_is_reset_at_once_and_the_answer_still_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from flask import Flask

    from core.logs import caller, request_id
    from web import request_log

    app = Flask(__name__)
    request_log.install(app)
    seen: dict[str, object] = {}

    @app.get("/long")
    def long_lived() -> str:
        seen["bound"] = request_id.get()
        request_log.bind_caller(org_id=7, user_id=9)
        request_log.release_context()
        seen["after"] = (request_id.get(), caller.get())
        return "ok"

    caplog.set_level(logging.INFO, logger="saleshub.access")
    resp = client_for(app).get("/long", headers={"X-Request-ID": "ws-1"})
    assert resp.status_code == 200 and resp.headers["X-Request-ID"] == "ws-1"
    assert seen == {"bound": "ws-1", "after": (None, None)}
    lines = [r for r in caplog.records if r.name == "saleshub.access"]
    assert [r.getMessage().split(" ")[:3] for r in lines] == [["GET", "/long", "200"]]
    assert request_id.get() is None  # the teardown found nothing left to reset
