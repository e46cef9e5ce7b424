"""Logging from settings: level, text or JSON, the request id on every record."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import orjson
import pytest

from core import logs
from core.settings import Settings


@pytest.fixture
def root() -> Iterator[logging.Logger]:
    logger = logging.getLogger()
    handlers, level = list(logger.handlers), logger.level
    yield logger
    logger.handlers[:] = handlers
    logger.setLevel(level)


def _ours(root: logging.Logger) -> logging.StreamHandler:  # type: ignore[type-arg]
    mine = [h for h in root.handlers if isinstance(h, logs._Handler)]
    assert len(mine) == 1  # a second setup replaces the first
    mine[0].setStream(io.StringIO())
    return mine[0]


def test_json_lines_carry_the_request_id_and_extras(root: logging.Logger) -> None:
    logs.setup_logging(Settings(log_level="DEBUG", log_format="json"))
    logs.setup_logging(Settings(log_level="DEBUG", log_format="json"))
    handler = _ours(root)
    assert root.level == logging.DEBUG
    token = logs.request_id.set("rid-7")
    try:
        logging.getLogger("t").info("hello %s", "x", extra={"status": 201})
    finally:
        logs.request_id.reset(token)
    line = orjson.loads(handler.stream.getvalue().splitlines()[-1])
    assert line["message"] == "hello x" and line["level"] == "INFO" and line["logger"] == "t"
    assert line["request_id"] == "rid-7" and line["status"] == 201


def test_text_is_the_default_and_reads_the_level(root: logging.Logger) -> None:
    settings = Settings.from_env({"LOG_LEVEL": "warning", "LOG_FORMAT": "TEXT"}, env_file=None)
    assert settings.log_format == "text"
    logs.setup_logging(settings)
    handler = _ours(root)
    logging.getLogger("t").info("quiet")
    logging.getLogger("t").warning("loud")
    out = handler.stream.getvalue()
    assert "quiet" not in out and "WARNING" in out and "[-]: loud" in out
