"""Schemathesis against a live test server: the OpenAPI document is the server's contract.

Every default check, every phase (examples, coverage, fuzzing, stateful): a bounded run
here (``make test``), a longer one with ``make fuzz`` (``FUZZ_EXAMPLES``, ``FUZZ_SECONDS``).
The served app has its rate limits lifted (only here), and ``tests/support/fuzz_auth.py``
gives the fuzzer back its key, user and role whenever a call took them away.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import redis
from flask import Flask
from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from core.settings import Settings
from models import ApiKey, Notification, User
from models.db import session_scope
from tests.conftest import auth
from tests.support import deadletters
from tests.support.factories import make_tenant
from tests.support.stack import ServeApp, uncovered_env
from web.auth import hash_key

ROOT = Path(__file__).resolve().parents[2]
ST = Path(sys.executable).with_name("st")
CONFIG = ROOT / "schemathesis.toml"
HOOKS = ROOT / "tests" / "support" / "fuzz_auth.py"
# Thousands of requests a minute from one key and org: the limits would answer most of
# them 429 (documented, so no failure, but nothing else would be tested). Only here.
UNLIMITED = "1000000/minute"
LIFTED = {
    name: UNLIMITED
    for name in (
        "reads", "writes", "search", "jobs", "tickets", "org_reads", "org_writes",
        "org_search", "org_jobs", "org_tickets", "auth_failures",
    )
}  # fmt: skip


def _run(url: str, key: str, report: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
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
        cmd, env={**uncovered_env(), **env}, capture_output=True, text=True, timeout=3600,
        check=False,
    )  # fmt: skip
    (report / "command.txt").write_text(" ".join([*cmd[:4], "<url>/openapi.json", *cmd[7:]]))
    (report / "stdout.txt").write_text(result.stdout)
    return result


def _fuzzer(sessions: sessionmaker[Session]) -> tuple[str, dict[str, str]]:
    """An operator's key, and what the auth hook needs to keep it working.

    Its user and key ids are past what the fuzzer draws (it tries 1, 2, ... on
    ``/users/{user_id}`` and ``/keys/{key_id}``); links from ``GET /users`` and
    ``GET /keys`` still lead to them, which is what the hook (``fuzz_auth``) undoes.
    """
    with session_scope(sessions) as session:
        for seq in ("users_id_seq", "api_keys_id_seq"):
            session.execute(text("SELECT setval(:seq, 1000000000000000)"), {"seq": seq})
        tenant = make_tenant(session, "Fuzz")
        key = session.scalars(
            select(ApiKey).where(ApiKey.key_hash == hash_key(tenant.operator))
        ).one()
        user = session.get(User, key.user_id)
        assert user is not None
        # Notifications come from jobs, and none run here: a few in the inbox, so that
        # the links from GET /notifications lead somewhere.
        for n in range(3):
            session.add(
                Notification(
                    org_id=user.org_id, user_id=user.id, event_key=f"fuzz-{n}",
                    category="deal.won", urgency="normal", title=f"Deal {n} won",
                )
            )  # fmt: skip
        ids = {"FUZZ_USER_ID": str(user.id), "FUZZ_KEY_ID": str(key.id)}
    return tenant.operator, ids


def _dead_letters(settings: Settings) -> None:
    """A few dead letters, so that the links from their list lead somewhere: only a job
    that failed for good makes one, and nothing runs jobs during the fuzz."""
    with redis.Redis.from_url(settings.broker.url) as client:
        deadletters.seed(client, settings.broker.namespace, "default", [1.0, 2.0, 3.0])


def test_schemathesis_finds_nothing(
    make_app: Callable[..., Flask],
    sessions: sessionmaker[Session],
    settings: Settings,
    tmp_path: Path,
) -> None:
    # The fuzzer also sends requests without a key on purpose (a 401 is checked for each):
    # the limit on failed authentications per address is lifted with the others.
    app = make_app(limits=LIFTED)
    key, ids = _fuzzer(sessions)
    _dead_letters(settings)
    report = Path(os.environ.get("FUZZ_REPORT_DIR", tmp_path))
    report.mkdir(parents=True, exist_ok=True)
    env = {
        **ids,
        "SCHEMATHESIS_HOOKS": str(HOOKS),
        "FUZZ_DATABASE_URL": settings.database.url,
        "FUZZ_RESTORED_LOG": str(report / "restored.txt"),
    }
    with ServeApp(app) as served:
        result = _run(served.http, key, report, env)
    assert result.returncode == 0, result.stdout[-20000:] + result.stderr[-4000:]
