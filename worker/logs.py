"""Logging setup for the long-running processes (never at import)."""

from __future__ import annotations

import logging

from core import logs
from core.settings import Settings


class _ResultsKeptFilter(logging.Filter):
    """Drop Dramatiq's "returned a value … no Results middleware" warning: the ledger keeps it."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "haven't added the Results middleware" not in str(record.msg)


def setup_logging(settings: Settings) -> None:
    """Log to stderr at ``settings.log_level``, as text or JSON (``settings.log_format``)."""
    logs.setup_logging(settings)
    logging.getLogger("dramatiq.worker.WorkerThread").addFilter(_ResultsKeptFilter())
