"""The ops console in a real headless Chromium: sign in, live chart, retry from the page."""

from __future__ import annotations

import shutil
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from dramatiq.brokers.redis import RedisBroker
from flask import Flask
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from sqlalchemy.orm import Session, sessionmaker

from core.queueing.broker import configure
from core.settings import Settings
from models import Job
from tests.support.actors import effect
from tests.support.factories import Tenant
from tests.support.stack import ROOT, ServeApp, wait_for

ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1200,1400",
)


@pytest.fixture
def base_url(app: Flask) -> Iterator[str]:
    with ServeApp(app) as served:
        yield served.http


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[WebDriver]:
    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    assert chromium and driver, "make test installs Debian's chromium and chromium-driver"
    opts = webdriver.ChromeOptions()
    opts.binary_location = chromium
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}"):
        opts.add_argument(flag)
    drv = webdriver.Chrome(service=Service(driver), options=opts)
    yield drv
    drv.quit()


def _text(browser: WebDriver, selector: str) -> str | None:
    """The text of the element ``selector`` now, or None if there is none."""
    text: str | None = browser.execute_script(
        "const e = document.querySelector(arguments[0]); return e ? e.textContent : null;", selector
    )
    return text


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
    consumer.nack(dead)

    browser.get(f"{base_url}/ops")
    assert browser.find_element(By.ID, "console").get_attribute("hidden") is not None
    browser.find_element(By.ID, "key").send_keys(tenant.operator)
    browser.find_element(By.CSS_SELECTOR, "#signin button").click()
    wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, "#queues tr[data-queue=bulk]"), 10)
    wait_for(lambda: "live" in (_text(browser, "#status") or ""), 10)

    for i in range(7):
        broker.enqueue(effect.message(f"q{i}").copy(queue_name="bulk"))
    bulk_cell = "#queues tr[data-queue=bulk] td.ready"
    wait_for(lambda: _text(browser, bulk_cell) == "7", 10)
    last = browser.execute_script("const d = window.opsChart.data; return d[3][d[3].length - 1];")
    assert last == 7  # the depth chart moved with the queue

    row = f'#dead tr[data-message="{dead.message_id}"]'
    wait_for(lambda: _text(browser, row) is not None, 10)
    ARTIFACTS.mkdir(exist_ok=True)
    browser.save_screenshot(str(ARTIFACTS / "ops-console.png"))
    # The tables re-render every few seconds: query and click in one script, never holding
    # an element reference across a re-render.
    retry = f"{row} button[data-action=retry]"
    browser.execute_script("document.querySelector(arguments[0]).click()", retry)
    wait_for(lambda: _text(browser, row) is None, 10)
    with sessions() as s:
        job = s.get(Job, uuid.UUID(dead.message_id))
        assert job is not None and job.status == "queued"  # handed to the relay
    time.sleep(0.1)


def test_console_page_holds_no_data_without_a_key(base_url: str, app: Flask) -> None:
    client = app.test_client()
    page = client.get("/ops")
    assert page.status_code == 200 and b"Operator API key" in page.data
    assert b"default" not in page.data
    assert client.get("/ops/vendor/uPlot.iife.min.js").status_code == 200
    assert client.get("/ops/static/ops.js").status_code == 200
    assert client.get("/ops/static/../console.py").status_code == 404
