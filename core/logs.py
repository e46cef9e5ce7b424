"""Logging for every process, from settings: text or JSON lines on stderr (never at import).

A request id (web) is bound in :data:`request_id`, the authenticated caller's org and user
id (web, once the API key is known) in :data:`caller`, and a job's message id, actor and org
id (worker: ``core.queueing.log_context.LogContext``; scheduler: each job it stages) in
:data:`job`; all are added to every record logged while they are set, so one request's or
one message's lines, or one org's, can be found together.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, TextIO

import orjson

from core.settings import Settings

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
JOB_FIELDS = ("message_id", "actor", "org_id")
job: ContextVar[dict[str, Any] | None] = ContextVar("job", default=None)
# The web request's caller: {"org_id": …, "user_id": …} once authenticated.
caller: ContextVar[dict[str, int] | None] = ContextVar("caller", default=None)
CALLER_FIELDS = ("user_id",)  # org_id is one of JOB_FIELDS already
# [context]: "request_id org=N" in web (the request id alone before authentication),
# "message_id actor org=N" in a job, "-" elsewhere.
TEXT_FORMAT = "%(asctime)s %(levelname)s %(process)d %(name)s [%(context)s]: %(message)s"
# LogRecord attributes that are not "extra" fields a caller passed.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "request_id",
    "context",
    *JOB_FIELDS,
    *CALLER_FIELDS,
}


@contextmanager
def job_context(*, message_id: str, actor: str, org_id: int | None) -> Iterator[None]:
    """Bind one message's ids to every record logged inside the block."""
    token = job.set({"message_id": message_id, "actor": actor, "org_id": org_id})
    try:
        yield
    finally:
        job.reset(token)


class ContextFilter(logging.Filter):
    """Add ``request_id`` (``-`` outside a request), the job's or caller's fields, ``context``."""

    def filter(self, record: logging.LogRecord) -> bool:
        rid = request_id.get()
        record.request_id = rid or "-"
        bound, who = job.get(), caller.get()
        for name in JOB_FIELDS:
            setattr(record, name, bound.get(name) if bound else None)
        if bound:
            org = bound.get("org_id")
            record.context = f"{bound['message_id']} {bound['actor']} org={org if org else '-'}"
        elif who:
            record.org_id, record.user_id = who["org_id"], who["user_id"]
            record.context = f"{rid or '-'} org={who['org_id']}"
        else:
            record.context = rid or "-"
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id and extras."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "process": record.process,
        }
        rid = getattr(record, "request_id", "-")
        if rid != "-":
            out["request_id"] = rid
        for name in (*JOB_FIELDS, *CALLER_FIELDS):
            value = getattr(record, name, None)
            if value is not None:
                out[name] = value
        out.update({k: v for k, v in vars(record).items() if k not in _STANDARD})
        if record.exc_info:
            out["exc_info"] = self.formatException(record.exc_info)
        return orjson.dumps(out, default=str).decode()


class _Handler(logging.StreamHandler):
    """Ours, so a second setup (a second app in one process) replaces it.

    It writes to whatever ``sys.stderr`` is when a record is emitted, as logging's own
    last-resort handler does, not to the stream of the moment it was set up: a process
    that swaps stderr (a test runner capturing output, a daemon redirecting it) would
    otherwise leave long-lived threads writing to a closed file.
    """

    def __init__(self) -> None:
        logging.Handler.__init__(self)

    @property
    def stream(self) -> TextIO:
        return sys.stderr


def setup_logging(settings: Settings) -> None:
    """Log to stderr at ``settings.log_level`` in ``settings.log_format``."""
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _Handler)]:
        root.removeHandler(old)
    handler = _Handler()
    handler.addFilter(ContextFilter())
    handler.setFormatter(
        JsonFormatter() if settings.log_format == "json" else logging.Formatter(TEXT_FORMAT)
    )
    root.addHandler(handler)
    root.setLevel(settings.log_level)
