"""``make chaos``, short: the same code on a stack of its own, fewer probes and faults.

Every kind of fault runs once (worker and scheduler SIGKILL, a worker SIGSTOPped past its
heartbeat, the broker Redis paused and killed then restarted from its AOF, the cache Redis
down, PostgreSQL fast-stopped, two schedulers, the web killed mid-request), with shorter
holds; the checker must find nothing lost, duplicated, unexpected or stuck.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.support.stack import ROOT, uncovered_env

pytestmark = pytest.mark.chaos


def test_short_chaos_run_loses_duplicates_and_strands_nothing() -> None:
    workdir = ROOT / "var" / "chaos-test"
    done = subprocess.run(
        [sys.executable, "bench/chaos.py", "--short", "--seed", "12", "--workdir", str(workdir)],
        cwd=ROOT,
        env=uncovered_env(),
        capture_output=True,
        text=True,
        timeout=900,  # a safety net: the run itself is bounded by its own settle deadline
    )
    figures = {
        line["figure"]: line["value"]
        for line in map(json.loads, done.stdout.splitlines())
        if "figure" in line
    }
    report = f"stdout:\n{done.stdout[-3000:]}\nstderr:\n{done.stderr[-3000:]}"
    assert figures, report
    assert figures["chaos faults"] == 9, report
    assert figures["chaos probes acknowledged"] > 0, report
    for name in ("lost", "duplicated", "unexpected", "stuck"):
        assert figures[f"chaos {name}"] == 0, report
    assert done.returncode == 0, report
