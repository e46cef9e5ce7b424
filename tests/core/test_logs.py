"""Logging from settings: level, text or JSON, the request id on every record."""

from __future__ import annotations

import io
import logging
import sys
from collections.abc import Iterator

import orjson
import pytest

from core import logs
from core.settings import Settings


@pytest.fixture
def root(capsys: pytest.CaptureFixture[str]) -> Iterator[logging.Logger]:
    # capsys: sys.stderr is a stream of this test's own (with getvalue) while it runs.
    logger = logging.getLogger()
    handlers, level = list(logger.handlers), logger.level
    # Outside any request or job, whatever an earlier test in this thread left bound.
    rid, job = logs.request_id.set(None), logs.job.set(None)
    yield logger
    logs.job.reset(job)
    logs.request_id.reset(rid)
    logger.handlers[:] = handlers
    logger.setLevel(level)


def _ours(root: logging.Logger) -> logging.StreamHandler:
    mine = [h for h in root.handlers if isinstance(h, logs._Handler)]
    assert len(mine) == 1  # a second setup replaces the first
    return mine[0]


def test_records_go_to_the_stderr_of_the_moment_not_of_the_setup(
    root: logging.Logger, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    logs.setup_logging(Settings(log_level="INFO"))
    _ours(root)
    first = sys.stderr  # a test runner swaps in a stream per test and closes it after
    later = io.StringIO()
    monkeypatch.setattr(sys, "stderr", later)
    logging.getLogger("saleshub.test").info("after the swap")
    assert "after the swap" in later.getvalue()
    monkeypatch.setattr(sys, "stderr", first)
    assert "after the swap" not in capsys.readouterr().err


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


def test_a_jobs_ids_are_on_its_records_as_json_and_text(root: logging.Logger) -> None:
    logs.setup_logging(Settings(log_format="json"))
    handler = _ours(root)
    with logs.job_context(message_id="m-1", actor="search.reindex", org_id=7):
        logging.getLogger("t").info("inside")
    logging.getLogger("t").info("after")
    inside, after = (orjson.loads(x) for x in handler.stream.getvalue().splitlines()[-2:])
    assert (inside["message_id"], inside["actor"], inside["org_id"]) == ("m-1", "search.reindex", 7)
    assert "request_id" not in inside and "context" not in inside
    assert not {"message_id", "actor", "org_id"} & set(after)
    logs.setup_logging(Settings(log_format="text"))
    handler = _ours(root)
    with logs.job_context(message_id="m-2", actor="cache.warm", org_id=None):
        logging.getLogger("t").warning("text")
    assert "[m-2 cache.warm org=-]: text" in handler.stream.getvalue()


def test_a_web_callers_org_and_user_are_on_its_records(root: logging.Logger) -> None:
    logs.setup_logging(Settings(log_format="text"))
    handler = _ours(root)
    rid, who = logs.request_id.set("rid-9"), logs.caller.set({"org_id": 3, "user_id": 5})
    try:
        logging.getLogger("t").warning("signed in")
        with logs.job_context(message_id="m-3", actor="cache.warm", org_id=4):
            logging.getLogger("t").warning("a job's ids win")
    finally:
        logs.caller.reset(who)
        logs.request_id.reset(rid)
    out = handler.stream.getvalue()
    assert "[rid-9 org=3]: signed in" in out and "[m-3 cache.warm org=4]: a job's ids win" in out
