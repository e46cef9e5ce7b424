"""Every console view in headless Chromium, light and dark, with screenshots in
test-artifacts/; confirmed bulk purge; the degraded banner; keyboard navigation; canaries."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import re
import socket
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import redis
from flask import Flask, jsonify
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.select import Select
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

import tests.support.actors  # noqa: F401
from core.ops import canary
from core.queueing import batches, job_state, latency, minute_stats
from core.queueing.heartbeat import WORKERS_KEY
from core.queueing.relay import HEARTBEAT_KEY
from core.settings import Settings
from models import Job, JobAttempt
from models.db import session_scope
from tests.conftest import auth
from tests.support.actors import batch_done, member
from tests.support.browser import (
    browser,
    click,
    count,
    errors,
    screenshot,
    sign_in,
    text,
)
from tests.support.client import client_for
from tests.support.deadletters import seed
from tests.support.factories import Tenant
from tests.support.stack import ServeApp, wait_for
from web.caching import cache_service

__all__ = ["browser"]


@pytest.fixture
def base_url(app: Flask) -> Iterator[str]:
    with ServeApp(app) as served:
        yield served.http


@pytest.fixture
def data(settings: Settings, sessions: sessionmaker[Session], tenant: Tenant, app: Flask) -> str:
    """A failed job with two attempts, dead letters, a schedule fire, stats and cache use."""
    client = redis.Redis.from_url(settings.broker.url)
    seed(
        client,
        settings.broker.namespace,
        "email",
        [time.time() * 1000 - i for i in range(30)],
        actor="notifications.email",
        error="SMTPError",
    )
    job_id = uuid.uuid4()
    now = datetime.now(UTC)
    with session_scope(sessions) as s:
        s.add(
            Job(
                id=job_id,
                org_id=tenant.org_id,
                type="search.reindex",
                actor="search.reindex_org",
                queue="bulk",
                params={"full": True},
                message={},
                status="failed",
                attempts=2,
                error="ValueError: bad row",
            )
        )
        s.flush()
        for n in (1, 2):
            s.add(
                JobAttempt(
                    job_id=job_id,
                    attempt=n,
                    worker=f"w{n}",
                    started_at=now,
                    finished_at=now + timedelta(seconds=n),
                    outcome="failed",
                    traceback=f"Traceback (most recent call last):\n  ...\nValueError: {n}",
                )
            )
    minute = int(time.time() // 60)
    f = minute_stats.field
    minute_stats.add_counts(
        client,
        Counter(
            {
                f("bulk", "search.reindex_org", "processed"): 12,
                f("bulk", "search.reindex_org", "failed"): 2,
            }
        ),
        minute,
        Counter(
            {
                latency.field("bulk", "search.reindex_org", "run", 800): 14,
                latency.field("bulk", "search.reindex_org", "wait", 30): 10,
                latency.field("bulk", "search.reindex_org", "wait", 900): 4,
            }
        ),
    )
    with session_scope(sessions) as s:  # a batch: two members queued, one canceled
        batch_id = batches.open_batch(s, org_id=tenant.org_id, callback=batch_done)
        members = [
            batches.add(
                s, batch_id, member, job_type="m", org_id=tenant.org_id, args=(str(i), "ok")
            )
            for i in range(3)
        ]
        batches.seal(s, batch_id)
    with session_scope(sessions) as s:
        job_state.cancel(s, members[0].id)
    web = client_for(app)
    web.post("/api/v1/ops/schedule/analytics.rollup/run", headers=auth(tenant.operator))
    # The contacts namespace must be seen in one minute only (the charts test draws it as a
    # lone point): not across a minute's turn, and its counts added to Redis now, not at the
    # console's first read (the process adds them at most once a second), which may be in
    # the next minute.
    if time.time() % 60 > 58:
        time.sleep(60 - time.time() % 60)
    for _ in range(3):
        web.get("/api/v1/contacts", headers=auth(tenant.member))
    with app.app_context():
        cache = cache_service()
        cache.stats.flush(cache.client)
    return str(job_id)


VIEWS = {
    "overview": "#actors tbody tr[data-actor='search.reindex_org']",
    "jobs": "#jobs tbody tr",
    "batches": "#batches tbody tr .seg",
    "dead": "#dead tbody tr",
    "schedules": "#schedules tr[data-schedule='analytics.rollup'] .chip",
    "fairness": "#fair-caps:not(:empty)",
    "cache": "#cache-latency tbody tr",
    "audit": "#audit tbody tr",
}


def _overflow(browser: WebDriver) -> float:
    """How far the page's widest element reaches past the viewport, or the height of a
    horizontal scrollbar the page shows (0: no sideways scroll). Chromium can keep showing
    a scrollbar after the overflow that made it has gone (a chart too wide while the page
    was short, before its vertical scrollbar came), so both are looked at."""
    return float(
        browser.execute_script(
            "const root = document.documentElement, w = root.clientWidth;"
            "let right = 0;"
            "for (const e of document.body.querySelectorAll('*'))"
            "  right = Math.max(right, e.getBoundingClientRect().right + window.scrollX);"
            "return Math.max(0, right - w, root.scrollWidth - w,"
            "  window.innerHeight - root.clientHeight);"
        )
    )


def _settled(browser: WebDriver) -> bool:
    """True once two animation frames have passed (charts follow their boxes on the next)."""
    return bool(
        browser.execute_async_script(
            "const done = arguments[0];"
            "requestAnimationFrame(() => requestAnimationFrame(() => done(true)));"
        )
    )


# Two laptop screens: 1366 x 768 (the window's 900 px leaves a 757 px viewport) and 1280 x 800.
@pytest.mark.parametrize(
    ("dark", "size"),
    [(False, (1366, 900)), (True, (1280, 800))],
    ids=["light-1366", "dark-1280"],
)
def test_every_view_renders_without_browser_errors(
    base_url: str,
    browser: WebDriver,
    tenant: Tenant,
    data: str,
    dark: bool,
    size: tuple[int, int],
) -> None:
    browser.set_window_size(*size)
    sign_in(browser, base_url, tenant.operator, dark=dark)
    # Every view fits a laptop screen, its vertical scrollbar included, without scrolling
    # sideways, and opens at the top of the page (header and nav in sight).
    widths, scrolled = {}, {}
    for view, ready in VIEWS.items():
        browser.get(f"{base_url}/ops#{view}")
        wait_for(lambda r=ready: count(browser, r) > 0, 10)  # type: ignore[misc]
        _settled(browser)
        widths[view] = _overflow(browser)
        scrolled[view] = browser.execute_script("return window.scrollY")
        screenshot(browser, f"ops-{view}-{'dark' if dark else 'light'}")
        widths[view] = max(widths[view], _overflow(browser))
    browser.get(f"{base_url}/ops#job/{data}")
    wait_for(lambda: count(browser, "#attempts tbody tr") == 2, 10)
    assert "ValueError: 2" in (text(browser, "#attempts tbody tr:last-child details") or "")
    screenshot(browser, f"ops-job-{'dark' if dark else 'light'}")
    background = browser.execute_script("return getComputedStyle(document.body).backgroundColor")
    assert (background == "rgb(18, 20, 23)") is dark  # follows prefers-color-scheme
    widths["job"] = _overflow(browser)
    assert {view: px for view, px in widths.items() if px > 0} == {}
    assert {view: y for view, y in scrolled.items() if y} == {}
    assert errors(browser) == []


def test_charts_fill_their_cells_and_follow_a_resized_window(
    base_url: str, browser: WebDriver, tenant: Tenant, data: str
) -> None:
    sign_in(browser, base_url, tenant.operator)
    browser.get(f"{base_url}/ops#cache")
    wait_for(lambda: count(browser, "#cache-latency tbody tr") > 0, 10)
    fit = (
        "return Object.entries(window.opsPlots)"
        "  .filter(([id]) => document.getElementById(id).offsetParent)"
        "  .map(([id, c]) => [id, c.plot.width, document.getElementById(id).clientWidth]);"
    )
    for width in (1366, 1024, 1440):
        browser.set_window_size(width, 900)
        wait_for(
            lambda: (
                _settled(browser) and all(p == box for _, p, box in browser.execute_script(fit))
            ),
            10,
        )
        assert _overflow(browser) == 0, width
    # A namespace seen in one minute only is one point between gaps: drawn as a dot.
    lone = browser.execute_script(
        "const p = window.opsPlots['chart-hit'].plot;return p.series[1].points.filter(p, 1, false);"
    )
    assert lone in ([58], [59])  # this minute's, or the last one's if it just turned
    assert errors(browser) == []


def test_bulk_purge_asks_with_the_count_and_is_audited(
    base_url: str, browser: WebDriver, tenant: Tenant, data: str
) -> None:
    sign_in(browser, base_url, tenant.operator)
    browser.get(f"{base_url}/ops#dead")
    wait_for(lambda: count(browser, "#dead tbody tr") == 30, 10)
    browser.find_element(By.CSS_SELECTOR, "#dead-filter input[name=actor]").send_keys(
        "notifications.email"
    )
    click(browser, "#purge-all")
    wait_for(lambda: browser.execute_script("return document.getElementById('confirm').open"), 10)
    assert "Purge 30 dead letters" in (text(browser, "#confirm-text") or "")
    screenshot(browser, "ops-dead-confirm")
    click(browser, "#confirm button[value=cancel]")  # nothing happens without a yes
    assert count(browser, "#dead tbody tr") == 30
    click(browser, "#purge-all")
    wait_for(lambda: browser.execute_script("return document.getElementById('confirm').open"), 10)
    click(browser, "#confirm-ok")
    wait_for(lambda: count(browser, "#dead tbody tr") == 0, 10)
    browser.get(f"{base_url}/ops#audit")
    wait_for(lambda: "dead_letter.purge_matching" in (text(browser, "#audit tbody") or ""), 10)
    assert '"count":30' in (text(browser, "#audit tbody") or "")


def test_dead_letters_page_on_and_a_filter_is_retried_after_confirming_its_count(
    base_url: str,
    browser: WebDriver,
    tenant: Tenant,
    settings: Settings,
    sessions: sessionmaker[Session],
) -> None:
    client = redis.Redis.from_url(settings.broker.url)
    ns, now = settings.broker.namespace, time.time() * 1000
    seed(client, ns, "webhooks", [now - i for i in range(60)], actor="webhooks.deliver")
    seed(client, ns, "push", [now - 100 - i for i in range(5)], actor="push.send", error="Gone")
    sign_in(browser, base_url, tenant.operator)
    browser.get(f"{base_url}/ops#dead")
    wait_for(lambda: count(browser, "#dead tbody tr") == 50, 10)  # a page, not all 65
    assert text(browser, "#dead-total") == "(65)"
    click(browser, "#dead-more")
    wait_for(lambda: count(browser, "#dead tbody tr") == 65, 10)
    assert browser.find_element(By.ID, "dead-more").get_attribute("hidden") is not None
    Select(
        browser.find_element(By.CSS_SELECTOR, "#dead-filter select[name=queue]")
    ).select_by_value("push")
    click(browser, "#retry-matching")
    wait_for(lambda: browser.execute_script("return document.getElementById('confirm').open"), 10)
    assert "Retry 5 dead letters" in (text(browser, "#confirm-text") or "")
    click(browser, "#confirm-ok")
    wait_for(lambda: count(browser, "#dead tbody tr") == 0, 10)  # the filtered page, now empty
    with sessions() as s:
        queued = s.scalars(select(Job.status).where(Job.queue == "push")).all()
    assert queued == ["queued"] * 5  # handed to the relay through the outbox
    assert client.zcard(f"{ns}:webhooks.XQ") == 60  # outside the filter: untouched
    browser.get(f"{base_url}/ops#audit")
    wait_for(lambda: "dead_letter.retry_matching" in (text(browser, "#audit tbody") or ""), 10)
    assert errors(browser) == []


def test_a_degraded_platform_shows_a_banner(
    base_url: str, browser: WebDriver, tenant: Tenant, settings: Settings
) -> None:
    sign_in(browser, base_url, tenant.operator)
    assert text(browser, "#banner") == ""
    client = redis.Redis.from_url(settings.broker.url)
    client.set(HEARTBEAT_KEY, json.dumps({"at": time.time() - 3600}))  # the relay went silent
    browser.refresh()
    wait_for(lambda: "degraded" in (text(browser, "#banner") or ""), 15)
    assert "relay" in (text(browser, "#banner") or "")
    screenshot(browser, "ops-degraded")


def test_the_views_are_reachable_from_the_keyboard(
    base_url: str, browser: WebDriver, tenant: Tenant, data: str
) -> None:
    sign_in(browser, base_url, tenant.operator)
    browser.refresh()  # signed in from the session; focus starts at the top of the page
    wait_for(lambda: count(browser, "#queues tr[data-queue=bulk]"), 10)
    focused = []
    for _ in range(10):
        ActionChains(browser).send_keys(Keys.TAB).perform()
        focused.append(browser.execute_script("return document.activeElement.textContent.trim()"))
        if focused[-1] == "Dead letters":
            break
    assert focused[:5] == [
        "Skip to content",
        "Overview",
        "Jobs",
        "Batches & imports",
        "Dead letters",
    ]
    ActionChains(browser).send_keys(Keys.ENTER).perform()
    wait_for(lambda: count(browser, "#dead tbody tr") == 30, 10)
    assert browser.execute_script("return location.hash") == "#dead"
    # "Skip to content" from the top of this view lands on its content, not the overview.
    browser.refresh()
    wait_for(lambda: count(browser, "#dead tbody tr") == 30, 10)
    ActionChains(browser).send_keys(Keys.TAB).perform()
    assert browser.execute_script("return document.activeElement.textContent") == "Skip to content"
    ActionChains(browser).send_keys(Keys.ENTER).perform()
    assert browser.execute_script("return [location.hash, document.activeElement.id]") == [
        "#dead",
        "console",
    ]
    assert browser.find_element(By.ID, "view-dead").is_displayed()
    assert errors(browser) == []


def test_canaries_show_each_queues_last_canary_and_flag_a_late_one(
    app: Flask, browser: WebDriver, tenant: Tenant
) -> None:
    broker = app.extensions["saleshub"].broker
    now = time.time()
    canary.record(broker, "default", sent_at=now - 1.0, started_at=now - 0.99, run_s=0.002)
    interval = app.extensions["saleshub"].settings.worker.canary_interval_s
    late = now - 4 * interval  # older than three intervals: that queue is not worked
    canary.record(broker, "bulk", sent_at=late - 0.5, started_at=late, run_s=0.003)
    with ServeApp(app) as served:
        sign_in(browser, served.http, tenant.operator)
        wait_for(lambda: count(browser, "#canary-list li") == 2, 10)
        assert (text(browser, "#canary-list .canary-bad") or "").startswith("bulk: late")
        assert (text(browser, "#canary-list .canary-ok") or "").startswith("default: start 10")
        assert errors(browser) == []


def test_no_canaries_panel_before_the_first_canary(
    base_url: str, browser: WebDriver, tenant: Tenant
) -> None:
    sign_in(browser, base_url, tenant.operator)
    wait_for(lambda: count(browser, "#actors") == 1, 10)
    time.sleep(0.5)  # let the overview's requests finish
    assert browser.find_element(By.ID, "canaries").get_attribute("hidden") is not None
    assert errors(browser) == []


def test_a_job_is_retried_from_its_page_after_a_confirmation(
    base_url: str, browser: WebDriver, tenant: Tenant, data: str, sessions: sessionmaker[Session]
) -> None:
    sign_in(browser, base_url, tenant.operator)
    browser.get(f"{base_url}/ops#jobs")
    wait_for(lambda: count(browser, f"#jobs tr[data-job='{data}'] a"), 10)
    click(browser, f"#jobs tr[data-job='{data}'] a")
    wait_for(lambda: count(browser, "#job-actions button[data-action=retry]"), 10)
    click(browser, "#job-actions button[data-action=retry]")
    wait_for(lambda: browser.execute_script("return document.getElementById('confirm').open"), 10)
    assert "search.reindex" in (text(browser, "#confirm-text") or "")
    click(browser, "#confirm-ok")
    wait_for(lambda: text(browser, "#job-fields .status-queued") == "queued", 10)
    with sessions() as s:
        job = s.get(Job, uuid.UUID(data))
        assert job is not None and job.status == "queued" and job.dispatched_at is None
    assert errors(browser) == []


def test_the_jobs_explorer_filters_and_pages_newest_first(
    base_url: str, browser: WebDriver, tenant: Tenant, sessions: sessionmaker[Session]
) -> None:
    start = datetime.now(UTC) - timedelta(hours=2)
    made: list[uuid.UUID] = []
    with session_scope(sessions) as s:
        for i in range(60):  # newest last; every third failed with its row in the error
            made.append(uuid.uuid4())
            failed = i % 3 == 0
            s.add(
                Job(
                    id=made[-1],
                    org_id=tenant.org_id,
                    type="imports.chunk",
                    actor="imports.chunk",
                    queue="bulk",
                    params={"row": i},
                    message={},
                    status="failed" if failed else "succeeded",
                    error=f"ValueError: bad row {i}" if failed else None,
                    created_at=start + timedelta(minutes=i),
                )
            )
    sign_in(browser, base_url, tenant.operator)
    browser.get(f"{base_url}/ops#jobs")
    rows = "return [...document.querySelectorAll('#jobs tbody tr')].map((r) => r.dataset.job)"
    wait_for(lambda: len(browser.execute_script(rows)) == 50, 10)  # one page
    newest_first = [str(j) for j in reversed(made)]
    assert browser.execute_script(rows) == newest_first[:50]
    click(browser, "#jobs-more")
    wait_for(lambda: len(browser.execute_script(rows)) == 60, 10)
    assert browser.execute_script(rows) == newest_first
    assert browser.find_element(By.ID, "jobs-more").get_attribute("hidden") is not None
    form = browser.find_element(By.ID, "job-filter")
    Select(form.find_element(By.NAME, "status")).select_by_visible_text("failed")
    form.find_element(By.NAME, "q").send_keys("BAD ROW 5")  # error text, any case
    click(browser, "#job-filter button[type=submit]")
    wait_for(lambda: len(browser.execute_script(rows)) == 3, 10)
    assert browser.execute_script(rows) == [str(made[i]) for i in (57, 54, 51)]
    assert browser.find_element(By.ID, "jobs-more").get_attribute("hidden") is not None
    assert errors(browser) == []


def test_a_queued_job_is_canceled_from_its_page_after_a_confirmation(
    base_url: str, browser: WebDriver, tenant: Tenant, sessions: sessionmaker[Session]
) -> None:
    job_id = uuid.uuid4()
    with session_scope(sessions) as s:
        s.add(
            Job(
                id=job_id,
                org_id=tenant.org_id,
                type="cache.warm",
                actor="cache.warm",
                queue="bulk",
                params={},
                message={},
                status="queued",
            )
        )
    sign_in(browser, base_url, tenant.operator)
    browser.get(f"{base_url}/ops#job/{job_id}")
    wait_for(lambda: count(browser, "#job-actions button[data-action=canceljob]"), 10)
    click(browser, "#job-actions button[data-action=canceljob]")
    wait_for(lambda: browser.execute_script("return document.getElementById('confirm').open"), 10)
    assert "Cancel queued job" in (text(browser, "#confirm-text") or "")
    click(browser, "#confirm-ok")
    wait_for(lambda: text(browser, "#job-fields .status-canceled") == "canceled", 10)
    assert count(browser, "#job-actions button[data-action=canceljob]") == 0
    with sessions() as s:
        job = s.get(Job, job_id)
        assert job is not None and job.status == "canceled"
    browser.get(f"{base_url}/ops#audit")
    wait_for(lambda: "job.cancel" in (text(browser, "#audit tbody") or ""), 10)
    assert errors(browser) == []


def test_the_workers_table_shows_the_jobs_each_runs_now(
    base_url: str,
    browser: WebDriver,
    tenant: Tenant,
    settings: Settings,
    sessions: sessionmaker[Session],
) -> None:
    client = redis.Redis.from_url(settings.broker.url)
    worker = "w-busy"
    client.zadd(f"{settings.broker.namespace}:__heartbeats__", {worker: int(time.time() * 1000)})
    info = {"host": "h1", "pid": 42, "queues": ["bulk"], "started_at": time.time()}
    client.hset(WORKERS_KEY, worker, json.dumps(info))
    job_id = uuid.uuid4()
    with session_scope(sessions) as s:
        s.add(
            Job(
                id=job_id,
                org_id=tenant.org_id,
                type="search.reindex",
                actor="search.reindex_org",
                queue="bulk",
                params={},
                message={},
                status="running",
                attempts=1,
            )
        )
        s.flush()
        started = datetime.now(UTC) - timedelta(seconds=90)
        s.add(JobAttempt(job_id=job_id, attempt=1, worker=worker, started_at=started))
    sign_in(browser, base_url, tenant.operator)
    row = f"#workers tr[data-worker='{worker}']"
    wait_for(lambda: count(browser, f"{row} .running li"), 10)
    shown = text(browser, f"{row} .running li") or ""
    assert shown.startswith("search.reindex_org · org ") and shown.endswith("min")
    href = browser.find_element(By.CSS_SELECTOR, f"{row} .running a").get_attribute("href")
    assert href is not None and href.endswith(f"#job/{job_id}")
    screenshot(browser, "ops-workers")
    assert errors(browser) == []


def test_latency_charts_switch_between_p50_and_p95(
    app: Flask, base_url: str, browser: WebDriver, tenant: Tenant, data: str
) -> None:
    wanted = client_for(app).get("/api/v1/ops/charts", headers=auth(tenant.operator)).json
    bulk = wanted["queues"].index("bulk") + 1  # the series of the bulk queue
    sign_in(browser, base_url, tenant.operator)
    last = (
        "const c = window.opsPlots && window.opsPlots['chart-wait']; if (!c) return null;"
        "return c.plot.data[arguments[0]].filter((v) => v !== null).pop();"
    )
    wait_for(lambda: browser.execute_script(last, bulk) is not None, 10)
    p95 = browser.execute_script(last, bulk)
    assert p95 == [v for v in wanted["latency"]["bulk"]["wait_p95"] if v is not None][-1]
    Select(browser.find_element(By.ID, "chart-quantile")).select_by_value("p50")
    wait_for(lambda: browser.execute_script(last, bulk) != p95, 10)
    assert (
        browser.execute_script(last, bulk)
        == ([v for v in wanted["latency"]["bulk"]["wait_p50"] if v is not None][-1])
    )
    assert "p50" in (text(browser, "#view-overview figure:nth-child(4) figcaption") or "")
    # done/min and failed/min are filled (the last 60 s: this minute and a share of the last).
    for column in ("done", "failed"):
        assert int(text(browser, f"#queues tr[data-queue=bulk] td.{column}") or 0) > 0
    # The last 14 days: a point an hour, every queue.
    Select(browser.find_element(By.ID, "chart-range")).select_by_value("14d")
    points = "return window.opsPlots['chart-done'].plot.data.map((s) => s.length)"
    wait_for(lambda: browser.execute_script(points) == [14 * 24] * 7, 10)
    assert errors(browser) == []


def test_without_a_live_socket_the_polled_snapshots_move_the_depth_chart(
    app: Flask,
    browser: WebDriver,
    tenant: Tenant,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # No realtime process announced: the console polls /ops/queues every 5 s instead.
    monkeypatch.setitem(app.view_functions, "health.health", lambda: jsonify({}))
    client = redis.Redis.from_url(settings.broker.url)
    with ServeApp(app) as served:
        sign_in(browser, served.http, tenant.operator)
        client.rpush(f"{settings.broker.namespace}:bulk", *[f"m{i}" for i in range(5)])
        depth = (
            "const c = window.opsChart; if (!c) return null;"  # not drawn yet
            "const d = c.data; return d[3][d[3].length - 1];"
        )
        wait_for(lambda: browser.execute_script(depth) == 5, 15)
        assert text(browser, "#queues tr[data-queue=bulk] td.ready") == "5"
        assert errors(browser) == []


class BusyRealtime:
    """A realtime server that answers every handshake, then closes with 1013 "try again
    later", as an overloaded one does (RFC 6455 by hand: a few lines, nothing to mock)."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"ws://127.0.0.1:{self.listener.getsockname()[1]}/ws"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(5)
                request = conn.recv(65536).decode(errors="replace")
                key = re.search(r"(?im)^sec-websocket-key:\s*(\S+)", request)
                if key is None:
                    continue
                accept = base64.b64encode(
                    hashlib.sha1((key.group(1) + WS_GUID).encode()).digest()  # nosec B324 - RFC 6455
                ).decode()
                conn.sendall(
                    b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                    b"Connection: Upgrade\r\nSec-WebSocket-Accept: " + accept.encode() + b"\r\n\r\n"
                )
                reason = (1013).to_bytes(2, "big") + b"try again later"
                conn.sendall(bytes([0x88, len(reason)]) + reason)  # FIN + close frame
                with contextlib.suppress(OSError):
                    conn.recv(1024)  # the browser's close frame

    def close(self) -> None:
        self.listener.close()


WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def test_a_socket_closed_with_1013_shows_the_banner(
    app: Flask, browser: WebDriver, tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    busy = BusyRealtime()
    monkeypatch.setitem(
        app.view_functions, "health.health", lambda: jsonify({"websocket_url": busy.url})
    )
    try:
        with ServeApp(app) as served:
            sign_in(browser, served.http, tenant.operator)
            wait_for(lambda: "1013" in (text(browser, "#banner") or ""), 10)
            assert "reconnecting" in (text(browser, "#status") or "")
            screenshot(browser, "ops-socket-1013")
            assert errors(browser) == []
    finally:
        busy.close()
