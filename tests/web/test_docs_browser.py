"""``/docs`` in a real headless Chromium that can reach nothing but SalesHub."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.remote.webdriver import WebDriver

from tests.support.browser import CHROMIUM_FLAGS
from tests.support.stack import ServeApp


@pytest.fixture
def offline_browser(tmp_path: Path) -> Iterator[WebDriver]:
    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    assert chromium and driver, "make test installs Debian's chromium and chromium-driver"
    opts = webdriver.ChromeOptions()
    opts.binary_location = chromium
    # Every host but the loopback (Chromium never proxies it) goes to a proxy that does not
    # exist: no CDN can answer.
    for flag in (
        *CHROMIUM_FLAGS,
        f"--user-data-dir={tmp_path / 'profile'}",
        "--proxy-server=http://127.0.0.1:9",
    ):
        opts.add_argument(flag)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    drv = webdriver.Chrome(service=Service(driver), options=opts)
    yield drv
    drv.quit()


def test_docs_list_the_operations_offline_without_csp_violations(
    app: Flask, offline_browser: WebDriver
) -> None:
    with ServeApp(app) as served:
        # Every violation of the page's policy, whatever the console says about it.
        offline_browser.execute_cdp_cmd(
            "Page.addScriptToEvaluateOnNewDocument",
            {
                "source": "window.cspViolations = [];"
                " document.addEventListener('securitypolicyviolation',"
                " e => window.cspViolations.push(e.violatedDirective + ' ' + e.blockedURI))"
            },
        )
        offline_browser.get(served.http + "/docs")
        deadline = time.monotonic() + 30
        count = 0
        while time.monotonic() < deadline:
            count = offline_browser.execute_script(
                "return document.querySelectorAll('.opblock').length"
            )
            if count > 60:
                break
            time.sleep(0.2)
        assert count > 60, offline_browser.page_source[:2000]
        paths = offline_browser.execute_script(
            "return [...document.querySelectorAll('.opblock-summary-path')].map(e => e.textContent)"
        )
        assert any("/api/v1/companies" in p for p in paths)
        # No Content-Security-Policy violation (the policy has no 'unsafe-inline'), no
        # blocked script, no request that went off the host: nothing SEVERE at all.
        errors = [
            e["message"] for e in offline_browser.get_log("browser") if e["level"] == "SEVERE"
        ]
        assert not errors, errors
        violations = offline_browser.execute_script("return window.cspViolations")
        assert violations == [], violations
