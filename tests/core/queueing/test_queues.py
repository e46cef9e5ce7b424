"""The one definition of the queues: six of them, in two pools, and actors only on those."""

from __future__ import annotations

import pytest

import worker.entry
from core.queueing import queues
from core.queueing.broker import actor
from core.queueing.queues import NAMES, Pool, Queue
from core.settings import Settings, WorkerSettings
from worker.__main__ import command, lanes, size


def test_six_queues_in_two_pools() -> None:
    assert NAMES == ("critical", "default", "bulk", "email", "webhooks", "push")
    assert queues.names(Pool.WORKER) == ("critical", "default", "bulk")
    assert queues.names(Pool.DELIVERY) == ("email", "webhooks", "push")
    assert queues.names() == NAMES
    assert Queue("email") is Queue.EMAIL and Queue.EMAIL.pool is Pool.DELIVERY  # type: ignore[call-arg]
    assert f"ns:{Queue.BULK}" == "ns:bulk"  # a Queue is its name wherever a str is wanted


def test_an_actor_on_an_unknown_queue_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown queue 'mail'"):

        @actor(actor_name="test.misfiled", queue_name="mail")
        def misfiled() -> None:
            """Never declared."""


def test_every_declared_actor_is_on_a_defined_queue() -> None:
    declared = [
        value
        for module in worker.entry.JOB_MODULES
        for value in vars(module).values()
        if hasattr(value, "actor_name") and hasattr(value, "queue_name")
    ]
    assert len(declared) >= 15
    assert {a.queue_name for a in declared} <= set(NAMES)
    # Deliveries stay off the CPU queues: every email, webhook and push actor is in the pool.
    for a in declared:
        if a.actor_name in {"notifications.email", "notifications.webhook", "notifications.push"}:
            assert Queue(a.queue_name).pool is Pool.DELIVERY  # type: ignore[call-arg]


def test_each_pool_consumes_its_own_queues_with_its_configured_size() -> None:
    settings = Settings(
        worker=WorkerSettings(processes=3, threads=5, delivery_processes=2, delivery_greenlets=300)
    )
    argv = command(settings, [])
    assert argv[argv.index("--queues") + 1 :] == ["critical", "default", "bulk"]
    # One process per Dramatiq command: python -m worker runs as many side by side as the
    # pool has processes, each restarted on its own (worker/__main__.py).
    assert argv[argv.index("--processes") + 1] == "1"
    assert size(settings, Pool.WORKER) == (3, 5)
    assert argv[argv.index("--threads") + 1] == "5"
    grace = argv[argv.index("--worker-shutdown-timeout") + 1]
    assert grace == str(int(WorkerSettings().shutdown_grace_s * 1000))
    assert argv[2] == "dramatiq"
    argv = command(settings, ["tests.support.actors"], Pool.DELIVERY)
    assert argv[argv.index("--queues") + 1 :] == ["email", "webhooks", "push"]
    assert argv[argv.index("--processes") + 1] == "1"
    assert size(settings, Pool.DELIVERY) == (2, 300)
    assert argv[argv.index("--threads") + 1] == "300"
    assert argv[2] == "worker.gevent_main" and "tests.support.actors" in argv


def test_within_a_pool_critical_runs_before_default_before_bulk() -> None:
    """Dramatiq's work queue orders fetched messages by actor priority (lower first)."""
    declared = {
        value.actor_name: value
        for module in worker.entry.JOB_MODULES
        for value in vars(module).values()
        if hasattr(value, "actor_name") and hasattr(value, "queue_name")
    }
    for a in declared.values():
        assert a.priority == Queue(a.queue_name).priority  # type: ignore[call-arg]
    assert Queue.CRITICAL.priority < Queue.DEFAULT.priority < Queue.BULK.priority


def test_bulk_gets_processes_of_its_own_at_a_lower_priority_when_asked() -> None:
    """WORKER_BULK_PROCESSES: bulk no longer shares a process (its GIL) with critical and
    default, and its processes run niced (docs/decisions/0038)."""
    shared = Settings(worker=WorkerSettings(processes=2, threads=8, bulk_processes=0))
    (only,) = lanes(shared, [])
    assert only.copies == 2 and only.nice == 0
    assert only.argv[only.argv.index("--queues") + 1 :] == ["critical", "default", "bulk"]

    split = Settings(worker=WorkerSettings(processes=2, threads=8, bulk_processes=3, bulk_nice=12))
    urgent, bulk = lanes(split, ["tests.support.actors"])
    assert urgent.argv[urgent.argv.index("--queues") + 1 :] == ["critical", "default"]
    assert (urgent.copies, urgent.nice) == (2, 0)
    assert bulk.argv[bulk.argv.index("--queues") + 1 :] == ["bulk"]
    assert (bulk.copies, bulk.nice) == (3, 12)
    for lane in (urgent, bulk):
        assert lane.argv[lane.argv.index("--threads") + 1] == "8"
        assert lane.argv[lane.argv.index("--processes") + 1] == "1"
        assert "tests.support.actors" in lane.argv
    # The delivery pool is one lane whatever the setting.
    (delivery,) = lanes(split, [], Pool.DELIVERY)
    assert delivery.argv[delivery.argv.index("--queues") + 1 :] == ["email", "webhooks", "push"]
    assert delivery.nice == 0
