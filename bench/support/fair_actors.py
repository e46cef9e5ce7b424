"""Actors of bench/fairness.py: org B's no-op and org A's bulk flood (a short wait each).

Loaded by the bench's worker pool (``python -m worker --pool worker bench.support.fair_actors``)
and by the bench itself to stage them.
"""

from __future__ import annotations

import time

from core.queueing.broker import actor


@actor(actor_name="bench.fair_noop", queue_name="default", max_retries=0)
def fair_noop() -> None:
    """Org B's ordinary job: nothing to do, so its start time is all we measure."""


@actor(actor_name="bench.fair_bulk", queue_name="bulk", max_retries=0)
def fair_bulk() -> None:
    """Org A's flood: each job holds a worker thread a little (as a real bulk job would)."""
    time.sleep(0.02)
