"""``/live`` in headless Chromium: two sessions of one org see a new deal; another org sees nothing.

The whole path runs for real: the API commits the deal and stages its feed entry (the
outbox), the relay sends it, a worker process records it in the org's stream and publishes
it, and the hub pushes it to the pages' sockets.
"""

from __future__ import annotations

import shutil
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from dramatiq.brokers.redis import RedisBroker
from flask import Flask
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from sqlalchemy import Engine

import worker.entry  # noqa: F401 - declares every actor
from core.queueing.broker import configure
from core.settings import Settings
from tests.support.browser import CHROMIUM_FLAGS, csp_violations, watch_csp
from tests.support.factories import Tenant
from tests.support.stack import ROOT, RelayThread, ServeApp, WorkerProcess, wait_for
from tests.web.helpers import post_json

ARTIFACTS = ROOT / "test-artifacts"


@pytest.fixture
def served(app: Flask) -> Iterator[ServeApp]:
    with ServeApp(app) as s:
        yield s


@pytest.fixture
def pipeline(settings: Settings, engine: Engine, tmp_path: Path) -> Iterator[None]:
    """The relay (in a thread) and a worker process: staged feed entries get recorded."""
    broker = configure(settings)
    assert isinstance(broker, RedisBroker)
    proc = WorkerProcess(settings, tmp_path / "worker.log")
    proc.start()
    try:
        with RelayThread(settings, broker):
            yield
    finally:
        proc.stop()


@pytest.fixture
def browsers(tmp_path: Path) -> Iterator[list[WebDriver]]:
    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    assert chromium and driver, "make test installs Debian's chromium and chromium-driver"
    out: list[WebDriver] = []
    try:
        for n in range(3):
            opts = webdriver.ChromeOptions()
            opts.binary_location = chromium
            opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
            for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / f'profile{n}'}"):
                opts.add_argument(flag)
            out.append(webdriver.Chrome(service=Service(driver), options=opts))
            watch_csp(out[-1])
        yield out
    finally:
        for drv in out:
            drv.quit()


def _sign_in(browser: WebDriver, url: str, key: str) -> None:
    browser.get(f"{url}/live")
    browser.find_element(By.ID, "key").send_keys(key)
    browser.find_element(By.CSS_SELECTOR, "#signin button").click()
    wait_for(lambda: _text(browser, "#status") == "live", 15)
    # Subscribed: the activity channel's first frame carries the head offset.
    wait_for(lambda: browser.execute_script("return offset") is not None, 15)


def _get(url: str) -> tuple[int, dict[str, str], str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as resp:
            return resp.status, dict(resp.headers), resp.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), ""


def _text(browser: WebDriver, selector: str) -> str | None:
    text: str | None = browser.execute_script(
        "const e = document.querySelector(arguments[0]); return e ? e.textContent : null;", selector
    )
    return text


def _errors(browser: WebDriver) -> list[dict[str, object]]:
    return [e for e in browser.get_log("browser") if e["level"] in ("SEVERE", "ERROR")]  # type: ignore[attr-defined]


def test_a_new_deal_appears_live_in_its_orgs_pages_only(
    served: ServeApp,
    pipeline: None,
    browsers: list[WebDriver],
    tenant: Tenant,
    other_tenant: Tenant,
) -> None:
    ann, bob, outsider = browsers
    _sign_in(ann, served.http, tenant.member)
    _sign_in(bob, served.http, tenant.admin)
    _sign_in(outsider, served.http, other_tenant.member)

    deal = post_json(
        f"{served.http}/api/v1/deals",
        {"title": "Live wire", "amount": "1200.00", "stage": "proposal"},
        tenant.member,
    )
    card = f'.column[data-stage="proposal"] .card[data-deal="{deal["id"]}"]'
    for page in (ann, bob):
        wait_for(lambda page=page: _text(page, card), 15)  # type: ignore[misc]
        assert "Live wire" in (_text(page, card) or "")
        wait_for(lambda page=page: "Live wire" in (_text(page, "#feed") or ""), 15)  # type: ignore[misc]
        wait_for(  # the dashboard delta: the proposal column's total
            lambda page=page: (
                (_text(page, '.column[data-stage="proposal"] .total') or "")  # type: ignore[misc]
                .startswith("1 · 1200.00")
            ),
            15,
        )
    ARTIFACTS.mkdir(exist_ok=True)
    ann.save_screenshot(str(ARTIFACTS / "live.png"))

    assert outsider.find_elements(By.CSS_SELECTOR, ".card") == []
    assert _text(outsider, "#feed") == ""
    assert (_text(outsider, '.column[data-stage="proposal"] .total') or "").startswith("0 ·")
    for page in browsers:
        assert _errors(page) == []
        assert csp_violations(page) == []


def test_the_page_holds_no_data_and_no_inline_code(served: ServeApp) -> None:
    status, headers, html = _get(f"{served.http}/live")
    assert status == 200 and "<script>" not in html and "style=" not in html
    policy = headers["Content-Security-Policy"]
    assert "unsafe-inline" not in policy and "script-src 'self'" in policy
    assert headers["X-Frame-Options"] == "DENY"
    for name in ("live.js", "live.css"):
        assert _get(f"{served.http}/live/static/{name}")[0] == 200
    assert _get(f"{served.http}/live/static/other.js")[0] == 404
