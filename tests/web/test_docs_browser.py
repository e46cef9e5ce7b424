"""``/docs`` in a real headless Chromium that can reach nothing but SalesHub."""

from __future__ import annotations

import time

from flask import Flask
from selenium.webdriver.remote.webdriver import WebDriver

from tests.support.browser import browser, csp_violations, errors
from tests.support.stack import ServeApp

__all__ = ["browser"]


def test_docs_list_the_operations_offline_without_csp_violations(
    app: Flask, browser: WebDriver
) -> None:
    # tests.support.browser.chromium: every host but the loopback goes to a proxy that does
    # not exist, so a page that needed a CDN would fail here.
    with ServeApp(app) as served:
        browser.get(served.http + "/docs")
        deadline = time.monotonic() + 30
        count = 0
        while time.monotonic() < deadline:
            count = browser.execute_script("return document.querySelectorAll('.opblock').length")
            if count > 60:
                break
            time.sleep(0.2)
        assert count > 60, browser.page_source[:2000]
        paths = browser.execute_script(
            "return [...document.querySelectorAll('.opblock-summary-path')].map(e => e.textContent)"
        )
        assert any("/api/v1/companies" in p for p in paths)
        # No Content-Security-Policy violation (the policy has no 'unsafe-inline'), no
        # blocked script, no request that went off the host: nothing SEVERE at all.
        assert errors(browser) == []
        assert csp_violations(browser) == []
