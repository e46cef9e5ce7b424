"""``python -m worker.probe``, the healthcheck of the worker, delivery and scheduler containers."""

from __future__ import annotations

import subprocess
import sys

from core.settings import Settings
from tests.support.stack import ROOT
from worker.probe import failures

NOWHERE = "127.0.0.1:9"  # nothing listens on the discard port here


def test_healthy_while_the_broker_redis_answers(settings: Settings) -> None:
    assert failures(settings) == []
    down = settings.replace(broker={"url": f"redis://{NOWHERE}/0"})
    assert failures(down, timeout_s=1) == ["broker redis: ConnectionError"]


def test_on_rabbitmq_it_needs_rabbitmq_too(rabbit_settings: Settings) -> None:
    assert failures(rabbit_settings) == []
    down = rabbit_settings.replace(broker={"rabbitmq_url": f"amqp://guest:guest@{NOWHERE}/%2F"})
    (failed,) = failures(down, timeout_s=1)
    assert failed.startswith("rabbitmq: "), failed


def test_the_command_exits_1_naming_what_failed(settings: Settings) -> None:
    env = {"PATH": "/usr/bin:/bin", "BROKER_URL": f"redis://{NOWHERE}/0"}
    done = subprocess.run(
        [sys.executable, "-m", "worker.probe"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 1 and "broker redis: ConnectionError" in done.stderr, done.stderr
