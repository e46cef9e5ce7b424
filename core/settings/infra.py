"""Settings groups of the infrastructure: database, broker, worker pools, cache."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import model_validator

from core.settings.base import _env, _Group


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


# BROKER_URL with one of these schemes selects RabbitMQ (issue 15).
AMQP_SCHEMES = ("amqp://", "amqps://")
# The fields the broker validator reconciles, and their variables.
_BROKER_FIELDS = {
    "url": "BROKER_URL",
    "redis_url": "BROKER_REDIS_URL",
    "kind": "BROKER_KIND",
    "rabbitmq_url": "RABBITMQ_URL",
}
_BROKER_KEYS = {*_BROKER_FIELDS, *_BROKER_FIELDS.values()}


class BrokerSettings(_Group):
    """The job broker, the broker Redis (``noeviction``), the outbox relay and backpressure.

    Parameters:
      kind: where job messages go (``BROKER_KIND``): ``redis`` (the broker Redis) or
        ``rabbitmq`` (quorum queues at ``rabbitmq_url``; docs/decisions/0020). Default:
        ``rabbitmq`` when ``BROKER_URL`` is an AMQP URL, else ``redis``.
      url: Redis URL of the broker Redis: pub/sub, leases, rate limits, heartbeats and job
        status, and the job queues with ``kind=redis``. Read from ``BROKER_REDIS_URL``, else
        from ``BROKER_URL`` when that is a Redis URL. ``BROKER_URL=amqp://…`` (or
        ``amqps://``) selects RabbitMQ instead and then needs ``BROKER_REDIS_URL``.
      rabbitmq_url: AMQP URL of RabbitMQ (``RABBITMQ_URL``; ``;``-separated for a cluster);
        default: ``BROKER_URL`` when that is an AMQP URL.
      prefetch: messages a worker process holds per queue (``BROKER_PREFETCH``; 0: Dramatiq's
        default, twice the threads).
      delivery_limit: RabbitMQ dead-letters a message delivered this many times without an
        ack, e.g. one that keeps killing its worker (``RABBITMQ_DELIVERY_LIMIT``).
      confirm_timeout_s: the relay waits this long for RabbitMQ to confirm a batch, then
        rolls it back and sends it again (``RELAY_CONFIRM_TIMEOUT_S``).
      namespace: key prefix of Dramatiq's keys (``BROKER_NAMESPACE``).
      relay_batch_size: staged jobs the relay sends per round trip.
      relay_connections: PostgreSQL connections a relay drains a backlog on at once, each
        claiming its own batches (``RELAY_CONNECTIONS``; Redis broker only, RabbitMQ's
        publisher takes one batch at a time).
      resend_after_s: a queued job whose message Redis lost is re-sent after this long.
      queue_max_depth: job-creating calls answer 503 past this many ready messages.
      max_memory_ratio: ... or past this share of the broker's ``maxmemory``.
      org_max_active_jobs: an org past this many queued or running jobs gets 429.
      socket_timeout_s: bound of every broker Redis call (``BROKER_SOCKET_TIMEOUT_S``), so
        a half-open connection cannot hang the relay, the lease or a request.
      relay_silent_s: ``/health`` answers 503 when no relay has reported for this long.
    """

    kind: Literal["redis", "rabbitmq"] = _env("BROKER_KIND", "redis")
    url: str = _env("BROKER_URL", "redis://127.0.0.1:6379/0")
    rabbitmq_url: str = _env("RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/%2F")
    prefetch: int = _env("BROKER_PREFETCH", 0, ge=0)
    delivery_limit: int = _env("RABBITMQ_DELIVERY_LIMIT", 20, ge=1)
    confirm_timeout_s: float = _env("RELAY_CONFIRM_TIMEOUT_S", 10.0, gt=0)
    namespace: str = _env("BROKER_NAMESPACE", "dramatiq")
    relay_batch_size: int = _env("RELAY_BATCH_SIZE", 500, ge=1)
    relay_connections: int = _env("RELAY_CONNECTIONS", 2, ge=1, le=16)
    resend_after_s: float = _env("RESEND_AFTER_S", 60.0, gt=0)
    queue_max_depth: int = _env("QUEUE_MAX_DEPTH", 100_000, ge=1)
    max_memory_ratio: float = _env("BROKER_MAX_MEMORY_RATIO", 0.8, gt=0, le=1)
    org_max_active_jobs: int = _env("ORG_MAX_ACTIVE_JOBS", 10_000, ge=1)
    socket_timeout_s: float = _env("BROKER_SOCKET_TIMEOUT_S", 5.0, gt=0)
    relay_silent_s: float = _env("RELAY_SILENT_S", 60.0, gt=0)

    @model_validator(mode="before")
    @classmethod
    def _broker_url_selects_the_broker(cls, data: Any) -> Any:
        # Issue 15 asks for ``BROKER_URL=amqp://…``; BROKER_URL was (and by default stays)
        # the broker Redis, so an AMQP one moves the Redis to BROKER_REDIS_URL (0020).
        if not isinstance(data, dict):
            return data
        given = {
            field: next((data[k] for k in (alias, field) if data.get(k) is not None), None)
            for field, alias in _BROKER_FIELDS.items()
        }
        url, redis_url = given["url"], given["redis_url"]
        out = {k: v for k, v in data.items() if k not in _BROKER_KEYS}
        out.update({f: v for f, v in given.items() if v is not None and f != "redis_url"})
        if isinstance(url, str) and url.lower().startswith(AMQP_SCHEMES):
            if given["kind"] not in (None, "rabbitmq"):
                raise ValueError(
                    f"BROKER_URL is an AMQP URL but BROKER_KIND is {given['kind']!r}:"
                    " leave BROKER_KIND unset or set it to rabbitmq"
                )
            if given["rabbitmq_url"] not in (None, url):
                raise ValueError(
                    "BROKER_URL and RABBITMQ_URL name two different RabbitMQ URLs: set one"
                )
            if not redis_url:
                raise ValueError(
                    "BROKER_REDIS_URL must be set when BROKER_URL is an AMQP URL: the broker"
                    " Redis holds pub/sub, leases, rate limits and heartbeats (noeviction)"
                )
            out.update(kind="rabbitmq", rabbitmq_url=url, url=redis_url)
        elif redis_url:
            if url is not None and url != redis_url:
                raise ValueError(
                    "BROKER_URL and BROKER_REDIS_URL name two different Redis servers: set"
                    " BROKER_REDIS_URL alone, or BROKER_URL to the RabbitMQ URL"
                )
            out["url"] = redis_url
        return out


class WorkerSettings(_Group):
    """Worker and scheduler processes.

    Parameters:
      processes, threads: size of the ``python -m worker`` pool (``critical``, ``default``,
        ``bulk``): CPU and database work.
      bulk_processes: more processes (``threads`` each), for ``bulk`` alone; then the
        ``processes`` take ``critical`` and ``default`` only (0: they take all three).
      bulk_nice: the niceness the ``bulk`` processes run at (the CPU goes to the others
        first when both want it).
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
    bulk_processes: int = _env("WORKER_BULK_PROCESSES", 2, ge=0)
    bulk_nice: int = _env("WORKER_BULK_NICE", 10, ge=0, le=19)
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
