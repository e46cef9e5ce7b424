"""``WaitingLine``: slots per owner, and a line that those who give a slot back wake."""

from __future__ import annotations

import time

import pytest
import redis

from core.queueing.org_slots import OrgSlots
from core.queueing.waiting_line import WAKE_RESERVE_MS, WaitingLine


@pytest.fixture
def line(broker_redis: redis.Redis) -> WaitingLine:
    return WaitingLine(broker_redis, "wl", "pool")


def test_over_the_cap_callers_wait_in_the_order_they_came_and_keep_their_place(
    line: WaitingLine,
) -> None:
    assert line.acquire_or_wait(7, "a", "pa", cap=1, lease_ms=60_000)
    assert line.acquire_or_wait(7, "a", "pa", cap=1, lease_ms=60_000)  # held: a refresh
    assert not line.acquire_or_wait(7, "b", "pb", cap=1, lease_ms=60_000)
    time.sleep(0.002)
    assert not line.acquire_or_wait(7, "c", "pc", cap=1, lease_ms=60_000)
    time.sleep(0.002)
    assert not line.acquire_or_wait(7, "b", "pb", cap=1, lease_ms=60_000)  # again: same place
    assert line.waiting(7) == 2 and line.waiting(8) == 0
    assert line.release(7, "a", cap=1) == [("b", "pb")]
    # b's slot is kept for it: c may not take it, and b's own acquire finds it held.
    assert not line.acquire_or_wait(7, "c", "pc", cap=1, lease_ms=60_000)
    assert line.acquire_or_wait(7, "b", "pb", cap=1, lease_ms=60_000)
    assert line.release(7, "b", cap=1) == [("c", "pc")]
    assert line.release(7, "c", cap=1) == [] and line.waiting(7) == 0


def test_a_release_wakes_as_many_as_there_are_free_slots_up_to_most(
    line: WaitingLine,
) -> None:
    for member in ("a", "b"):
        assert line.acquire_or_wait(1, member, "", cap=2, lease_ms=60_000)
    for member in ("c", "d", "e"):
        assert not line.acquire_or_wait(1, member, f"p|{member}", cap=2, lease_ms=60_000)
    # A payload may hold "|"; only the first one separates the member.
    assert line.release(1, "a", cap=4, most=5) == [("c", "p|c"), ("d", "p|d"), ("e", "p|e")]
    assert line.waiting(1) == 0


def test_a_caller_that_gets_a_slot_leaves_the_line(line: WaitingLine) -> None:
    assert line.acquire_or_wait(2, "a", "", cap=1, lease_ms=60_000)
    assert not line.acquire_or_wait(2, "b", "pb", cap=1, lease_ms=60_000)
    # The cap is raised (a setting changed): b gets in on its next try, and is not woken.
    assert line.acquire_or_wait(2, "b", "pb", cap=2, lease_ms=60_000)
    assert line.waiting(2) == 0 and line.release(2, "a", cap=2) == []


def test_slots_of_expired_leases_are_free_and_shared_with_org_slots(
    line: WaitingLine, broker_redis: redis.Redis
) -> None:
    assert line.acquire_or_wait(3, "dead", "", cap=1, lease_ms=1)
    time.sleep(0.005)
    assert line.acquire_or_wait(3, "alive", "", cap=1, lease_ms=60_000)
    # The same sorted set as OrgSlots' for the pool: a holder there counts here.
    slots = OrgSlots(broker_redis, "wl")
    assert not slots.acquire("pool", 3, "other", cap=1, lease_ms=60_000)
    assert not line.acquire_or_wait(3, "next", "pn", cap=1, lease_ms=60_000)
    # A sweep-style release (no member) wakes nobody while the slot is held.
    assert line.release(3, "", cap=1) == []
    reserved = broker_redis.zscore("wl:fair:slots:pool:3", "next")
    assert reserved is None
    assert line.release(3, "alive", cap=1) == [("next", "pn")]
    score = broker_redis.zscore("wl:fair:slots:pool:3", "next")
    assert score is not None and score <= time.time() * 1000 + WAKE_RESERVE_MS


def test_a_member_name_may_not_hold_the_separator(line: WaitingLine) -> None:
    with pytest.raises(ValueError, match="may not hold"):
        line.acquire_or_wait(4, "a|b", "", cap=1, lease_ms=60_000)


def test_the_snapshot_reads_the_owners_the_scripts_keep(
    line: WaitingLine, broker_redis: redis.Redis
) -> None:
    assert line.acquire_or_wait(5, "a", "", cap=1, lease_ms=60_000)
    for member in ("b", "c"):
        assert not line.acquire_or_wait(5, member, "", cap=1, lease_ms=60_000)
    assert line.acquire_or_wait(6, "d", "", cap=2, lease_ms=60_000)
    assert line.acquire_or_wait(9, "dead", "", cap=1, lease_ms=1)
    time.sleep(0.005)
    # Longest lines first; an owner whose leases all ran out is left out.
    assert line.snapshot() == [
        {"owner": 5, "in_flight": 1, "waiting": 2},
        {"owner": 6, "in_flight": 1, "waiting": 0},
    ]
    assert line.snapshot(most=1) == [{"owner": 5, "in_flight": 1, "waiting": 2}]
    # A slot kept for an entry taken off the line counts as in flight.
    assert line.release(5, "a", cap=1) == [("b", "")]
    assert line.snapshot() == [
        {"owner": 5, "in_flight": 1, "waiting": 1},
        {"owner": 6, "in_flight": 1, "waiting": 0},
    ]
    # An owner leaves the set when a release finds no slot held and no line.
    assert line.release(5, "b", cap=1) == [("c", "")]
    assert line.release(5, "c", cap=1) == []
    assert line.release(6, "d", cap=2) == []
    assert {int(m) for m in broker_redis.smembers("wl:fair:lines:pool")} == {9}
    assert line.snapshot() == []
