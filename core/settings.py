"""Settings: read once per process, into one typed object passed to factories.

Every knob is an environment variable (documented in the README with its default). A
process calls :meth:`Settings.from_env` once at start: it reads ``.env`` (written by
``make run``) under the process environment, validates every group, and stops with the
variable's name when a value is invalid. ``Settings(...)`` alone reads nothing: tests and
benchmarks build exactly the settings they mean.
"""

from __future__ import annotations

import base64
import binascii
import contextvars
import hashlib
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from dotenv import dotenv_values
from limits import parse_many
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

VERSION = "0.1.0"


class SettingsError(ValueError):
    """A setting is missing or malformed."""


def _env(name: str, default: Any, **kwargs: Any) -> Any:
    """A field read from the environment variable ``name``."""
    return Field(default, validation_alias=name, **kwargs)


class _Group(BaseModel):
    # Fields are filled by attribute name in code and by variable name from the environment.
    model_config = ConfigDict(
        frozen=True, extra="ignore", validate_by_name=True, validate_by_alias=True
    )


_ORIGIN = re.compile(r"https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?")


def _split(value: Any) -> Any:
    """``"a, b"`` from the environment as ``("a", "b")``."""
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    return value


class DatabaseSettings(_Group):
    """PostgreSQL.

    Parameters:
      url: SQLAlchemy URL (``DATABASE_URL``).
      pool_size: connections per process pool (``DB_POOL_SIZE``).
      connect_timeout_s: bound of opening one connection (``DB_CONNECT_TIMEOUT_S``; libpq
        waits at least 2 s).
      statement_timeout_ms: bound of one statement of a web request
        (``DB_STATEMENT_TIMEOUT_MS``; 0 means none). Jobs are bounded by their time limit.
    """

    url: str = _env("DATABASE_URL", "postgresql+psycopg://saleshub@127.0.0.1:5432/saleshub")
    pool_size: int = _env("DB_POOL_SIZE", 10, ge=1)
    connect_timeout_s: int = _env("DB_CONNECT_TIMEOUT_S", 5, ge=1)
    statement_timeout_ms: int = _env("DB_STATEMENT_TIMEOUT_MS", 30_000, ge=0)

    @property
    def psycopg_dsn(self) -> str:
        """The URL in libpq form, for raw psycopg connections."""
        return self.url.replace("postgresql+psycopg://", "postgresql://", 1)


class BrokerSettings(_Group):
    """The broker Redis (``noeviction``), the outbox relay and backpressure.

    Parameters:
      url: Redis URL of the broker role (``BROKER_URL``).
      namespace: key prefix of Dramatiq's keys (``BROKER_NAMESPACE``).
      relay_batch_size: staged jobs the relay sends per round trip.
      resend_after_s: a queued job whose message Redis lost is re-sent after this long.
      queue_max_depth: job-creating calls answer 503 past this many ready messages.
      max_memory_ratio: ... or past this share of the broker's ``maxmemory``.
      org_max_active_jobs: an org past this many queued or running jobs gets 429.
      socket_timeout_s: bound of every broker Redis call (``BROKER_SOCKET_TIMEOUT_S``), so
        a half-open connection cannot hang the relay, the lease or a request.
      relay_silent_s: ``/health`` answers 503 when no relay has reported for this long.
    """

    url: str = _env("BROKER_URL", "redis://127.0.0.1:6379/0")
    namespace: str = _env("BROKER_NAMESPACE", "dramatiq")
    relay_batch_size: int = _env("RELAY_BATCH_SIZE", 500, ge=1)
    resend_after_s: float = _env("RESEND_AFTER_S", 60.0, gt=0)
    queue_max_depth: int = _env("QUEUE_MAX_DEPTH", 100_000, ge=1)
    max_memory_ratio: float = _env("BROKER_MAX_MEMORY_RATIO", 0.8, gt=0, le=1)
    org_max_active_jobs: int = _env("ORG_MAX_ACTIVE_JOBS", 10_000, ge=1)
    socket_timeout_s: float = _env("BROKER_SOCKET_TIMEOUT_S", 5.0, gt=0)
    relay_silent_s: float = _env("RELAY_SILENT_S", 60.0, gt=0)


