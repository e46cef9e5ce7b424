"""Settings: read once per process, into one typed object passed to factories.

Every knob is an environment variable (documented in the README with its default). A
process calls :meth:`Settings.from_env` once at start: it reads ``.env`` (written by
``make run``) under the process environment, validates every group, and stops with the
variable's name when a value is invalid. ``Settings(...)`` alone reads nothing: tests and
benchmarks build exactly the settings they mean.
"""

from __future__ import annotations

import contextvars
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from dotenv import dotenv_values
from pydantic import ValidationError, field_validator, model_validator
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from core.settings.app import (
    DEV_ENVIRONMENTS,
    DEV_SECRET_KEY,
    BulkSettings,
    LimitSettings,
    NotifySettings,
    RealtimeSettings,
    SearchSettings,
    SecretsSettings,
    WebSettings,
)
from core.settings.base import SettingsError, _env
from core.settings.infra import BrokerSettings, CacheSettings, DatabaseSettings, WorkerSettings

VERSION = "0.1.0"


GROUPS = (
    "database", "broker", "worker", "cache", "web", "realtime", "notify", "search", "secrets",
    "limits", "bulk",
)  # fmt: skip


# The environment of the running ``from_env`` call; ``Settings(...)`` alone reads nothing.
_READING: contextvars.ContextVar[Mapping[str, str] | None] = contextvars.ContextVar(
    "saleshub_settings_env", default=None
)


class _FlatEnvironment(PydanticBaseSettingsSource):
    """Every group reads its own variables, by name, from one flat mapping."""

    def __init__(self, settings_cls: type[BaseSettings], env: Mapping[str, str]) -> None:
        super().__init__(settings_cls)
        # An empty variable means "not set", as in a shell's ``VAR=``.
        self.env = {k: v for k, v in env.items() if v != ""}

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        alias = field.validation_alias if isinstance(field.validation_alias, str) else None
        key = field_name if field_name in GROUPS else alias
        value = self.env if field_name in GROUPS else self.env.get(key or "")
        return value, field_name, False

    def __call__(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, field in self.settings_cls.model_fields.items():
            value, _, _ = self.get_field_value(field, name)
            if value is not None:
                out[name] = value
        return out


class Settings(BaseSettings):
    """Every knob SalesHub reads, grouped; see each group for its variables and defaults.

    Parameters:
      environment: ``development``, ``test``, ``production``… (``ENVIRONMENT``); part of
        every cache key.
      log_level: ``LOG_LEVEL`` of every process.
      log_format: ``LOG_FORMAT``: ``text`` lines, or ``json`` (one object a line).
      metrics_dir: ``METRICS_DIR``: where each supervised process tree (``worker.supervise``)
        keeps its Prometheus multiprocess files, one folder per command; empty: off.
    """

    model_config = SettingsConfigDict(
        frozen=True, extra="ignore", validate_by_name=True, validate_by_alias=True
    )

    environment: str = _env("ENVIRONMENT", "development")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = _env("LOG_LEVEL", "INFO")
    log_format: Literal["text", "json"] = _env("LOG_FORMAT", "text")
    metrics_dir: str = _env("METRICS_DIR", "var/metrics")
    database: DatabaseSettings = DatabaseSettings()
    broker: BrokerSettings = BrokerSettings()
    worker: WorkerSettings = WorkerSettings()
    cache: CacheSettings = CacheSettings()
    web: WebSettings = WebSettings()
    realtime: RealtimeSettings = RealtimeSettings()
    notify: NotifySettings = NotifySettings()
    search: SearchSettings = SearchSettings()
    secrets: SecretsSettings = SecretsSettings()
    limits: LimitSettings = LimitSettings()
    bulk: BulkSettings = BulkSettings()

    @model_validator(mode="after")
    def _secret_keys_set(self) -> Settings:
        if not self.secrets.keys and self.environment not in DEV_ENVIRONMENTS:
            raise ValueError(
                f"SECRET_KEYS must be set where ENVIRONMENT is {self.environment!r}"
                " (the built-in key is for development only)"
            )
        return self

    @property
    def secret_keys(self) -> tuple[str, ...]:
        """The Fernet keys in force: ``SECRET_KEYS``, or the development key."""
        return self.secrets.keys or (DEV_SECRET_KEY,)

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value

    @field_validator("log_format", mode="before")
    @classmethod
    def _lower(cls, value: Any) -> Any:
        return value.lower() if isinstance(value, str) else value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        env = _READING.get()
        if env is None:
            return (init_settings,)
        return (init_settings, _FlatEnvironment(settings_cls, env))

    @classmethod
    def from_env(
        cls, env: Mapping[str, str] | None = None, *, env_file: str | Path | None = ".env"
    ) -> Settings:
        """Settings from ``env`` (default: ``env_file`` under the process environment).

        Raises :class:`SettingsError` naming every invalid variable.
        """
        if env is None:
            found = dotenv_values(env_file) if env_file and Path(env_file).is_file() else {}
            env = {**{k: v for k, v in found.items() if v is not None}, **os.environ}
        token = _READING.set(env)
        try:
            return cls()
        except ValidationError as exc:
            raise SettingsError(_describe(exc)) from None
        finally:
            _READING.reset(token)

    def replace(self, **changes: Any) -> Settings:
        """A copy with ``changes``; a group may be given as a dict of the fields to change."""
        unknown = set(changes) - set(type(self).model_fields)
        for name, value in changes.items():
            if isinstance(value, dict) and name in GROUPS:
                unknown |= {
                    f"{name}.{f}" for f in set(value) - set(type(getattr(self, name)).model_fields)
                }
        if unknown:
            raise TypeError(f"unknown settings: {', '.join(sorted(unknown))}")
        update = {
            name: getattr(self, name).model_copy(update=value) if isinstance(value, dict) else value
            for name, value in changes.items()
        }
        return self.model_copy(update=update)


def _describe(exc: ValidationError) -> str:
    problems = []
    for error in exc.errors():
        loc = [str(part) for part in error["loc"]]
        name = loc[-1] if loc else "settings"
        field = Settings.model_fields.get(name) if len(loc) == 1 else None
        if field is not None and isinstance(field.validation_alias, str):
            name = field.validation_alias
        given = error.get("input")
        shown = f" (got {given!r})" if isinstance(given, str | int | float) else ""
        problems.append(f"{name}: {error['msg']}{shown}")
    return "invalid settings: " + "; ".join(problems)


__all__ = [
    "DEV_ENVIRONMENTS",
    "DEV_SECRET_KEY",
    "GROUPS",
    "VERSION",
    "BrokerSettings",
    "CacheSettings",
    "DatabaseSettings",
    "LimitSettings",
    "NotifySettings",
    "RealtimeSettings",
    "SearchSettings",
    "SecretsSettings",
    "Settings",
    "SettingsError",
    "WebSettings",
    "WorkerSettings",
]
