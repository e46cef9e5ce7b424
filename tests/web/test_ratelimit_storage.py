"""The limiter's storage: a hit's window serves the same request's headers, and only those."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from limits.storage import RedisStorage, storage_from_string

from core.settings import Settings
from web.ratelimit_storage import WindowReusingRedisStorage, _aged, storage_uri

KEY, EXPIRY = "test/key:1/reads", 60


@pytest.fixture
def storages(settings: Settings) -> Iterator[tuple[WindowReusingRedisStorage, RedisStorage]]:
    """Ours and limits' own on the same Redis and keys (the second reads what is stored)."""
    ours = storage_from_string(storage_uri(settings.broker.url))
    plain = RedisStorage(settings.broker.url)
    assert isinstance(ours, WindowReusingRedisStorage)
    plain.clear_sliding_window(KEY, EXPIRY)
    yield ours, plain
    plain.clear_sliding_window(KEY, EXPIRY)


def _close(ours: tuple[int, float, int, float], stored: tuple[int, float, int, float]) -> None:
    assert (ours[0], ours[2]) == (stored[0], stored[2])
    # The TTLs are aged by the time since the hit; PTTL answers in whole milliseconds.
    assert ours[1] == pytest.approx(stored[1], abs=0.01)
    assert ours[3] == pytest.approx(stored[3], abs=0.01)


def test_the_window_after_a_hit_is_the_stored_one(
    storages: tuple[WindowReusingRedisStorage, RedisStorage],
) -> None:
    ours, plain = storages
    with Flask(__name__).app_context():
        for _ in range(3):
            assert ours.acquire_sliding_window_entry(KEY, 3, EXPIRY)
        _close(ours.get_sliding_window(KEY, EXPIRY), plain.get_sliding_window(KEY, EXPIRY))
        # Past the limit: refused, nothing counted, and the window still the stored one.
        assert not ours.acquire_sliding_window_entry(KEY, 3, EXPIRY)
        window = ours.get_sliding_window(KEY, EXPIRY)
        assert window[2] == 3
        _close(window, plain.get_sliding_window(KEY, EXPIRY))


def test_a_window_is_not_kept_past_its_request(
    storages: tuple[WindowReusingRedisStorage, RedisStorage],
) -> None:
    ours, plain = storages
    app = Flask(__name__)
    with app.app_context():
        assert ours.acquire_sliding_window_entry(KEY, 10, EXPIRY)
    assert plain.acquire_sliding_window_entry(KEY, 10, EXPIRY)  # another process's hit
    with app.app_context():
        assert ours.get_sliding_window(KEY, EXPIRY)[2] == 2
    # Nor read twice within one: the second read asks Redis.
    with app.app_context():
        assert ours.acquire_sliding_window_entry(KEY, 10, EXPIRY)
        assert ours.get_sliding_window(KEY, EXPIRY)[2] == 3
        assert plain.acquire_sliding_window_entry(KEY, 10, EXPIRY)
        assert ours.get_sliding_window(KEY, EXPIRY)[2] == 4


def test_an_aged_window_shifts_when_its_current_window_ends() -> None:
    # Current window 10 s from its end (TTL 70 s of 2 x 60): 15 s later it is the previous.
    assert _aged((4, 20.0, 5, 70.0), 15.0, 60) == (5, 55.0, 0, 115.0)
    assert _aged((4, 20.0, 5, 90.0), 15.0, 60) == (4, 5.0, 5, 75.0)
    assert _aged((4, 5.0, 5, 90.0), 15.0, 60) == (0, 0.0, 5, 75.0)


def test_storage_uri_wraps_redis_urls_only() -> None:
    assert storage_uri("redis://h:1/0") == "saleshub+redis://h:1/0"
    assert storage_uri("rediss://h:1/0") == "saleshub+rediss://h:1/0"
    assert storage_uri("memory://") == "memory://"
