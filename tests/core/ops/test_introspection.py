"""The live "done/min" and "failed/min" figures: a sliding 60 s window over the minute buckets."""

from __future__ import annotations

from collections import Counter

import redis

from core.ops.introspection import last_60_s
from core.queueing import minute_stats


def test_the_window_counts_this_minute_and_the_covered_share_of_the_last(
    broker_redis: redis.Redis,
) -> None:
    minute = 29_000_000
    f = minute_stats.field
    minute_stats.add_counts(
        broker_redis,
        Counter({f("bulk", "a", "processed"): 60, f("bulk", "a", "failed"): 6}),
        minute - 1,
    )
    minute_stats.add_counts(broker_redis, Counter({f("bulk", "b", "processed"): 10}), minute)
    # 15 s into the minute, the window still covers 45 s (three quarters) of the last one.
    assert last_60_s(broker_redis, minute * 60 + 15) == {"bulk": (10 + 45, round(6 * 0.75))}
    # A burst that has just started shows at once, not after its minute ends.
    minute_stats.add_counts(broker_redis, Counter({f("push", "c", "processed"): 3}), minute + 5)
    assert last_60_s(broker_redis, (minute + 5) * 60 + 1)["push"] == (3, 0)
