"""Routing rules, as plain functions: urgency plans, the preference matrix, quiet hours."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.notify.routing import Decision, Preferences, quiet_until, route

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
DIGEST = NOW + timedelta(hours=1)


def plan(
    urgency: str = "normal", prefs: Preferences | None = None, **kw: object
) -> dict[str, Decision]:
    args: dict[str, object] = {
        "category": "deal.stage_changed",
        "urgency": urgency,
        "prefs": prefs or Preferences(),
        "has_push": True,
        "online": False,
        "throttled": False,
        "now": NOW,
        "escalation": timedelta(minutes=15),
        "digest_at": DIGEST,
        **kw,
    }
    return {d.channel: d for d in route(**args)}  # type: ignore[arg-type]


def test_urgency_plans() -> None:
    crit = plan("critical")
    assert {c: d.action for c, d in crit.items()} == {
        "in_app": "now",
        "email": "now",
        "push": "now",
    }
    high = plan("high")
    assert high["email"].action == "later" and high["email"].send_after == NOW + timedelta(
        minutes=15
    )
    assert high["push"].action == "now"
    normal = plan("normal")
    assert normal["email"].action == "digest" and normal["email"].send_after == DIGEST
    assert normal["push"].action == "skip"
    low = plan("low")
    assert low["email"].action == "digest" and "not live" in low["in_app"].rule


@pytest.mark.parametrize(
    ("prefs", "channel", "rule"),
    [
        (Preferences(enabled=False), "in_app", "all notifications off"),
        (Preferences(categories={"deal.stage_changed": False}), "email", "category"),
        (Preferences(channels={"push": False}), "push", "channel push off"),
    ],
)
def test_preference_matrix_and_critical_bypass(prefs: Preferences, channel: str, rule: str) -> None:
    decided = plan("high", prefs)[channel]
    assert decided.action == "skip" and rule in decided.rule
    assert plan("critical", prefs)[channel].action == "now"  # critical bypasses preferences


def test_availability_presence_and_throttle() -> None:
    assert "no push subscription" in plan("high", has_push=False)["push"].rule
    assert "live" in plan("high", online=True)["in_app"].rule
    assert "inbox" in plan("high", online=False)["in_app"].rule
    throttled = plan("high", throttled=True)
    assert throttled["push"].action == "skip" and "throttle" in throttled["push"].rule
    assert throttled["in_app"].action == "now"


def test_quiet_hours_defer_in_the_users_timezone() -> None:
    # 12:00 UTC is 21:00 in Tokyo: inside 20:00-07:00 quiet hours, which end at 22:00 UTC.
    prefs = Preferences(quiet_start="20:00", quiet_end="07:00", timezone="Asia/Tokyo")
    until = quiet_until(prefs, NOW)
    assert until is not None and until.astimezone(UTC) == datetime(2026, 11, 27, 22, 0, tzinfo=UTC)
    decided = plan("high", prefs)
    assert decided["push"].action == "later" and decided["push"].send_after == until
    assert plan("critical", prefs)["push"].action == "now"
    assert quiet_until(Preferences(quiet_start="13:00", quiet_end="14:00"), NOW) is None
    assert quiet_until(
        Preferences(quiet_start="11:00", quiet_end="13:00", timezone="Nope/Zone"), NOW
    )
