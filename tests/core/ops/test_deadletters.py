"""Dead letters read a page at a time, newest first across the queues, from real Redis."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import redis

from core.ops import redis_deadletters as deadletters
from core.ops.deadletters import DeadLetter
from core.settings import Settings
from tests.support.deadletters import seed as _seed

NS = "dltest"


def seed(client: redis.Redis, queue: str, scores: list[float], **kw: str) -> list[str]:
    return _seed(client, NS, queue, scores, **kw)


@pytest.fixture
def client(settings: Settings) -> Iterator[redis.Redis]:
    c = redis.Redis.from_url(settings.broker.url)
    c.flushdb()
    yield c
    c.flushdb()


def _walk(client: redis.Redis, limit: int, **filters: Any) -> list[DeadLetter]:
    out: list[DeadLetter] = []
    after = None
    while True:
        found, after = deadletters.page(client, NS, limit=limit, after=after, **filters)
        out += found
        if after is None:
            return out


def test_pages_merge_the_queues_newest_first_with_ties_neither_lost_nor_repeated(
    client: redis.Redis,
) -> None:
    seed(client, "default", [1000.0 + i for i in range(250)])
    seed(client, "email", [1100.0] * 30)  # ties, inside and across queues
    seed(client, "bulk", [1100.0] * 5)
    walked = _walk(client, 7)
    assert len(walked) == 285 and len({d.redis_id for d in walked}) == 285
    died = [d.died_at for d in walked]
    assert died == sorted(died, reverse=True)
    assert deadletters.count(client, NS) == 285
    assert deadletters.count(client, NS, queue="email") == 30


def test_filters_by_actor_and_text_and_count_them(client: redis.Redis) -> None:
    seed(client, "default", [float(i) for i in range(40)], actor="a.one", error="KeyError")
    mine = seed(client, "push", [float(i) for i in range(3)], actor="a.two", error="Timeout")
    assert deadletters.count(client, NS, actor="a.two") == 3
    assert deadletters.count(client, NS, text="timeout") == 3
    assert {d.message_id for d in _walk(client, 2, actor="a.two")} == set(mine)
    assert _walk(client, 50, queue="push", text="KeyError") == []


def test_a_filter_that_matches_little_is_bounded_and_resumable(client: redis.Redis) -> None:
    seed(client, "default", [float(i) for i in range(100)], actor="a.one")
    (rare,) = seed(client, "default", [-1.0], actor="a.rare")
    found, after = deadletters.page(client, NS, limit=10, max_scanned=30, actor="a.rare")
    assert found == [] and after is not None  # a short page, and where to go on from
    found, after = deadletters.page(client, NS, limit=10, after=after, actor="a.rare")
    assert [d.message_id for d in found] == [rare] and after is None


def test_get_reads_one_letter_by_its_redis_id_or_by_scanning(client: redis.Redis) -> None:
    (mid,) = seed(client, "webhooks", [5.0])
    (letter,) = deadletters.find(client, NS)
    direct = deadletters.get(client, NS, mid, queue="webhooks", redis_id=letter.redis_id)
    assert direct == letter
    assert deadletters.get(client, NS, mid, queue=None, redis_id=None) == letter
    assert deadletters.get(client, NS, "nope", queue=None, redis_id=None) is None
    assert letter.public(full=True)["traceback"].startswith("Traceback")
