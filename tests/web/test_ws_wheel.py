"""The hub's timer wheel: every socket once a period, spread over the period."""

from __future__ import annotations

from dataclasses import dataclass

from web.ws_wheel import Wheel


@dataclass(eq=False)
class Item:
    slot: int = -1


def test_every_item_is_due_once_a_period_in_even_slices() -> None:
    wheel: Wheel[Item] = Wheel((25, 15, 10))
    items = [Item() for _ in range(1000)]
    for item in items:
        wheel.add(item)
    assert wheel.slots == 150 and len(wheel) == 1000
    for period in (25, 15, 10):
        seen: list[Item] = []
        sizes = []
        for _ in range(period):
            due = wheel.due(period)
            seen += due
            sizes.append(len(due))
            wheel.advance()
        assert sorted(map(id, seen)) == sorted(map(id, items))  # each exactly once
        assert max(sizes) - min(sizes) <= 150 // period  # a slice each turn, no burst


def test_a_removed_item_is_no_longer_due() -> None:
    wheel: Wheel[Item] = Wheel((3,))
    kept, gone = Item(), Item()
    wheel.add(kept)
    wheel.add(gone)
    wheel.remove(gone)
    wheel.remove(Item())  # never added: nothing happens
    due: list[Item] = []
    for _ in range(3):
        due += wheel.due(3)
        wheel.advance()
    assert due == [kept]