class WorkerSettings(_Group):
    """Worker and scheduler processes.

    Parameters:
      processes, threads: size of the ``python -m worker`` pool (``critical``, ``default``,
        ``bulk``): CPU and database work.
      delivery_processes, delivery_greenlets: size of the ``python -m worker --pool
        delivery`` pool (``email``, ``webhooks``, ``push``), run under gevent: each greenlet
        holds one outbound call while it waits.
      org_max_in_flight, org_max_in_flight_delivery: jobs of one org running at once in
        the worker pool / the delivery pool, across processes; the excess waits.
      org_defer_ms, org_defer_max_ms: a job over its org's cap is sent again after this,
        doubling per deferral up to the max.
      heartbeat_timeout_ms: a worker silent this long is dead; its messages are requeued.
      maintenance_interval_s: how often the scheduler drives Dramatiq's maintenance.
      max_attempts: attempts after which a message that keeps killing its worker is dead.
      scheduler_lease_ttl_ms: the scheduler lease; another scheduler takes over after it.
      schedule_time_scale: scale of every periodic schedule (tests compress the clock).
      canary_interval_s: how often the scheduler sends a canary job to every queue
        (``CANARY_INTERVAL_S``; 0: never).
      shutdown_grace_s: on SIGTERM a worker process stops fetching and lets its running jobs
        finish for this long, then hands the rest back to the queue
        (``WORKER_SHUTDOWN_GRACE_S``).
      traceback_max_chars: longest traceback kept per failed attempt (its tail is kept).
    """

    processes: int = _env("WORKER_PROCESSES", 2, ge=1)
    threads: int = _env("WORKER_THREADS", 8, ge=1)
    delivery_processes: int = _env("DELIVERY_PROCESSES", 1, ge=1)
    delivery_greenlets: int = _env("DELIVERY_GREENLETS", 256, ge=1)
    org_max_in_flight: int = _env("ORG_MAX_IN_FLIGHT", 8, ge=1)
    org_max_in_flight_delivery: int = _env("ORG_MAX_IN_FLIGHT_DELIVERY", 64, ge=1)
    org_defer_ms: int = _env("ORG_DEFER_MS", 1000, ge=1)
    org_defer_max_ms: int = _env("ORG_DEFER_MAX_MS", 30_000, ge=1)
    heartbeat_timeout_ms: int = _env("HEARTBEAT_TIMEOUT_MS", 30_000, ge=1)
    maintenance_interval_s: float = _env("MAINTENANCE_INTERVAL_S", 10.0, gt=0)
    max_attempts: int = _env("MAX_ATTEMPTS", 5, ge=1)
    scheduler_lease_ttl_ms: int = _env("SCHEDULER_LEASE_TTL_MS", 15_000, ge=1)
    schedule_time_scale: float = _env("SCHEDULE_TIME_SCALE", 1.0, gt=0)
    shutdown_grace_s: float = _env("WORKER_SHUTDOWN_GRACE_S", 30.0, ge=0)
    canary_interval_s: float = _env("CANARY_INTERVAL_S", 60.0, ge=0)
    traceback_max_chars: int = _env("TRACEBACK_MAX_CHARS", 16_000, ge=200)


