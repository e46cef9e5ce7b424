"""Every HTML page in headless Chromium under its real Content-Security-Policy.

The pages are found from the URL map (each GET rule without arguments answering HTML), so
a page added later is loaded here without anyone listing it. The policy allows no inline
code at all; a page relying on some would show a violation.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, Response
from selenium.webdriver.remote.webdriver import WebDriver

from tests.support.browser import browser, csp_violations, errors
from tests.support.client import client_for
from tests.support.stack import ServeApp, wait_for

__all__ = ["browser"]


def _html_pages(app: Flask) -> list[str]:
    client = client_for(app)
    found = []
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()) or rule.arguments:
            continue
        if client.get(rule.rule).mimetype == "text/html":
            found.append(rule.rule)
    return sorted(found)


def _load(browser: WebDriver, url: str) -> None:
    browser.get(url)
    wait_for(lambda: browser.execute_script("return document.readyState") == "complete", 20)


def test_every_html_page_loads_without_a_policy_violation(app: Flask, browser: WebDriver) -> None:
    pages = _html_pages(app)
    assert {"/docs", "/live", "/ops"} <= set(pages)
    with ServeApp(app) as served:
        for page in pages:
            _load(browser, served.http + page)
            assert csp_violations(browser) == [], page
            assert errors(browser) == [], page


def test_inline_code_is_blocked_and_seen(
    make_app: Callable[..., Flask], browser: WebDriver
) -> None:
    """The check above can fail: an inline script and style are blocked and reported."""
    app = make_app()

    @app.get("/inline-page")
    def inline_page() -> Response:
        html = (
            "<!doctype html><html><head><style>p{color:red}</style></head><body>"
            "<p id=p>x</p><script>document.title = 'ran'</script></body></html>"
        )
        return Response(html, mimetype="text/html")

    with ServeApp(app) as served:
        _load(browser, served.http + "/inline-page")
        assert browser.title != "ran"  # the script did not run
        violations = csp_violations(browser)
        assert any(v.startswith("script-src") for v in violations), violations
        assert any(v.startswith("style-src") for v in violations), violations
