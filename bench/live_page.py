"""The live page: a deal created through the API until its card shows in the org's pages.

Run as ``.venv/bin/python bench/live_page.py [--deals N]`` (``make bench`` runs it); prints
one JSON object per figure. Issue 10 asks that a deal created through the API appear in two
browser sessions of its org within 1 s; tests/web/test_live.py proves it appears (and not in
another org's page) without a timed assertion, this measures how soon.

The stack as ``make run`` starts it: gunicorn web (gthread) serving the API and ``/live``,
the realtime process (gunicorn, gevent) serving ``/ws`` on its own port, a worker and the
relay, on the bench's own PostgreSQL database (``saleshub_bench``) and Redis database
(``BENCH_LIVE_REDIS_DB``, default 5, namespace ``bench_live``), all on 127.0.0.1. Two
headless Chromium sessions (Debian's ``chromium`` and ``chromedriver``) sign in to
``/live`` as two users of one org; a MutationObserver in each page stamps the moment each
deal's card is added. Deals are created one at a time, ``--gap`` seconds apart; a deal's
figure is from just before its ``POST /api/v1/deals`` was sent to the card being in the
page, in each session (both clocks are this machine's).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.support.common import (
    ROOT,
    Processes,
    bench_stack,
    emit,
    flush_namespace,
    free_port,
    load_env,
    note,
    percentile,
    wait_until,
)

load_env()

import psycopg  # noqa: E402
import redis  # noqa: E402

NS = "bench_live"
BENCH_DB = os.environ.get("BENCH_DATABASE_NAME", "saleshub_bench")
REDIS_DB = int(os.environ.get("BENCH_LIVE_REDIS_DB", "5"))
TARGET_MS = 1000.0
# Stamps each deal card when it enters the page (run in the page by the driver, not inline).
OBSERVE = """
window.__seen = {};
const stamp = () => {
  for (const el of document.querySelectorAll('.card[data-deal]')) {
    if (!(el.dataset.deal in window.__seen)) window.__seen[el.dataset.deal] = Date.now();
  }
};
new MutationObserver(stamp).observe(document.body, {childList: true, subtree: true});
"""


class LiveBench:
    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self.procs = Processes(log_dir)
        self.web_port, self.rt_port = free_port(), free_port()
        stack = bench_stack(
            NS,
            BENCH_DB,
            REDIS_DB,
            ACCESS_LOG="0",
            PUBLIC_URL=f"http://127.0.0.1:{self.web_port}",
            WEBSOCKET_URL=f"ws://127.0.0.1:{self.rt_port}/ws",
        )
        self.broker_url, self.database_url, self.env = (
            stack.broker_url,
            stack.database_url,
            stack.env,
        )
        self.redis = redis.Redis.from_url(self.broker_url)
        self.pg: psycopg.Connection[Any] | None = None
        self.browsers: list[Any] = []

    @property
    def api(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    def setup(self) -> None:
        admin = os.environ["DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://", 1)
        with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
            found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (BENCH_DB,))
            if found.fetchone() is None:
                conn.execute(f'CREATE DATABASE "{BENCH_DB}"')
        subprocess.run(
            [sys.executable, "-m", "alembic", "upgrade", "head"], cwd=ROOT, env=self.env,
            check=True, timeout=60, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        dsn = self.database_url.replace("postgresql+psycopg://", "postgresql://", 1)
        self.pg = psycopg.connect(dsn, autocommit=True)
        self.reset()

    def reset(self) -> None:
        assert self.pg is not None
        self.pg.execute("TRUNCATE organizations, jobs CASCADE")
        flush_namespace(self.redis, NS)

    def teardown(self) -> None:
        for browser in self.browsers:
            browser.quit()
        self.procs.stop_all()
        try:
            if self.pg is not None and not self.pg.closed:
                self.reset()
                self.pg.close()
        except Exception as exc:  # cleanup must not hide the real error
            note(f"cleanup failed: {exc!r}")

    def start_stack(self) -> None:
        py = sys.executable
        self.procs.start("web", [py, "-m", "gunicorn", "--worker-class", "gthread",
                                 "--workers", "2", "--threads", "8", "--bind",
                                 f"127.0.0.1:{self.web_port}", "--no-control-socket",
                                 "web:create_app(websockets=False)"], self.env)  # fmt: skip
        realtime = [py, "-m", "gunicorn", "--worker-class", "gevent", "--workers", "1",
                    "--bind", f"127.0.0.1:{self.rt_port}", "--no-control-socket",
                    "web:create_app()"]  # fmt: skip
        self.procs.start("realtime", realtime, self.env)
        self.procs.start("worker", [py, "-m", "worker"], self.env)
        self.procs.start("relay", [py, str(ROOT / "bench/support/relay_proc.py")], self.env)

        def healthy() -> bool:
            for name in ("web", "realtime", "worker", "relay"):
                if not self.procs.alive(name):
                    raise RuntimeError(f"{name} died:\n{self.procs.tail(name)}")
            try:
                for port in (self.web_port, self.rt_port):
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                    conn.request("GET", "/health")
                    conn.getresponse().read()
                    conn.close()
                return True
            except OSError:
                return False

        wait_until(healthy, timeout=60, interval=0.2, what="stack healthy")

    def users(self) -> list[str]:
        """Two users of one org (a member and an admin); their API keys."""
        from core.settings import Settings
        from models import Organization, User
        from models.db import make_engine, make_sessionmaker, session_scope
        from web.auth import mint_key

        engine = make_engine(Settings.from_env(env=self.env).database.url, pool_size=1)
        keys = []
        with session_scope(make_sessionmaker(engine)) as s:
            org = Organization(name="bench-live")
            s.add(org)
            s.flush()
            for role in ("member", "admin"):
                user = User(org_id=org.id, email=f"live-{role}@bench.local", role=role)
                s.add(user)
                s.flush()
                keys.append(mint_key(s, user))
        engine.dispose()
        return keys

    def open_pages(self, keys: list[str]) -> None:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
        from selenium.webdriver.common.by import By

        from tests.support.browser import CHROMIUM_FLAGS

        chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
        if not (chromium and driver):
            raise RuntimeError("needs Debian's chromium and chromium-driver (make browser)")
        for n, key in enumerate(keys):
            opts = webdriver.ChromeOptions()
            opts.binary_location = chromium
            for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={self.log_dir / f'profile{n}'}"):
                opts.add_argument(flag)
            browser = webdriver.Chrome(service=Service(driver), options=opts)
            self.browsers.append(browser)
            browser.get(f"{self.api}/live")
            browser.find_element(By.ID, "key").send_keys(key)
            browser.find_element(By.CSS_SELECTOR, "#signin button").click()
            wait_until(
                lambda b=browser: b.execute_script("return offset") is not None,  # type: ignore[misc]
                timeout=30, interval=0.1, what="live page subscribed",
            )  # fmt: skip
            browser.execute_script(OBSERVE)

    def create_deal(self, key: str, n: int) -> tuple[str, float]:
        body = json.dumps({"title": f"Live {n}", "amount": "100.00", "stage": "proposal"})
        headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
        conn = http.client.HTTPConnection("127.0.0.1", self.web_port, timeout=10)
        sent = time.time() * 1000
        conn.request("POST", "/api/v1/deals", body=body, headers=headers)
        resp = conn.getresponse()
        payload = resp.read()
        conn.close()
        if resp.status != 201:
            raise RuntimeError(f"POST /api/v1/deals: {resp.status} {payload[:200]!r}")
        return str(json.loads(payload)["id"]), sent

    def run(self, deals: int, gap: float) -> None:
        self.setup()
        self.start_stack()
        keys = self.users()
        self.open_pages(keys)
        self.create_deal(keys[0], 0)  # warm-up: pools, the worker's first job, the page
        time.sleep(2.0)
        sent: dict[str, float] = {}
        for n in range(1, deals + 1):
            deal_id, at = self.create_deal(keys[0], n)
            sent[deal_id] = at
            time.sleep(gap)

        def seen() -> list[dict[str, float]]:
            return [b.execute_script("return window.__seen") for b in self.browsers]

        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and not all(set(sent) <= set(s) for s in seen()):
            time.sleep(0.2)
        delays = sorted(
            page[deal_id] - at for page in seen() for deal_id, at in sent.items() if deal_id in page
        )
        missing = len(sent) * len(self.browsers) - len(delays)
        emit("live_page_deal_visible_p50_ms", percentile(delays, 0.5), "ms")
        emit("live_page_deal_visible_p95_ms", percentile(delays, 0.95), "ms")
        emit("live_page_deal_visible_max_ms", delays[-1] if delays else None, "ms", "<= 1000")
        emit("live_page_deals_not_shown_in_15s", missing, "cards", "0")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--deals", type=int, default=30, help="deals created (default 30)")
    parser.add_argument("--gap", type=float, default=0.3, help="seconds between deals")
    args = parser.parse_args()
    log_dir = Path(tempfile.mkdtemp(prefix="saleshub-live-"))
    emit("machine_loadavg_1m_at_start", os.getloadavg()[0], "runnable", "<= 0.5 (quiet)")
    bench = LiveBench(log_dir)
    try:
        bench.run(args.deals, args.gap)
    finally:
        bench.teardown()
        note(f"subprocess logs in {log_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
