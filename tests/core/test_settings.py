"""Settings come from the environment, with defaults, and reject malformed numbers."""

from __future__ import annotations

import pytest

from core.settings import Settings, SettingsError


def test_defaults_and_overrides() -> None:
    s = Settings.from_env(
        {"BROKER_URL": "redis://b:1/0", "MAX_ATTEMPTS": "7", "RESEND_AFTER_S": "1.5"}
    )
    assert s.broker_url == "redis://b:1/0" and s.max_attempts == 7 and s.resend_after_s == 1.5
    assert s.cache_url == Settings().cache_url
    assert s.psycopg_dsn.startswith("postgresql://")


@pytest.mark.parametrize("name", ["MAX_ATTEMPTS", "RESEND_AFTER_S"])
def test_malformed_numbers_are_refused(name: str) -> None:
    with pytest.raises(SettingsError, match=name):
        Settings.from_env({name: "many"})
