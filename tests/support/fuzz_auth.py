"""Schemathesis hook: the fuzzer keeps its own key, user and role (``SCHEMATHESIS_HOOKS``).

A stateful run follows ``GET /users`` -> ``PATCH /users/{user_id}`` and ``GET /keys`` ->
``DELETE /keys/{key_id}`` with the first row's id, which can be the fuzzer's own: it
disables itself, demotes itself or revokes its key, and every later request is a 401 or
403 that the run reports as failures of operations that did nothing wrong. After each
call that can change users or keys, this puts the fuzzer's user and key back as they were
(operator, enabled, not revoked, not expiring), straight in the database.

Loaded by ``st`` from this file's path, outside the project's import path: it reads the
database URL and the ids from ``FUZZ_DATABASE_URL``, ``FUZZ_USER_ID`` and ``FUZZ_KEY_ID``
and appends a line to ``FUZZ_RESTORED_LOG`` (if set) each time it had to restore.
"""

from __future__ import annotations

import os
from typing import Any

import psycopg
import schemathesis

ACCESS_PATHS = ("/api/v1/users", "/api/v1/keys")
_RESTORE = (
    (
        "UPDATE users SET role = 'operator', disabled_at = NULL"
        " WHERE id = %(user)s AND (role <> 'operator' OR disabled_at IS NOT NULL)"
    ),
    (
        "UPDATE api_keys SET revoked_at = NULL, expires_at = NULL"
        " WHERE id = %(key)s AND (revoked_at IS NOT NULL OR expires_at IS NOT NULL)"
    ),
)
_connection: list[psycopg.Connection[Any]] = []


def _db() -> psycopg.Connection[Any]:
    if not _connection:
        url = os.environ["FUZZ_DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://")
        _connection.append(psycopg.connect(url, autocommit=True))
    return _connection[0]


@schemathesis.hook
def after_call(context: Any, case: Any, response: Any) -> None:
    """Undo what a call on users or keys did to the fuzzer's own user or key."""
    if case.method.upper() == "GET" or not case.operation.path.startswith(ACCESS_PATHS):
        return
    ids = {"user": int(os.environ["FUZZ_USER_ID"]), "key": int(os.environ["FUZZ_KEY_ID"])}
    restored = 0
    with _db().cursor() as cur:
        for statement in _RESTORE:
            cur.execute(statement, ids)
            restored += cur.rowcount
    if restored and (log := os.environ.get("FUZZ_RESTORED_LOG")):
        with open(log, "a", encoding="utf-8") as out:
            out.write(f"{case.method.upper()} {case.formatted_path}\n")
