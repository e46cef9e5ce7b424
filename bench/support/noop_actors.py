"""A no-op actor on SalesHub's broker (ledger and all our middleware).

Loaded by ``dramatiq worker.entry:setup bench.support.noop_actors``, and by bench/jobs.py to
stage it.
"""

from __future__ import annotations

from core.queueing.broker import actor


@actor(actor_name="bench.noop", queue_name="default")
def noop() -> None:
    """Do nothing."""
