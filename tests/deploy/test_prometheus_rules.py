"""deploy/prometheus/alerts-reliability.yml: valid, and its alerts fire on their test series."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from tests.support.stack import ROOT

RULES = ROOT / "deploy" / "prometheus"


@pytest.fixture
def promtool() -> str:
    path = shutil.which("promtool")
    if path is None:
        pytest.fail("promtool is missing: make promtool (make test) installs Debian's prometheus")
    return path


def test_rules_are_valid(promtool: str) -> None:
    out = subprocess.run(
        [promtool, "check", "rules", "alerts-reliability.yml"],
        cwd=RULES,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stdout + out.stderr


def test_alerts_fire_on_canary_age_queue_age_and_dead_letter_growth(promtool: str) -> None:
    out = subprocess.run(
        [promtool, "test", "rules", "alerts-reliability.test.yml"],
        cwd=RULES,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stdout + out.stderr
