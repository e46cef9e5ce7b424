"""Settings groups of the product: web, realtime, notifications, search, secrets, limits, bulk."""

from __future__ import annotations

import base64
import binascii
import hashlib
from pathlib import Path
from typing import Literal

from limits import parse_many
from pydantic import field_validator

from core.settings.base import _ORIGIN, _env, _Group, _split


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
      storage_url: the limiter's Redis (``RATE_LIMIT_STORAGE_URL``; empty: the broker Redis).
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
