from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from dramatiq.brokers.redis import RedisBroker
from sqlalchemy import Engine

import tests.support.actors  # noqa: F401 - declares the test actors
import worker.entry  # noqa: F401 - declares every actor
from core.queueing.broker import configure
from core.settings import Settings
from jobs import runtime
from tests.support.stack import WorkerProcess


@pytest.fixture
def broker(settings: Settings, engine: Engine) -> RedisBroker:
    b = configure(settings)
    assert isinstance(b, RedisBroker)
    runtime.init(settings)
    return b


@pytest.fixture
def worker_proc(settings: Settings, engine: Engine, tmp_path: Path) -> Iterator[WorkerProcess]:
    proc = WorkerProcess(settings, tmp_path / "worker.log")
    proc.start()
    yield proc
    proc.stop()
