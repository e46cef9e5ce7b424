"""``GET /metrics``: Prometheus conventions checked by ``promtool``, one figure across workers."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest
import requests
from flask import Flask

from core.queueing import minute_stats
from core.settings import Settings
from tests.conftest import auth
from tests.support.client import client_for
from tests.support.factories import Tenant
from tests.support.stack import GunicornProcess

PROMTOOL = shutil.which("promtool")
# make test installs Debian's prometheus (make promtool): these checks fail rather than skip.
MISSING = "promtool is missing: make promtool (make test) installs Debian's prometheus"


@pytest.fixture
def promtool() -> str:
    if PROMTOOL is None:
        pytest.fail(MISSING)
    return PROMTOOL


def promtool_problems(text: str) -> str:
    """What ``promtool check metrics`` says about ``text`` (empty: clean)."""
    assert PROMTOOL is not None, MISSING
    done = subprocess.run(
        [PROMTOOL, "check", "metrics"], input=text, capture_output=True, text=True, timeout=60
    )
    return (done.stdout + done.stderr).strip()


@pytest.mark.usefixtures("promtool")
def test_every_family_passes_promtool(app: Flask, tenant: Tenant) -> None:
    client = client_for(app)
    h = auth(tenant.operator)
    client.get("/api/v1/analytics/dashboard", headers=h)  # cache events, HTTP timings
    client.get("/api/v1/analytics/dashboard", headers=h)
    broker = app.extensions["saleshub"].broker
    counts = Counter(
        {
            minute_stats.field("default", "analytics.rollup", "processed"): 2,
            minute_stats.field("default", "analytics.rollup", "ms"): 1500,
        }
    )
    minute_stats.add_counts(broker, counts, int(time.time() // 60) - 5)
    text = client.get("/metrics", headers=h).get_data(as_text=True)
    assert (
        'saleshub_jobs_run_seconds_last_hour{actor="analytics.rollup",queue="default"} 1.5' in text
    )
    assert "# TYPE saleshub_jobs_processed_last_hour gauge" in text
    assert "milliseconds" not in text
    assert "saleshub_cache_events_total" in text
    assert promtool_problems(text) == ""


def _scrape(base: str) -> str:
    headers = {"Authorization": "Bearer scrape-me"}
    return requests.get(f"{base}/metrics", timeout=60, headers=headers).text


# The start-up probe asks for /health and may give up on an answer the server still counts
# later: the test counts a path nothing else asks for.
COUNTED = "/favicon.ico"


def _count(text: str) -> float:
    counts = re.findall(
        r'^saleshub_http_request_duration_seconds_count\{endpoint="/favicon.ico",method="GET",'
        r'status="\d+"\} (\S+)$',
        text,
        re.M,
    )
    return sum(float(c) for c in counts)


@pytest.mark.usefixtures("promtool")
def test_gunicorn_workers_are_added_up(settings: Settings, engine: object, tmp_path: Path) -> None:
    shared = tmp_path / "prom"
    shared.mkdir()
    server = GunicornProcess(
        settings,
        tmp_path / "gunicorn.log",
        worker_class="gthread",
        app="web:create_app(websockets=False)",
        # Each worker is replaced after 5 requests: 12 requests are answered by at least
        # three processes (one of the two first workers takes 6 or more), and one scrape must
        # still count all of them.
        args=("--workers", "2", "--threads", "2", "--max-requests", "5"),
        env={"PROMETHEUS_MULTIPROC_DIR": str(shared), "METRICS_TOKEN": "scrape-me"},
    )
    with server:
        n = 12
        for _ in range(n):
            # Generous: a worker replaced under load takes seconds to boot.
            requests.get(f"{server.http}{COUNTED}", timeout=60, headers={"Connection": "close"})
        text = _scrape(server.http)
    assert _count(text) == n, sorted(p.name for p in shared.iterdir())
    assert len(list(shared.glob("histogram_*.db"))) >= 3
    assert promtool_problems(text) == ""


DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


@pytest.mark.usefixtures("promtool")
def test_the_rules_file_loads_and_names_only_our_series(app: Flask, tenant: Tenant) -> None:
    rules = DEPLOY / "prometheus" / "rules.yml"
    done = subprocess.run(
        [str(PROMTOOL), "check", "rules", str(rules)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stdout + done.stderr
    text = client_for(app).get("/metrics", headers=auth(tenant.operator)).get_data(as_text=True)
    families = set(re.findall(r"^# TYPE (\S+) (\w+)$", text, re.M))
    names = {name for name, _ in families}
    names |= {
        f"{n}_{s}" for n, kind in families if kind == "histogram" for s in ("bucket", "count")
    }
    names |= {f"{n}_total" for n, kind in families if kind == "counter"}
    recorded = set(re.findall(r"record: (\S+)", rules.read_text()))
    dashboard = json.loads((DEPLOY / "grafana" / "saleshub.json").read_text())
    exprs = [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    for source in (rules.read_text(), *exprs):
        for used in re.findall(r"\b(saleshub_[a-z_]+|saleshub:[a-z0-9_:]+)", source):
            assert used in names | recorded, used
