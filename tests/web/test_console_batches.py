"""The console's "Batches & imports" view and a job's batch panels, in headless Chromium:
a batch's members by status and an import's progress, made through the real batch and
import code, updated by polling; no browser error and no policy violation."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from selenium.webdriver.remote.webdriver import WebDriver
from sqlalchemy.orm import Session, sessionmaker

from core.queueing.ledger_store import LedgerStore
from core.settings import Settings
from tests.support.batches import finish, make_batch, store
from tests.support.browser import (
    browser,
    count,
    csp_violations,
    errors,
    screenshot,
    sign_in,
    text,
)
from tests.support.client import client_for
from tests.support.factories import Tenant
from tests.support.search import run_staged_jobs
from tests.support.stack import ServeApp, wait_for
from tests.web.test_imports_api import CSV, bulk_app, bulk_settings, run_all, upload

__all__ = ["browser", "bulk_app", "bulk_settings", "store"]


@pytest.fixture
def base_url(bulk_app: Flask) -> Iterator[str]:
    with ServeApp(bulk_app) as served:
        yield served.http


def _batch(sessions: sessionmaker[Session], tenant: Tenant, store: LedgerStore) -> tuple[str, str]:
    """A batch of four: one succeeded, one failed, two queued; its id and a queued member's."""
    batch_id, ids = make_batch(sessions, tenant.org_id, 4, dispatched=True)
    finish(store, ids[0], ok=True)
    finish(store, ids[1], ok=False)
    return batch_id, ids[3]


def _segments(browser: WebDriver, row: str) -> dict[str, str]:
    found: dict[str, str] = browser.execute_script(
        "return Object.fromEntries([...document.querySelectorAll(arguments[0] + ' .seg')]"
        ".map(s => [s.dataset.status, s.dataset.count]))",
        row,
    )
    return found


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
def test_the_view_lists_a_batch_s_members_and_an_import_s_progress(
    base_url: str,
    bulk_app: Flask,
    browser: WebDriver,
    tenant: Tenant,
    bulk_settings: Settings,
    sessions: sessionmaker[Session],
    store: LedgerStore,
    dark: bool,
) -> None:
    web = client_for(bulk_app)
    made = upload(web, tenant.member, CSV.encode(), type="contacts", key="email").json
    # The split reads the file (7 rows, 4 refused) and stages the chunks: in progress.
    run_staged_jobs(bulk_settings, sessions, rounds=1, skip=("notifications.fanout",))
    batch_id, queued_member = _batch(sessions, tenant, store)
    sign_in(browser, base_url, tenant.operator, dark=dark)
    browser.get(f"{base_url}/ops#batches")
    imp = f"#imports tr[data-import='{made['id']}']"
    row = f"#batches tr[data-batch='{batch_id}']"
    wait_for(lambda: count(browser, imp) == 1 and count(browser, f"{row} .seg") == 3, 10)
    assert (text(browser, f"{imp} .read"), text(browser, f"{imp} .rejected")) == ("7", "4")
    assert text(browser, f"{imp} .committed") == "0"
    value = browser.execute_script(f"return document.querySelector(`{imp} progress`).value")
    assert 0 < value < 100
    assert _segments(browser, row) == {"succeeded": "1", "failed": "1", "queued": "2"}
    assert text(browser, f"{row} .counts") == "1 succeeded · 1 failed · 2 queued"
    assert "waiting" in (text(browser, row) or "")
    # The import's own batch is listed too, with its callback.
    assert "import.finish: waiting" in (
        text(browser, f"#batches tr[data-batch='{made['job_id']}']") or ""
    )
    screenshot(browser, f"ops-batches-{'dark' if dark else 'light'}")
    # Polling moves it on: once finished it leaves "in progress", and "all" shows it done.
    run_all(bulk_settings, sessions, made["id"])
    wait_for(lambda: count(browser, imp) == 0, 15)
    assert (
        text(browser, "#imports-empty")
        and browser.execute_script("return document.getElementById('imports-empty').hidden")
        is False
    )
    browser.execute_script(
        "const s = document.querySelector('#import-filter select[name=active]');"
        "s.value = ''; s.dispatchEvent(new Event('change'));"
    )
    wait_for(lambda: text(browser, f"{imp} .committed") == "2", 10)
    assert text(browser, f"{imp} .rejected") == "5"
    assert browser.execute_script(f"return document.querySelector(`{imp} progress`).value") == 100
    # A batch's page shows its members; a member's page, the batch it is in.
    browser.get(f"{base_url}/ops#job/{batch_id}")
    wait_for(lambda: count(browser, "#job-batch .seg") == 3, 10)
    assert browser.execute_script("return document.getElementById('job-parent-batch').hidden")
    browser.get(f"{base_url}/ops#job/{queued_member}")
    wait_for(lambda: count(browser, "#job-parent-batch .seg") == 3, 10)
    assert batch_id in (text(browser, "#job-parent-batch") or "")
    assert browser.execute_script("return document.getElementById('job-batch').hidden")
    screenshot(browser, f"ops-job-member-{'dark' if dark else 'light'}")
    assert errors(browser) == []
    assert csp_violations(browser) == []