class CacheSettings(_Group):
    """The cache Redis (may evict) and the response cache.

    Parameters:
      url: Redis URL of the cache role (``CACHE_URL``).
      enabled: ``False`` serves every read from PostgreSQL (``CACHE_ENABLED=0``).
      soft_ttl_s: after this a value is stale: served while one caller refreshes it.
      hard_ttl_s: after this Redis drops the value.
      jitter: both TTLs are stretched by up to this fraction, so keys written together do
        not expire together.
      compress_min_bytes: values at least this large are compressed.
      codec: ``zstd`` (default, see docs/decisions/0003), ``zlib`` or ``none``.
      timeout_ms: bound of every cache Redis call; past it the request uses PostgreSQL.
      breaker_s: after a failed call the cache is skipped this long (no timeout per request).
      lock_ttl_s: a single-flight lock outlives a crashed holder this long.
      lock_wait_ms: how long concurrent misses wait for the holder before computing.
      xfetch_beta: XFetch's beta; > 1 refreshes earlier, 0 disables early refresh.
      warm_top_keys: hottest keys per org the ``cache.warm`` job recomputes.
      hit_sample: share of lookups that count their keys' hits (weighted), for warming.
      refresh_on_write: recompute a written row's detail right after its commit.
    """

    url: str = _env("CACHE_URL", "redis://127.0.0.1:6379/1")
    enabled: bool = _env("CACHE_ENABLED", True)
    namespace: str = _env("CACHE_NAMESPACE", "shc")
    soft_ttl_s: float = _env("CACHE_SOFT_TTL_S", 60.0, gt=0)
    hard_ttl_s: float = _env("CACHE_HARD_TTL_S", 600.0, gt=0)
    jitter: float = _env("CACHE_TTL_JITTER", 0.1, ge=0, lt=1)
    compress_min_bytes: int = _env("CACHE_COMPRESS_MIN_BYTES", 1024, ge=0)
    codec: Literal["zstd", "zlib", "none"] = _env("CACHE_CODEC", "zstd")
    zstd_level: int = _env("CACHE_ZSTD_LEVEL", 1, ge=1, le=22)
    timeout_ms: float = _env("CACHE_TIMEOUT_MS", 100.0, gt=0)
    breaker_s: float = _env("CACHE_BREAKER_S", 1.0, ge=0)
    lock_ttl_s: float = _env("CACHE_LOCK_TTL_S", 10.0, gt=0)
    lock_wait_ms: float = _env("CACHE_LOCK_WAIT_MS", 3000.0, ge=0)
    xfetch_beta: float = _env("CACHE_XFETCH_BETA", 1.0, ge=0)
    warm_top_keys: int = _env("CACHE_WARM_TOP_KEYS", 50, ge=0)
    hit_sample: float = _env("CACHE_HIT_SAMPLE", 0.1, gt=0, le=1)
    refresh_on_write: bool = _env("CACHE_REFRESH_ON_WRITE", True)

    @model_validator(mode="after")
    def _ttls_ordered(self) -> CacheSettings:
        if self.soft_ttl_s > self.hard_ttl_s:
            raise ValueError("need CACHE_SOFT_TTL_S <= CACHE_HARD_TTL_S")
        return self

    @property
    def timeout_s(self) -> float:
        """``timeout_ms`` in seconds."""
        return self.timeout_ms / 1000

    @property
    def lock_wait_s(self) -> float:
        """``lock_wait_ms`` in seconds."""
        return self.lock_wait_ms / 1000


