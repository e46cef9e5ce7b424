"""HTTP rate limits: Flask-Limiter, counted on the broker Redis, per key, org and address.

Every ``/api/v1`` request falls in one class (:func:`request_class`) with two limits: one
per API key and a larger one per org. The ``jobs`` limits count jobs: a bulk start counts
each job it asks for. A request whose key is missing or bad counts against
its client address instead; past ``RATE_LIMIT_AUTH_FAILURES`` such requests answer 429
without touching the database, while valid keys from the same address are unaffected.
``/health``, ``/metrics`` and the console are outside ``/api/v1`` and never limited.

The caller has to be known before the limiter runs, so :func:`identify` (an app-level
``before_request`` registered ahead of the limiter's) authenticates API requests and keeps
a 401 for the API blueprint to raise.

Its storage (:mod:`web.ratelimit_storage`) costs one round trip to Redis per limit checked,
the headers' window included.

When the limiter's Redis fails, the request goes through (fail open): Flask-Limiter
swallows the error, :class:`_FailureCounter` counts it for ``/metrics`` and lets one
warning a minute through to the log. See docs/decisions/0012 for why not 503.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator

from flask import Flask, Response, g, request
from flask_limiter import HeaderNames, Limit, Limiter
from prometheus_client.core import CounterMetricFamily, Metric
from prometheus_client.registry import Collector

from core.settings import LimitSettings, Settings
from web.auth import Principal, authenticate
from web.errors import ApiError
from web.ratelimit_storage import storage_uri
from web.schemas import MAX_BULK_JOBS

log = logging.getLogger(__name__)
CLASSES = ("reads", "writes", "search", "jobs", "tickets")
LOG_EVERY_S = 60.0
_HEADERS = {
    HeaderNames.LIMIT: "RateLimit-Limit",
    HeaderNames.REMAINING: "RateLimit-Remaining",
    HeaderNames.RESET: "RateLimit-Reset",
    # Renamed, so the limiter does not stretch another answer's Retry-After (a 503's, a
    # backpressure 429's) to its window; _tidy_headers makes it Retry-After on its own 429.
    HeaderNames.RETRY_AFTER: "X-Limiter-Retry-After",
}


class _FailureCounter(logging.Filter):
    """Counts the errors Flask-Limiter swallows (its storage is down); logs one a minute.

    Flask-Limiter reports a swallowed storage error only by logging it on its logger, so
    this filter on that logger is where the count can be taken.
    """

    def __init__(self) -> None:
        super().__init__()
        self.failures = 0
        self._logged = 0.0

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.ERROR:
            return True
        self.failures += 1
        now = time.monotonic()
        if now - self._logged < LOG_EVERY_S:
            return False
        self._logged = now
        record.levelno, record.levelname = logging.WARNING, "WARNING"
        record.msg = "rate limits not enforced (limiter Redis failing, failing open): " + str(
            record.msg
        )
        record.exc_info = None  # one line, not a traceback per request
        return True


FAILURES = _FailureCounter()


class FailureCollector(Collector):
    """``saleshub_rate_limit_errors_total``: limiter Redis errors let through (this process)."""

    def collect(self) -> Iterator[Metric]:
        yield CounterMetricFamily(
            "saleshub_rate_limit_errors",
            "Requests let through because the limiter's Redis failed",
            value=FAILURES.failures,
        )


def request_class() -> str:
    """The limit class of the current API request."""
    endpoint = request.endpoint or ""
    if request.blueprint == "api.search":
        return "search"
    if endpoint in ("api.jobs.create_job", "api.jobs.create_jobs"):
        return "jobs"
    if request.blueprint == "api.ws_tickets":
        return "tickets"
    return "reads" if request.method in ("GET", "HEAD", "OPTIONS") else "writes"


def _in_api() -> bool:
    return (request.blueprint or "").partition(".")[0] == "api"


def identify() -> None:
    """Authenticate an API request before the limiter runs; keep a 401 for the blueprint."""
    if not _in_api() or "principal" in g or "auth_error" in g:
        return
    try:
        g.principal = authenticate()
    except ApiError as err:
        if err.status != 401:
            raise
        g.auth_error = err


def _caller() -> Principal | None:
    who: Principal | None = g.get("principal")
    return who


def _by_key() -> str:
    who = _caller()
    return f"key:{who.key_id}" if who and who.key_id else f"user:{who.user_id if who else 0}"


def _by_org() -> str:
    who = _caller()
    return f"org:{who.org_id if who else 0}"


def _by_address() -> str:
    return f"addr:{request.remote_addr or 'unknown'}"


def _jobs_asked() -> int:
    """What a request costs against the jobs limits: the jobs it asks for, else 1.

    A bulk start's count is read from its body before validation; a list validation will
    refuse (empty, or over MAX_BULK_JOBS) costs 1, as any bad request, and gets its 422.
    """
    if request.endpoint != "api.jobs.create_jobs":
        return 1
    body = request.get_json(silent=True)
    jobs = body.get("jobs") if isinstance(body, dict) else None
    return len(jobs) if isinstance(jobs, list) and 0 < len(jobs) <= MAX_BULK_JOBS else 1


def _exempt_unless(cls: str) -> Callable[[], bool]:
    return lambda: _caller() is None or request_class() != cls


def _limits(cfg: LimitSettings) -> list[Limit]:
    out = []
    for cls in CLASSES:
        exempt = _exempt_unless(cls)
        for who, key_fn, value in (
            ("key", _by_key, getattr(cfg, cls)),
            ("org", _by_org, getattr(cfg, f"org_{cls}")),
        ):
            out.append(
                Limit(value, key_function=key_fn, scope=f"{cls}:{who}", shared=True,
                      exempt_when=exempt, cost=_jobs_asked if cls == "jobs" else 1)
            )  # fmt: skip
    out.append(
        Limit(
            cfg.auth_failures,
            key_function=_by_address,
            scope="auth-failures",
            shared=True,
            # Only requests that failed authentication are checked, and only 401s count.
            exempt_when=lambda: "auth_error" not in g,
            deduct_when=lambda resp: resp.status_code == 401,
            error_message="too many requests with a missing or bad API key; retry later",
        )
    )
    return out


def _tidy_headers(resp: Response) -> Response:
    """``RateLimit-Reset`` in seconds from now (IETF draft); ``Retry-After`` on the limiter's 429.

    Registered before the limiter's own ``after_request``, so Flask runs it after that one.
    """
    reset = resp.headers.get("RateLimit-Reset")
    if reset is not None and reset.isdigit() and int(reset) > 1_000_000_000:
        resp.headers["RateLimit-Reset"] = str(max(0, int(reset) - int(time.time())))
    retry_after = resp.headers.pop("X-Limiter-Retry-After", None)
    if resp.status_code == 429 and retry_after is not None and "Retry-After" not in resp.headers:
        resp.headers["Retry-After"] = retry_after
    return resp


def install(app: Flask, settings: Settings) -> Limiter | None:
    """Identify API callers, then limit them; ``None`` when limits are off."""
    app.before_request(identify)
    cfg = settings.limits
    if not cfg.enabled:
        return None
    app.after_request(_tidy_headers)
    limiter_log = logging.getLogger("flask-limiter")
    if FAILURES not in limiter_log.filters:
        limiter_log.addFilter(FAILURES)
    limiter = Limiter(
        _by_key,
        default_limits=_limits(cfg),  # type: ignore[arg-type]
        headers_enabled=True,
        header_name_mapping=_HEADERS,
        strategy="sliding-window-counter",
        # Our storage subclass: two round trips per request instead of three (0046).
        storage_uri=storage_uri(cfg.storage_url or settings.broker.url),
        # Typed str | int by Flask-Limiter, passed through to redis-py, which takes floats.
        storage_options={"socket_timeout": cfg.timeout_s, "socket_connect_timeout": cfg.timeout_s},  # type: ignore[dict-item]
        swallow_errors=True,
        key_prefix=f"{settings.broker.namespace}:ratelimit",
    )
    limiter.init_app(app)
    app.extensions["saleshub.ratelimit"] = limiter
    return limiter
