"""Schemathesis against a live test server: the OpenAPI document is the server's contract.

Every default check, every phase (examples, coverage, fuzzing, stateful): a bounded run
here (``make test``), a longer one with ``make fuzz`` (``FUZZ_EXAMPLES``, ``FUZZ_SECONDS``).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from flask import Flask
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from models.db import session_scope
from tests.conftest import auth
from tests.support.factories import make_tenant
from tests.support.stack import ServeApp, uncovered_env

ST = Path(sys.executable).with_name("st")
CONFIG = Path(__file__).resolve().parents[2] / "schemathesis.toml"


def _run(url: str, key: str, report: Path) -> subprocess.CompletedProcess[str]:
    examples = os.environ.get("FUZZ_EXAMPLES", "3")
    cmd = [
        str(ST), "--config-file", str(CONFIG), "run", f"{url}/openapi.json",
        "--header", f"Authorization: {auth(key)['Authorization']}",
        "--max-examples", examples,
        "--seed", os.environ.get("FUZZ_SEED", "1"),
        "--workers", "1",
        "--request-timeout", "30",
        "--report", "ndjson", "--report-dir", str(report),
        "--no-color",
    ]  # fmt: skip
    if seconds := os.environ.get("FUZZ_SECONDS"):
        cmd += ["--max-time", seconds]
    result = subprocess.run(
        cmd, env=uncovered_env(), capture_output=True, text=True, timeout=3600, check=False
    )
    (report / "stdout.txt").write_text(result.stdout)
    return result


def _fuzzer_key(sessions: sessionmaker[Session]) -> str:
    """An operator's key whose user and key ids the fuzzer will not draw.

    Schemathesis tries small ids (1, 2, ...) on ``/users/{user_id}`` and ``/keys/{key_id}``:
    with the usual ids it would revoke its own key or disable its own user, and every later
    request would be a 401.
    """
    with session_scope(sessions) as session:
        for seq in ("users_id_seq", "api_keys_id_seq"):
            session.execute(text("SELECT setval(:seq, 1000000000000000)"), {"seq": seq})
        tenant = make_tenant(session, "Fuzz")
    return tenant.operator


def test_schemathesis_finds_nothing(
    make_app: Callable[..., Flask], sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    # The fuzzer sends requests without a key on purpose (a 401 is checked for each): the
    # limit on failed authentications per address (a 429 past it) would answer them first.
    app = make_app(limits={"auth_failures": "1000000/minute"})
    key = _fuzzer_key(sessions)
    report = Path(os.environ.get("FUZZ_REPORT_DIR", tmp_path))
    with ServeApp(app) as served:
        result = _run(served.http, key, report)
    assert result.returncode == 0, result.stdout[-20000:] + result.stderr[-4000:]
