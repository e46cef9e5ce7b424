"""Canary jobs: the scheduler sends one to every queue; their times reach /metrics and the API."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from core.ops import canary
from core.queueing.queues import NAMES
from core.settings import Settings
from jobs.maintenance import CANARIES
from models import Job
from models.db import session_scope
from tests.conftest import auth
from tests.support.client import JsonClient
from tests.support.factories import Tenant
from tests.support.stack import ROOT, WorkerProcess, process_env, wait_for


def test_a_queue_whose_canary_has_not_run_gets_no_second_one(
    sessions: sessionmaker[Session], broker: object
) -> None:
    with session_scope(sessions) as s:
        assert canary.stage_canaries(s, CANARIES, fired_at=100) == len(NAMES)
    with session_scope(sessions) as s:
        assert canary.stage_canaries(s, CANARIES, fired_at=160) == 0  # all still queued
        s.execute(
            update(Job)
            .where(Job.schedule_id == canary.schedule_id("bulk"))
            .values(status="succeeded")
        )
    with session_scope(sessions) as s:
        assert canary.stage_canaries(s, CANARIES, fired_at=220) == 1  # only bulk's ran
    with sessions() as s:
        per_queue = Counter(s.scalars(select(Job.queue).where(Job.type == canary.JOB_TYPE)))
    assert per_queue == {**{q: 1 for q in NAMES}, "bulk": 2}


def test_the_scheduler_sends_canaries_to_every_queue_and_their_times_are_exposed(
    settings: Settings,
    sessions: sessionmaker[Session],
    worker_proc: WorkerProcess,
    client: JsonClient,
    tenant: Tenant,
    tmp_path: Path,
) -> None:
    broker = client.application.extensions["saleshub"].broker
    # worker_proc consumes the worker pool's queues; the delivery pool takes the others.
    delivery = WorkerProcess(settings, tmp_path / "delivery.log", pool="delivery")
    delivery.start()
    env = process_env(settings, CANARY_INTERVAL_S="1", SCHEDULER_LEASE_TTL_MS="1000")
    with (tmp_path / "scheduler.log").open("wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "worker.scheduler"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for(lambda: len(canary.latest(broker)) == len(NAMES), timeout=60, interval=0.2)

        def succeeded() -> Counter[str]:
            with sessions() as s:
                return Counter(
                    s.scalars(
                        select(Job.queue).where(
                            Job.type == canary.JOB_TYPE, Job.status == "succeeded"
                        )
                    )
                )

        wait_for(lambda: all(succeeded()[q] >= 2 for q in NAMES), timeout=60, interval=0.2)
    finally:
        proc.terminate()
        proc.wait(15)
        delivery.stop()
    rows = canary.latest(broker)
    assert [r["queue"] for r in rows] == sorted(NAMES)
    for r in rows:
        assert r["started_at"] >= r["sent_at"] > 0
        assert r["commit_to_start_s"] >= 0 and r["run_s"] >= 0 and r["age_s"] >= 0
    text = client.get("/metrics", headers=auth(tenant.operator)).get_data(as_text=True)
    for q in NAMES:
        for name in ("commit_to_start", "run", "age"):
            assert f'saleshub_canary_{name}_seconds{{queue="{q}"}}' in text
    got = client.get("/api/v1/ops/canaries", headers=auth(tenant.operator))
    assert got.status_code == 200
    assert [i["queue"] for i in got.json["items"]] == sorted(NAMES)
    assert set(got.json["items"][0]) >= {"sent_at", "started_at", "commit_to_start_s", "run_s"}
    assert client.get("/api/v1/ops/canaries", headers=auth(tenant.admin)).status_code == 403
