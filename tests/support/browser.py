"""Headless Chromium for the console tests: the driver, page helpers and the browser log."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from tests.support.stack import ROOT, wait_for

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
    "--window-size=1366,900",  # a laptop screen
)


# Collects every violation of a page's Content-Security-Policy (pages load no inline code;
# the policy would block it), whatever the console says about it.
CSP_WATCH = (
    "window.cspViolations = [];"
    " document.addEventListener('securitypolicyviolation',"
    " e => window.cspViolations.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline')))"
)


def watch_csp(browser: WebDriver) -> None:
    """Record the policy violations of every page ``browser`` opens from now on."""
    browser.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": CSP_WATCH})


def csp_violations(browser: WebDriver) -> list[str]:
    """The policy violations of the page open in ``browser`` (directive and what was blocked)."""
    found: list[str] = browser.execute_script("return window.cspViolations")
    return found


def chromium(profile: Path) -> WebDriver:
    """A headless Chromium whose console log and policy violations the test can read."""
    binary, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if not (binary and driver):
        pytest.fail("make test installs Debian's chromium and chromium-driver")
    opts = webdriver.ChromeOptions()
    opts.binary_location = binary
    # Every host but the loopback goes to a proxy that does not exist: no CDN can answer,
    # so a page that needed one would fail its test.
    for flag in (
        *CHROMIUM_FLAGS,
        f"--user-data-dir={profile}",
        "--proxy-server=http://127.0.0.1:9",
    ):
        opts.add_argument(flag)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    drv = webdriver.Chrome(service=Service(driver), options=opts)
    watch_csp(drv)
    return drv


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[WebDriver]:
    drv = chromium(tmp_path / "profile")
    yield drv
    drv.quit()


def text(browser: WebDriver, selector: str) -> str | None:
    """The text of the element ``selector`` now, or None if there is none."""
    found: str | None = browser.execute_script(
        "const e = document.querySelector(arguments[0]); return e ? e.textContent : null;", selector
    )
    return found


def count(browser: WebDriver, selector: str) -> int:
    """How many elements match ``selector`` now."""
    n: int = browser.execute_script(
        "return document.querySelectorAll(arguments[0]).length", selector
    )
    return n


def click(browser: WebDriver, selector: str) -> None:
    """Click ``selector`` (found and clicked in one script: tables re-render)."""
    browser.execute_script("document.querySelector(arguments[0]).click()", selector)


def sign_in(browser: WebDriver, base_url: str, key: str, *, dark: bool = False) -> None:
    """Open the console (in dark mode if asked) and sign in with ``key``."""
    scheme = "dark" if dark else "light"
    browser.execute_cdp_cmd(
        "Emulation.setEmulatedMedia",
        {"features": [{"name": "prefers-color-scheme", "value": scheme}]},
    )
    browser.get(f"{base_url}/ops")
    browser.find_element(By.ID, "key").send_keys(key)
    browser.find_element(By.CSS_SELECTOR, "#signin button").click()
    wait_for(lambda: count(browser, "#queues tr[data-queue=bulk]"), 10)


def errors(browser: WebDriver) -> list[dict[str, Any]]:
    """The browser log's errors since the last call."""
    return [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]  # type: ignore[attr-defined]


def screenshot(browser: WebDriver, name: str) -> None:
    """Save the page as ``test-artifacts/<name>.png``."""
    ARTIFACTS.mkdir(exist_ok=True)
    browser.save_screenshot(str(ARTIFACTS / f"{name}.png"))