class WebSettings(_Group):
    """The web process.

    Parameters:
      public_url: the API's public origin, used in links (emails, pushes).
      max_body_bytes: larger request bodies answer 413.
      ws_allowed_origins: browser origins allowed to open /ws besides the API's own host.
      cors_allowed_origins: browser origins the API answers CORS requests from
        (``CORS_ALLOWED_ORIGINS``, exact ``scheme://host[:port]``; empty: none).
      idempotency_ttl_s: how long an ``Idempotency-Key`` answer is replayed.
      metrics_token: a bearer token that may read ``/metrics`` (empty: operator keys only).
      access_log: log one line per request (logger ``saleshub.access``).
    """

    public_url: str = _env("PUBLIC_URL", "http://127.0.0.1:8000")
    max_body_bytes: int = _env("MAX_BODY_BYTES", 1_048_576, ge=1)
    ws_allowed_origins: tuple[str, ...] = _env("WS_ALLOWED_ORIGINS", ())
    cors_allowed_origins: tuple[str, ...] = _env("CORS_ALLOWED_ORIGINS", ())
    idempotency_ttl_s: int = _env("IDEMPOTENCY_TTL_S", 86_400, ge=1)
    metrics_token: str = _env("METRICS_TOKEN", "", repr=False)
    access_log: bool = _env("ACCESS_LOG", True)

    _split_origins = field_validator("ws_allowed_origins", "cors_allowed_origins", mode="before")(
        _split
    )

    @field_validator("cors_allowed_origins")
    @classmethod
    def _exact_origins(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        # Exact origins only: flask-cors reads "*" as every origin, and a string with
        # regex characters as a pattern.
        for origin in value:
            if not _ORIGIN.fullmatch(origin):
                raise ValueError(f"{origin!r} is not an origin like https://app.example.com")
        return value


class RealtimeSettings(_Group):
    """The realtime process that serves ``/ws`` (gevent), and the limits of every socket.

    Parameters:
      websocket_url: the URL clients open, announced by ``GET /health`` (empty: derived from
        the request's host and ``realtime_port``, or the API's own origin where it serves
        ``/ws`` itself).
      realtime_port: the realtime process's port (read by the Procfile's shell too).
      max_per_user, max_per_org: open sockets across every realtime process; past them the
        handshake answers 429.
      send_timeout_s: deadline of one frame's send; a client that blocks it is cut off.
      slow_after_s: a socket whose oldest queued frame is older than this is closed (1013).
      inbound_per_s, inbound_burst: frames a client may send (token bucket).
      max_message_bytes: larger inbound frames close the socket (1009).
      activity_max_entries, activity_retention_s: an org's activity stream keeps about this
        many entries, none older than this (a resume from further back gets ``resync``).
      dashboard_interval_s: an org's dashboard deltas are pushed at most this often.
      presence_ttl_s: a socket whose heartbeat is older than this is offline (its process died).
    """

    websocket_url: str = _env("WEBSOCKET_URL", "")
    realtime_port: int = _env("REALTIME_PORT", 8001, ge=1, le=65535)
    max_per_user: int = _env("WS_MAX_PER_USER", 20, ge=1)
    max_per_org: int = _env("WS_MAX_PER_ORG", 2000, ge=1)
    send_timeout_s: float = _env("WS_SEND_TIMEOUT_S", 10.0, gt=0)
    slow_after_s: float = _env("WS_SLOW_AFTER_S", 10.0, gt=0)
    inbound_per_s: float = _env("WS_INBOUND_PER_S", 20.0, gt=0)
    inbound_burst: int = _env("WS_INBOUND_BURST", 40, ge=1)
    max_message_bytes: int = _env("WS_MAX_MESSAGE_BYTES", 16_384, ge=256)
    activity_max_entries: int = _env("ACTIVITY_MAX_ENTRIES", 10_000, ge=1)
    activity_retention_s: int = _env("ACTIVITY_RETENTION_S", 86_400, ge=1)
    dashboard_interval_s: float = _env("DASHBOARD_INTERVAL_S", 1.0, gt=0)
    presence_ttl_s: float = _env("PRESENCE_TTL_S", 30.0, ge=3)


class NotifySettings(_Group):
    """Notification channels: email, webhooks, web push, routing windows.

    Parameters:
      smtp_*, mail_from: the SMTP relay and sender (``smtp_security``: none, starttls, ssl).
      escalation_minutes: an unread critical notification escalates after this long.
      digest_window_s, throttle_window_s: digest period; repeat suppression per user.
      webhook_allowed_hosts: hosts webhooks may reach although they resolve to private
        addresses (tests, on-premise receivers).
      webhook_timeout_s: bound of one webhook call.
      webhook_retry_scale: scales the retry schedule and the breaker's pause (tests
        compress the clock).
      vapid_private_key, vapid_subject: web push signing.
      push_allowed_hosts: hosts push subscriptions may point at (``*.example.com`` matches
        its subdomains); ``webhook_allowed_hosts`` are allowed too.
      push_max_per_user: push subscriptions one user may hold.
      webhook_max_per_org: webhook endpoints one org may register.
      webhook_max_in_flight: deliveries to one endpoint at once (the rest wait).
      webhook_breaker_failures, webhook_breaker_pause_s: after this many failed attempts
        in a row an endpoint is paused this long (then one attempt tries it again).
    """

    smtp_host: str = _env("SMTP_HOST", "127.0.0.1")
    smtp_port: int = _env("SMTP_PORT", 1025, ge=1, le=65535)
    smtp_security: Literal["none", "starttls", "ssl"] = _env("SMTP_SECURITY", "none")
    smtp_user: str = _env("SMTP_USER", "")
    smtp_password: str = _env("SMTP_PASSWORD", "")
    mail_from: str = _env("MAIL_FROM", "SalesHub <notifications@saleshub.local>")
    escalation_minutes: float = _env("ESCALATION_MINUTES", 15.0, gt=0)
    digest_window_s: int = _env("DIGEST_WINDOW_S", 3600, ge=1)
    throttle_window_s: int = _env("THROTTLE_WINDOW_S", 600, ge=0)
    webhook_allowed_hosts: tuple[str, ...] = _env("WEBHOOK_ALLOWED_HOSTS", ())
    webhook_timeout_s: float = _env("WEBHOOK_TIMEOUT_S", 15.0, gt=0)
    webhook_retry_scale: float = _env("WEBHOOK_RETRY_SCALE", 1.0, gt=0)
    vapid_private_key: str = _env("VAPID_PRIVATE_KEY", "")
    vapid_subject: str = _env("VAPID_SUBJECT", "mailto:ops@saleshub.local")
    push_allowed_hosts: tuple[str, ...] = _env(
        "PUSH_ALLOWED_HOSTS",
        (
            "fcm.googleapis.com",
            "updates.push.services.mozilla.com",
            "*.notify.windows.com",
            "web.push.apple.com",
        ),
    )
    push_max_per_user: int = _env("PUSH_MAX_PER_USER", 10, ge=1)
    webhook_max_per_org: int = _env("WEBHOOK_MAX_PER_ORG", 20, ge=1)
    webhook_max_in_flight: int = _env("WEBHOOK_MAX_IN_FLIGHT", 4, ge=1)
    webhook_breaker_failures: int = _env("WEBHOOK_BREAKER_FAILURES", 5, ge=1)
    webhook_breaker_pause_s: float = _env("WEBHOOK_BREAKER_PAUSE_S", 300.0, gt=0)

    _split_hosts = field_validator("webhook_allowed_hosts", "push_allowed_hosts", mode="before")(
        _split
    )


class SearchSettings(_Group):
    """Search.

    Parameters:
      analytics_retention_days: days of search query statistics kept.
      vocab_max_terms: terms the typo-correction vocabularies of one process hold, all
        orgs together (an org's most frequent terms first; least recently used orgs go).
    """

    analytics_retention_days: int = _env("SEARCH_ANALYTICS_RETENTION_DAYS", 90, ge=1)
    vocab_max_terms: int = _env("SEARCH_VOCAB_MAX_TERMS", 1_000_000, ge=1000)


class SecretsSettings(_Group):
    """Encryption of the secrets SalesHub stores (webhook secrets, the VAPID key).

    Parameters:
      keys: Fernet keys (``SECRET_KEYS``, comma-separated): new values are encrypted with
        the first, stored ones decrypted with any, so a key is rotated by putting the new
        one first and running ``flask secrets rotate`` before dropping the old one. Empty:
        a development-only key (``DEV_SECRET_KEY``, public, in this file) where
        ``ENVIRONMENT`` is development, test or bench; any other environment refuses to start.
      webhook_overlap_s: after a webhook secret is rotated, deliveries are signed with the
        old secret too for this long (``WEBHOOK_SECRET_OVERLAP_S``).
    """

    keys: tuple[str, ...] = _env("SECRET_KEYS", (), repr=False)
    webhook_overlap_s: int = _env("WEBHOOK_SECRET_OVERLAP_S", 86_400, ge=0)

    _split_keys = field_validator("keys", mode="before")(_split)

    @field_validator("keys")
    @classmethod
    def _fernet_keys(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for key in value:
            try:
                raw = base64.urlsafe_b64decode(key.encode())
            except (binascii.Error, ValueError):
                raw = b""
            if len(raw) != 32:
                raise ValueError(
                    "each key must be 32 url-safe base64 bytes (Fernet.generate_key())"
                )
        return value


# The key used where SECRET_KEYS is empty: published here, so it protects nothing and is
# refused outside development, test and bench (see Settings._secret_keys_set).
DEV_SECRET_KEY = base64.urlsafe_b64encode(
    hashlib.sha256(b"saleshub development only, not a secret").digest()
).decode()
DEV_ENVIRONMENTS = frozenset({"development", "test", "bench"})


class LimitSettings(_Group):
    """HTTP rate limits (Flask-Limiter, counted on the broker Redis), in ``limits`` notation.

    Every API request falls in one class: ``search`` (``/search…``), ``jobs`` (``POST
    /jobs``), ``tickets`` (``POST /ws/ticket``), ``writes`` (any other non-GET) or ``reads``.
    Each class has a limit per API key and a larger one per org (all its keys together).

    Parameters:
      enabled: ``RATE_LIMIT_ENABLED=0`` turns every limit off.
      reads, writes, search, jobs, tickets: per API key (``RATE_LIMIT_<CLASS>``).
      org_reads … org_tickets: per org (``RATE_LIMIT_ORG_<CLASS>``).
      auth_failures: requests with a missing or bad key one client address may make
        (``RATE_LIMIT_AUTH_FAILURES``); past it such requests answer 429.
      storage_url: the limiter's Redis (``RATE_LIMIT_STORAGE_URL``; empty: ``BROKER_URL``).
      timeout_s: bound of one limiter Redis call; on an error the request is let through
        (fail open, logged and counted: see docs/decisions/0012).
    """

    enabled: bool = _env("RATE_LIMIT_ENABLED", True)
    reads: str = _env("RATE_LIMIT_READS", "1200/minute")
    writes: str = _env("RATE_LIMIT_WRITES", "300/minute")
    search: str = _env("RATE_LIMIT_SEARCH", "600/minute")
    jobs: str = _env("RATE_LIMIT_JOBS", "60/minute")
    tickets: str = _env("RATE_LIMIT_WS_TICKETS", "60/minute")
    org_reads: str = _env("RATE_LIMIT_ORG_READS", "6000/minute")
    org_writes: str = _env("RATE_LIMIT_ORG_WRITES", "1500/minute")
    org_search: str = _env("RATE_LIMIT_ORG_SEARCH", "3000/minute")
    org_jobs: str = _env("RATE_LIMIT_ORG_JOBS", "300/minute")
    org_tickets: str = _env("RATE_LIMIT_ORG_WS_TICKETS", "600/minute")
    auth_failures: str = _env("RATE_LIMIT_AUTH_FAILURES", "30/minute")
    storage_url: str = _env("RATE_LIMIT_STORAGE_URL", "")
    timeout_s: float = _env("RATE_LIMIT_TIMEOUT_S", 0.25, gt=0)

    @field_validator(
        "reads", "writes", "search", "jobs", "tickets", "org_reads", "org_writes",
        "org_search", "org_jobs", "org_tickets", "auth_failures",
    )  # fmt: skip
    @classmethod
    def _parses(cls, value: str) -> str:
        parse_many(value)  # raises ValueError naming the bad string
        return value


class BulkSettings(_Group):
    """Imports and exports: their files, sizes and links.

    Parameters:
      files_dir: where uploads, rejection reports and exports are kept, per org.
      import_max_bytes: larger uploads answer 413; chunk_rows: rows per import chunk job.
      link_ttl_s: how long a signed download link of an export stays valid.
      signing_key: signs those links (empty: a random key kept in the broker Redis).
    """

    files_dir: Path = _env("FILES_DIR", Path("./var/files"))
    import_max_bytes: int = _env("IMPORT_MAX_BYTES", 200 * 1024 * 1024, ge=1)
    chunk_rows: int = _env("IMPORT_CHUNK_ROWS", 25_000, ge=1)
    link_ttl_s: int = _env("EXPORT_LINK_TTL_S", 3600, ge=1)
    signing_key: str = _env("FILES_SIGNING_KEY", "", repr=False)


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
