"""Settings: read from the environment once, into one typed object passed to factories."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

VERSION = "0.1.0"


class SettingsError(ValueError):
    """A setting is missing or malformed."""


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be an integer, got {raw!r}") from None


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return float(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a number, got {raw!r}") from None


@dataclass(frozen=True)
class Settings:
    """Every knob SalesHub reads, with its default.

    Parameters:
      database_url: SQLAlchemy URL of PostgreSQL (``DATABASE_URL``).
      broker_url: Redis URL of the broker role, ``noeviction`` (``BROKER_URL``).
      cache_url: Redis URL of the cache role, may evict (``CACHE_URL``).
    """

    database_url: str = "postgresql+psycopg://saleshub@127.0.0.1:5432/saleshub"
    broker_url: str = "redis://127.0.0.1:6379/0"
    cache_url: str = "redis://127.0.0.1:6379/1"
    environment: str = "development"
    # Broker namespace: keys are ``<namespace>:<queue>``.
    broker_namespace: str = "dramatiq"
    # A worker silent this long is dead; its unacked messages go back to their queue.
    heartbeat_timeout_ms: int = 30_000
    # How often the scheduler process drives Dramatiq's maintenance (requeue of dead workers').
    maintenance_interval_s: float = 10.0
    # Attempts after which a message that keeps killing its worker is marked dead.
    max_attempts: int = 5
    # The relay re-sends a queued job whose message Redis lost after this long.
    resend_after_s: float = 60.0
    relay_batch_size: int = 500
    scheduler_lease_ttl_ms: int = 15_000
    # Scale of every periodic schedule (tests compress the clock with a smaller value).
    schedule_time_scale: float = 1.0
    # Backpressure: job-creating calls answer 503 past these, 429 for an org past its share.
    queue_max_depth: int = 100_000
    broker_max_memory_ratio: float = 0.8
    org_max_active_jobs: int = 10_000
    max_body_bytes: int = 1_048_576
    # Browser origins allowed to open /ws besides the API's own host.
    ws_allowed_origins: tuple[str, ...] = ()
    idempotency_ttl_s: int = 86_400
    db_pool_size: int = 10
    # Notifications.
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    smtp_security: str = "none"  # none | starttls | ssl
    smtp_user: str = ""
    smtp_password: str = ""
    mail_from: str = "SalesHub <notifications@saleshub.local>"
    public_url: str = "http://127.0.0.1:8000"
    escalation_minutes: float = 15.0
    digest_window_s: int = 3600
    throttle_window_s: int = 600
    webhook_allowed_hosts: tuple[str, ...] = ()
    webhook_timeout_s: float = 15.0
    # Scales the webhook retry schedule (tests compress the clock with a small value).
    webhook_retry_scale: float = 1.0
    vapid_private_key: str = ""
    vapid_subject: str = "mailto:ops@saleshub.local"
    log_level: str = "INFO"
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Build settings from ``env`` (default: ``os.environ``), falling back to defaults."""
        env = os.environ if env is None else env
        d = cls()
        return cls(
            database_url=env.get("DATABASE_URL") or d.database_url,
            broker_url=env.get("BROKER_URL") or d.broker_url,
            cache_url=env.get("CACHE_URL") or d.cache_url,
            environment=env.get("ENVIRONMENT") or d.environment,
            broker_namespace=env.get("BROKER_NAMESPACE") or d.broker_namespace,
            heartbeat_timeout_ms=_int(env, "HEARTBEAT_TIMEOUT_MS", d.heartbeat_timeout_ms),
            maintenance_interval_s=_float(env, "MAINTENANCE_INTERVAL_S", d.maintenance_interval_s),
            max_attempts=_int(env, "MAX_ATTEMPTS", d.max_attempts),
            resend_after_s=_float(env, "RESEND_AFTER_S", d.resend_after_s),
            relay_batch_size=_int(env, "RELAY_BATCH_SIZE", d.relay_batch_size),
            scheduler_lease_ttl_ms=_int(env, "SCHEDULER_LEASE_TTL_MS", d.scheduler_lease_ttl_ms),
            schedule_time_scale=_float(env, "SCHEDULE_TIME_SCALE", d.schedule_time_scale),
            queue_max_depth=_int(env, "QUEUE_MAX_DEPTH", d.queue_max_depth),
            broker_max_memory_ratio=_float(
                env, "BROKER_MAX_MEMORY_RATIO", d.broker_max_memory_ratio
            ),
            org_max_active_jobs=_int(env, "ORG_MAX_ACTIVE_JOBS", d.org_max_active_jobs),
            max_body_bytes=_int(env, "MAX_BODY_BYTES", d.max_body_bytes),
            ws_allowed_origins=tuple(
                o.strip() for o in env.get("WS_ALLOWED_ORIGINS", "").split(",") if o.strip()
            ),
            idempotency_ttl_s=_int(env, "IDEMPOTENCY_TTL_S", d.idempotency_ttl_s),
            db_pool_size=_int(env, "DB_POOL_SIZE", d.db_pool_size),
            smtp_host=env.get("SMTP_HOST") or d.smtp_host,
            smtp_port=_int(env, "SMTP_PORT", d.smtp_port),
            smtp_security=env.get("SMTP_SECURITY") or d.smtp_security,
            smtp_user=env.get("SMTP_USER") or d.smtp_user,
            smtp_password=env.get("SMTP_PASSWORD") or d.smtp_password,
            mail_from=env.get("MAIL_FROM") or d.mail_from,
            public_url=env.get("PUBLIC_URL") or d.public_url,
            escalation_minutes=_float(env, "ESCALATION_MINUTES", d.escalation_minutes),
            digest_window_s=_int(env, "DIGEST_WINDOW_S", d.digest_window_s),
            throttle_window_s=_int(env, "THROTTLE_WINDOW_S", d.throttle_window_s),
            webhook_allowed_hosts=tuple(
                h.strip() for h in env.get("WEBHOOK_ALLOWED_HOSTS", "").split(",") if h.strip()
            ),
            webhook_timeout_s=_float(env, "WEBHOOK_TIMEOUT_S", d.webhook_timeout_s),
            webhook_retry_scale=_float(env, "WEBHOOK_RETRY_SCALE", d.webhook_retry_scale),
            vapid_private_key=env.get("VAPID_PRIVATE_KEY") or d.vapid_private_key,
            vapid_subject=env.get("VAPID_SUBJECT") or d.vapid_subject,
            log_level=env.get("LOG_LEVEL") or d.log_level,
        )

    def replace(self, **changes: Any) -> Settings:
        """A copy with ``changes`` applied."""
        return dataclasses.replace(self, **changes)

    @property
    def psycopg_dsn(self) -> str:
        """The database URL in libpq form, for raw psycopg connections."""
        return self.database_url.replace("postgresql+psycopg://", "postgresql://", 1)
