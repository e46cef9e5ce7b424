"""The ops console in a real headless Chromium: sign in, live chart, the dead letters view."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from dramatiq.brokers.redis import RedisBroker
from flask import Flask
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from sqlalchemy.orm import Session, sessionmaker

from core.queueing.broker import configure
from core.settings import Settings
from models import Job
from tests.support.actors import effect
from tests.support.browser import (
    CHROMIUM_FLAGS,
    browser,
    click,
    csp_violations,
    errors,
    screenshot,
    sign_in,
    text,
)
from tests.support.client import client_for
from tests.support.factories import Tenant
from tests.support.stack import ServeApp, wait_for

__all__ = ["CHROMIUM_FLAGS", "browser"]  # tests/web/test_docs_browser.py takes the flags


@pytest.fixture
def base_url(app: Flask) -> Iterator[str]:
    with ServeApp(app) as served:
        yield served.http


def test_console_renders_moves_and_retries(
    base_url: str,
    browser: WebDriver,
    tenant: Tenant,
    settings: Settings,
    sessions: sessionmaker[Session],
) -> None:
    broker = configure(settings)
    assert isinstance(broker, RedisBroker)
    broker.enqueue(effect.message("doomed"))
    consumer = broker.consume("default", prefetch=1)
    dead = next(consumer)
    assert dead is not None
    consumer.nack(dead)

    browser.get(f"{base_url}/ops")
    assert browser.find_element(By.ID, "console").get_attribute("hidden") is not None
    sign_in(browser, base_url, tenant.operator)
    wait_for(lambda: "live" in (text(browser, "#status") or ""), 10)
    # Every queue of core.queueing.queues, not a hard-coded few.
    names = browser.execute_script(
        "return [...document.querySelectorAll('#queues tbody tr')].map(r => r.dataset.queue)"
    )
    assert names == ["critical", "default", "bulk", "email", "webhooks", "push"]

    for i in range(7):
        broker.enqueue(effect.message(f"q{i}").copy(queue_name="bulk"))
    wait_for(lambda: text(browser, "#queues tr[data-queue=bulk] td.ready") == "7", 10)
    wait_for(
        lambda: (
            browser.execute_script(
                "const c = window.opsChart; return c ? c.data[3][c.data[3].length - 1] : null;"
            )
            == 7
        ),
        10,
    )  # the depth chart moved with the queue

    browser.get(f"{base_url}/ops#dead")
    row = f'#dead tr[data-message="{dead.message_id}"]'
    wait_for(lambda: text(browser, row) is not None, 10)
    screenshot(browser, "ops-console")
    click(browser, f"{row} button[data-action=retry]")
    wait_for(lambda: text(browser, row) is None, 10)
    with sessions() as s:
        job = s.get(Job, uuid.UUID(dead.message_id))
        assert job is not None and job.status == "queued"  # handed to the relay
    assert errors(browser) == []  # the first websocket frame included
    assert csp_violations(browser) == []


def test_console_page_holds_no_data_without_a_key(app: Flask) -> None:
    client = client_for(app)
    page = client.get("/ops")
    assert page.status_code == 200 and b"Operator API key" in page.data
    assert b"default" not in page.data
    assert client.get("/ops/vendor/uPlot.iife.min.js").status_code == 200
    for script in (
        "ops.js",
        "ops-core.js",
        "ops-overview.js",
        "ops-views.js",
        "ops-batches.js",
        "ops-fairness.js",
    ):
        resp = client.get(f"/ops/static/{script}")
        assert resp.status_code == 200 and resp.mimetype == "text/javascript"
    assert client.get("/ops/static/../console.py").status_code == 404
    policy = page.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in policy and "script-src 'self'" in policy
    assert b"http://" not in page.data and b"https://" not in page.data  # nothing from a CDN
