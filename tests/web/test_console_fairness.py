"""The console's Fairness view, in headless Chromium: orgs in flight and waiting per pool,
each webhook endpoint's line and the endpoints their breaker paused, read from the real
fairness keys and rows; polled, so a line that empties leaves the view."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import redis
from flask import Flask
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from sqlalchemy.orm import Session, sessionmaker

from core.notify import webhooks
from core.queueing.org_slots import OrgSlots, cap_of
from core.queueing.queues import Pool
from core.queueing.waiting_line import WaitingLine
from core.settings import Settings
from models import WebhookEndpoint
from models.db import session_scope
from tests.support.browser import browser, count, csp_violations, errors, screenshot, sign_in
from tests.support.factories import Tenant
from tests.support.stack import ServeApp, wait_for

__all__ = ["browser"]


@pytest.fixture
def base_url(app: Flask) -> Iterator[str]:
    with ServeApp(app) as served:
        yield served.http


def _endpoint(sessions: sessionmaker[Session], org_id: int, **fields: object) -> int:
    with session_scope(sessions) as s:
        endpoint = WebhookEndpoint(
            org_id=org_id, url="http://127.0.0.1:9/h", events=["*"], secret="-", **fields
        )
        s.add(endpoint)
        s.flush()
        return endpoint.id


def _cells(browser: WebDriver, table: str) -> list[list[str]]:
    rows: list[list[str]] = browser.execute_script(
        "return [...document.querySelectorAll(arguments[0] + ' tbody tr')]"
        ".map(r => [...r.cells].map(c => c.textContent))",
        f"#{table}",
    )
    return rows


def test_the_view_shows_org_shares_endpoint_lines_and_paused_endpoints(
    base_url: str,
    browser: WebDriver,
    tenant: Tenant,
    settings: Settings,
    sessions: sessionmaker[Session],
    broker_redis: redis.Redis,
) -> None:
    ns = settings.broker.namespace
    cap = cap_of(settings, Pool.WORKER)
    slots = OrgSlots(broker_redis, ns)
    for n in range(cap):  # the org is at its cap: its next job waits
        assert slots.acquire("worker", tenant.org_id, f"m{n}", cap=cap, lease_ms=60_000)
    slots.deferred("worker", tenant.org_id)  # one job of the org waits
    busy = _endpoint(sessions, tenant.org_id)
    line = WaitingLine(broker_redis, ns, webhooks.ENDPOINT_SLOTS)
    most = settings.notify.webhook_max_in_flight
    calls = [f"call{n}" for n in range(most)]
    for member in calls:  # the endpoint's calls in flight, then two deliveries in its line
        assert line.acquire_or_wait(busy, member, "0|1", cap=most, lease_ms=60_000)
    for member in ("next1", "next2"):
        assert not line.acquire_or_wait(busy, member, "0|1", cap=most, lease_ms=60_000)
    paused = _endpoint(
        sessions,
        tenant.org_id,
        consecutive_failures=7,
        paused_until=datetime.now(UTC) + timedelta(minutes=5),
    )

    sign_in(browser, base_url, tenant.operator)
    browser.get(f"{base_url}/ops#fairness")
    wait_for(lambda: count(browser, "#fair-orgs tbody tr") > 0, 10)
    org = str(tenant.org_id)
    assert ["worker", org, f"{cap} / {cap}", "1", "1"] in _cells(browser, "fair-orgs")
    assert count(browser, f"#fair-orgs tr[data-org='{org}'] td.full") == 1  # at its cap
    assert f"worker: {cap} jobs in flight per org" in browser.find_element("id", "fair-caps").text
    assert _cells(browser, "fair-lines") == [[str(busy), org, f"{most} / {most}", "2"]]
    [[shown, owner, failures, until]] = _cells(browser, "fair-paused")
    assert [shown, owner, failures] == [str(paused), org, "7"] and until
    assert browser.find_element(By.ID, "fair-lines-empty").is_displayed() is False
    screenshot(browser, "ops-fairness")

    # The view is polled: the line empties, and the endpoint leaves the table.
    # (each call that ends wakes the next delivery, which keeps a slot until it ends too)
    woken = [line.release(busy, member, cap=most) for member in calls]
    assert woken[:2] == [[("next1", "0|1")], [("next2", "0|1")]] and not any(woken[2:])
    for member in ("next1", "next2"):
        assert line.release(busy, member, cap=most) == []
    wait_for(lambda: count(browser, "#fair-lines tbody tr") == 0, 15)
    assert browser.find_element(By.ID, "fair-lines-empty").is_displayed()
    assert errors(browser) == [] and csp_violations(browser) == []
