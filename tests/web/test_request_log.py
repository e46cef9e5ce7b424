"""The request id (accepted or made, echoed) and the access log."""

from __future__ import annotations

import logging
import re

import pytest
from flask.testing import FlaskClient

from tests.conftest import auth
from tests.support.factories import Tenant


def test_a_request_id_is_made_and_echoed(client: FlaskClient) -> None:
    first = client.get("/health").headers["X-Request-ID"]
    second = client.get("/health").headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", first) and first != second


def test_a_sane_request_id_is_kept_and_a_bad_one_replaced(client: FlaskClient) -> None:
    assert client.get("/health", headers={"X-Request-ID": "lb-42.a"}).headers["X-Request-ID"] == (
        "lb-42.a"
    )
    bad = client.get("/health", headers={"X-Request-ID": "x" * 200}).headers
    assert re.fullmatch(r"[0-9a-f]{32}", bad["X-Request-ID"])


def test_errors_carry_the_request_id_too(client: FlaskClient) -> None:
    resp = client.get("/api/v1/companies", headers={"X-Request-ID": "abc"})
    assert resp.status_code == 401 and resp.headers["X-Request-ID"] == "abc"


def test_one_access_line_per_request_with_its_id(
    client: FlaskClient, tenant: Tenant, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="saleshub.access")
    client.get("/api/v1/deals?limit=5", headers={**auth(tenant.member), "X-Request-ID": "r-1"})
    lines = [r for r in caplog.records if r.name == "saleshub.access"]
    assert len(lines) == 1
    record = lines[0]
    assert record.getMessage().startswith("GET /api/v1/deals?limit=5 200 ")
    assert record.request_id == "r-1"  # type: ignore[attr-defined]
    assert record.status == 200 and record.path == "/api/v1/deals"  # type: ignore[attr-defined]
