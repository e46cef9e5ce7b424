"""Logging setup for the long-running processes (never at import)."""

from __future__ import annotations

import logging

from core.settings import Settings


def setup_logging(settings: Settings) -> None:
    """Log to stderr at ``settings.log_level``."""
    logging.basicConfig(
        level=settings.log_level,
        format="%(asctime)s %(levelname)s %(process)d %(name)s: %(message)s",
    )
