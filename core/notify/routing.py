"""Routing: which channels a notification goes to, when, and which rule decided.

Rules are evaluated in a fixed order and each decision names its rule, so a user or an
admin can see why a notification arrived (or did not) where it did:
1. urgency sets the plan: ``critical`` every channel now; ``high`` in-app and push now,
   email if still unread after ``escalation_minutes``; ``normal`` in-app now, email in the
   digest; ``low`` the digest only;
2. preferences (global, category, channel) remove channels, except for ``critical``;
3. availability: no push subscription, no push;
4. presence: an online user gets in-app at once (live);
5. quiet hours in the user's timezone defer email and push to their end (not ``critical``);
6. a throttle per user and key drops repeated email and push within a window.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

PERSONAL_CHANNELS = ("in_app", "email", "push")


@dataclass(frozen=True)
class Preferences:
    """A user's notification preferences.

    Parameters:
      enabled: the global switch.
      categories: per category, False to mute it.
      channels: per channel, False to turn it off.
      quiet_start, quiet_end: local ``HH:MM`` of the quiet hours (both or neither).
      timezone: the user's IANA timezone.
    """

    enabled: bool = True
    categories: dict[str, bool] = field(default_factory=dict)
    channels: dict[str, bool] = field(default_factory=dict)
    quiet_start: str | None = None
    quiet_end: str | None = None
    timezone: str = "UTC"

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Preferences:
        data = data or {}
        quiet = data.get("quiet_hours") or {}
        return cls(
            enabled=bool(data.get("enabled", True)),
            categories=dict(data.get("categories") or {}),
            channels=dict(data.get("channels") or {}),
            quiet_start=quiet.get("start"),
            quiet_end=quiet.get("end"),
            timezone=data.get("timezone") or "UTC",
        )


@dataclass(frozen=True)
class Decision:
    """What happens on one channel.

    Parameters:
      channel: ``in_app``, ``email`` or ``push``.
      action: ``now``, ``later`` (at ``send_after``), ``digest`` or ``skip``.
      rule: the rule that decided, for the record.
      send_after: when a deferred send is due.
    """

    channel: str
    action: str
    rule: str
    send_after: datetime | None = None


def quiet_until(prefs: Preferences, now: datetime) -> datetime | None:
    """When the quiet hours containing ``now`` end, or None if ``now`` is not in them."""
    if not (prefs.quiet_start and prefs.quiet_end):
        return None
    try:
        tz = ZoneInfo(prefs.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        tz = ZoneInfo("UTC")
    local = now.astimezone(tz)
    start, end = time.fromisoformat(prefs.quiet_start), time.fromisoformat(prefs.quiet_end)
    t = local.time()
    inside = start <= t < end if start < end else (t >= start or t < end)
    if not inside:
        return None
    end_day = local.date() if t < end else local.date() + timedelta(days=1)
    return datetime.combine(end_day, end, tzinfo=tz)


def route(
    *,
    category: str,
    urgency: str,
    prefs: Preferences,
    has_push: bool,
    online: bool,
    throttled: bool,
    now: datetime,
    escalation: timedelta,
    digest_at: datetime,
) -> list[Decision]:
    """The decision for each personal channel, by the rules in the module docstring."""
    critical = urgency == "critical"
    plan = {
        "critical": {"in_app": "now", "email": "now", "push": "now"},
        "high": {"in_app": "now", "email": "later", "push": "now"},
        "normal": {"in_app": "now", "email": "digest", "push": "skip"},
        "low": {"in_app": "digest", "email": "digest", "push": "skip"},
    }[urgency]
    out = []
    for channel in PERSONAL_CHANNELS:
        action = plan[channel]
        rule = f"urgency {urgency}: {action}"
        send_after = now + escalation if action == "later" else None
        if action == "digest":
            send_after = digest_at
        if action == "skip":
            out.append(Decision(channel, "skip", rule))
            continue
        if not critical and not prefs.enabled:
            out.append(Decision(channel, "skip", "preferences: all notifications off"))
            continue
        if not critical and prefs.categories.get(category) is False:
            out.append(Decision(channel, "skip", f"preferences: category {category} off"))
            continue
        if not critical and prefs.channels.get(channel) is False:
            out.append(Decision(channel, "skip", f"preferences: channel {channel} off"))
            continue
        if channel == "push" and not has_push:
            out.append(Decision(channel, "skip", "availability: no push subscription"))
            continue
        if channel == "in_app":
            if action == "digest":  # the inbox keeps it; nothing is pushed live
                out.append(Decision(channel, "now", f"{rule} (inbox only, not live)"))
            else:
                where = "online: live at once" if online else "offline: inbox"
                out.append(Decision(channel, "now", f"{rule}; presence {where}"))
            continue
        if not critical and action in {"now", "later"}:
            until = quiet_until(prefs, now)
            if until is not None and (send_after is None or send_after < until):
                out.append(Decision(channel, "later", "quiet hours: deferred", until))
                continue
        if not critical and throttled and action in {"now", "later"}:
            out.append(Decision(channel, "skip", "throttle: a similar notification was just sent"))
            continue
        if action == "later":
            out.append(Decision(channel, "later", f"{rule}: email if still unread", send_after))
        else:
            out.append(Decision(channel, action, rule, send_after))
    return out
