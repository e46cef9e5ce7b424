"""Settings: one typed object, grouped, read once from the environment and ``.env``."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.settings import BrokerSettings, DatabaseSettings, Settings, SettingsError


def test_defaults_and_overrides() -> None:
    s = Settings.from_env(
        {"BROKER_URL": "redis://b:1/0", "MAX_ATTEMPTS": "7", "RESEND_AFTER_S": "1.5"}
    )
    assert s.broker.url == "redis://b:1/0"
    assert s.worker.max_attempts == 7 and s.broker.resend_after_s == 1.5
    assert s.cache.url == Settings().cache.url
    assert s.database.psycopg_dsn.startswith("postgresql://")


def test_lists_booleans_and_empty_values() -> None:
    s = Settings.from_env(
        {
            "WS_ALLOWED_ORIGINS": "https://a.example, https://b.example,",
            "CACHE_ENABLED": "off",
            "WORKER_THREADS": "",  # empty means unset, as in a shell's VAR=
            "LOG_LEVEL": "debug",
        }
    )
    assert s.web.ws_allowed_origins == ("https://a.example", "https://b.example")
    assert s.cache.enabled is False
    assert s.worker.threads == Settings().worker.threads
    assert s.log_level == "DEBUG"


def test_the_process_environment_wins_over_the_env_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("BROKER_URL=redis://from-file:1/0\nCACHE_URL=redis://from-file:2/0\n")
    monkeypatch.setenv("BROKER_URL", "redis://from-env:1/0")
    monkeypatch.delenv("CACHE_URL", raising=False)
    s = Settings.from_env(env_file=env_file)
    assert s.broker.url == "redis://from-env:1/0"
    assert s.cache.url == "redis://from-file:2/0"
    # Without from_env nothing is read: tests and benchmarks build what they mean.
    assert Settings().broker.url == "redis://127.0.0.1:6379/0"


def test_replace_changes_one_field_of_a_group() -> None:
    base = Settings(database=DatabaseSettings(url="postgresql+psycopg://u@h/db", pool_size=3))
    changed = base.replace(database={"pool_size": 7}, environment="test")
    assert (changed.database.url, changed.database.pool_size) == (base.database.url, 7)
    assert changed.environment == "test" and base.database.pool_size == 3


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("MAX_ATTEMPTS", "many"),
        ("RESEND_AFTER_S", "soon"),
        ("SMTP_PORT", "0"),
        ("CACHE_CODEC", "lz4"),
        ("LOG_LEVEL", "loud"),
        ("DB_POOL_SIZE", "-1"),
    ],
)
def test_an_invalid_value_names_its_variable(name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=name):
        Settings.from_env({name: value})


def test_cache_ttls_must_be_ordered() -> None:
    with pytest.raises(SettingsError, match="CACHE_SOFT_TTL_S"):
        Settings.from_env({"CACHE_SOFT_TTL_S": "900", "CACHE_HARD_TTL_S": "600"})


def test_an_amqp_broker_url_selects_rabbitmq_and_the_redis_moves_to_its_own_variable() -> None:
    s = Settings.from_env(
        {"BROKER_URL": "amqp://u:p@rabbit:5672/v", "BROKER_REDIS_URL": "redis://r:6379/0"}
    )
    assert s.broker.kind == "rabbitmq"
    assert s.broker.rabbitmq_url == "amqp://u:p@rabbit:5672/v"
    assert s.broker.url == "redis://r:6379/0"  # pub/sub, leases, rate limits, heartbeats
    tls = Settings.from_env(
        {
            "BROKER_URL": "amqps://u:p@r1:5671/v;amqps://u:p@r2:5671/v",
            "BROKER_REDIS_URL": "redis://r:6379/0",
            "BROKER_KIND": "rabbitmq",  # saying it too is fine
        }
    )
    assert tls.broker.kind == "rabbitmq"
    assert tls.broker.rabbitmq_url == "amqps://u:p@r1:5671/v;amqps://u:p@r2:5671/v"
    built = BrokerSettings.model_validate({"url": "amqp://h/v", "redis_url": "redis://r:1/0"})
    assert (built.kind, built.url) == ("rabbitmq", "redis://r:1/0")


def test_the_older_variables_keep_working() -> None:
    s = Settings.from_env(
        {
            "BROKER_KIND": "rabbitmq",
            "RABBITMQ_URL": "amqp://h:5672/v",
            "BROKER_URL": "redis://b:1/0",
        }
    )
    assert (s.broker.kind, s.broker.rabbitmq_url, s.broker.url) == (
        "rabbitmq",
        "amqp://h:5672/v",
        "redis://b:1/0",
    )
    assert Settings.from_env({}).broker.kind == "redis"
    # BROKER_REDIS_URL alone names the broker Redis with either broker.
    alone = Settings.from_env({"BROKER_REDIS_URL": "redis://r:2/0"})
    assert (alone.broker.kind, alone.broker.url) == ("redis", "redis://r:2/0")
    same = Settings.from_env({"BROKER_REDIS_URL": "redis://r:2/0", "BROKER_URL": "redis://r:2/0"})
    assert same.broker.url == "redis://r:2/0"


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"BROKER_URL": "amqp://h/v"}, "BROKER_REDIS_URL must be set"),
        (
            {"BROKER_URL": "amqp://h/v", "BROKER_REDIS_URL": "redis://r", "BROKER_KIND": "redis"},
            "BROKER_KIND",
        ),
        (
            {
                "BROKER_URL": "amqp://h/v",
                "BROKER_REDIS_URL": "redis://r",
                "RABBITMQ_URL": "amqp://x",
            },
            "RABBITMQ_URL",
        ),
        ({"BROKER_URL": "redis://a:1/0", "BROKER_REDIS_URL": "redis://b:1/0"}, "BROKER_REDIS_URL"),
    ],
)
def test_contradicting_broker_variables_are_refused_by_name(
    env: dict[str, str], named: str
) -> None:
    with pytest.raises(SettingsError, match=named):
        Settings.from_env(env)
