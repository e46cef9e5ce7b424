"""Probes and the checker of ``make chaos``.

A probe is one client operation with a unique token and an effect the checker can find in
PostgreSQL afterwards:

- ``contact``: ``POST /api/v1/contacts`` (a CRM write; its ``search.index`` job must leave
  the contact's search document);
- ``broadcast``: ``POST /api/v1/jobs`` ``notifications.broadcast`` (its job must leave one
  notification titled with the token for each user of the org).

A client retries each probe with the same ``Idempotency-Key`` until it is acknowledged (2xx),
definitely refused (a 4xx other than 409/429), or its deadline passes (then its outcome is
unknown: it may or may not have taken effect). The checker then classifies every effect:
lost (acknowledged, no effect), duplicated (more than one effect for one token), unexpected
(an effect for a token refused or never sent), stuck (jobs not final), dead and failed.
"""

from __future__ import annotations

import contextlib
import random
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

import psycopg
import requests

PREFIX = "chaos-"
OK, REFUSED, UNKNOWN = "ok", "refused", "unknown"


@dataclass
class Op:
    """One probe: its token, kind, outcome, and what answered."""

    token: str
    kind: str
    outcome: str = UNKNOWN
    id: Any = None
    attempts: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    acked_at: float = 0.0


class Prober:
    """Issues probes against the stack's API and keeps every operation.

    Parameters:
      url, headers: the API and its authentication.
      give_up_s: how long one probe is retried before its outcome stays unknown.
    """

    def __init__(self, url: str, headers: dict[str, str], *, give_up_s: float) -> None:
        self.url = url
        self.headers = headers
        self.give_up_s = give_up_s
        self.ops: list[Op] = []
        self.lock = threading.Lock()
        self._n = 0
        self._local = threading.local()

    def token(self, kind: str) -> str:
        with self.lock:
            self._n += 1
            return f"{PREFIX}{kind[0]}{self._n:07d}"

    def _session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
        return session

    def run(self, kind: str) -> Op:
        """Issue one probe of ``kind`` until acknowledged, refused or given up."""
        op = Op(token=self.token(kind), kind=kind)
        with self.lock:
            self.ops.append(op)
        if kind == "contact":
            path, body = "/api/v1/contacts", {"first_name": op.token, "last_name": "probe"}
        else:
            path = "/api/v1/jobs"
            body = {
                "type": "notifications.broadcast",
                "params": {"title": op.token, "body": "chaos probe", "urgency": "normal"},
            }
        headers = {**self.headers, "Idempotency-Key": op.token}
        deadline = time.monotonic() + self.give_up_s
        backoff = 0.2
        indeterminate = False
        while time.monotonic() < deadline:
            op.attempts += 1
            try:
                resp = self._session().post(self.url + path, json=body, headers=headers, timeout=15)
            except requests.RequestException:
                indeterminate = True  # it may have committed before the connection broke
                self._local.session = None
            else:
                op.statuses[resp.status_code] += 1
                if resp.status_code < 300:
                    op.outcome, op.id, op.acked_at = OK, resp.json().get("id"), time.time()
                    return op
                if 400 <= resp.status_code < 500 and resp.status_code not in (409, 429):
                    op.outcome = REFUSED if not indeterminate else UNKNOWN
                    return op
                indeterminate = indeterminate or resp.status_code >= 500
            time.sleep(backoff)
            backoff = min(backoff * 2, 2.0)
        op.outcome = UNKNOWN
        return op


def load(prober: Prober, *, probes: int, threads: int, rate: float, seed: int) -> None:
    """Issue ``probes`` probes from ``threads`` threads at about ``rate`` a second."""
    budget = threading.Semaphore(probes)
    interval = threads / rate if rate > 0 else 0.0

    def worker(i: int) -> None:
        rng = random.Random(seed * 1000 + i)
        next_at = time.monotonic()
        while budget.acquire(blocking=False):
            prober.run("broadcast" if rng.random() < 0.15 else "contact")
            next_at += interval
            time.sleep(max(0.0, next_at - time.monotonic()))

    pool = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()


def effect_visible(dsn: str, contact_id: int) -> bool:
    """Whether the search document of contact ``contact_id`` exists (False if PG is down)."""
    with contextlib.suppress(psycopg.Error), psycopg.connect(dsn, connect_timeout=2) as conn:
        row = conn.execute(
            "SELECT 1 FROM search_documents WHERE entity_type = 'contact' AND entity_id = %s",
            (contact_id,),
        ).fetchone()
        return row is not None
    return False


def active_jobs(dsn: str, cutoff: float) -> int | None:
    """Jobs created before ``cutoff`` still queued or running (None if PostgreSQL cannot say)."""
    with contextlib.suppress(psycopg.Error), psycopg.connect(dsn, connect_timeout=2) as conn:
        row = conn.execute(
            "SELECT count(*) FROM jobs WHERE status IN ('queued', 'running')"
            " AND created_at < to_timestamp(%s)",
            (cutoff,),
        ).fetchone()
        return int(row[0]) if row else None
    return None


STUCK_COLUMNS = (
    "id", "actor", "status", "attempts", "completed_attempts", "redis_queue", "redis_id",
    "created_at", "dispatched_at", "started_at", "updated_at", "error",
)  # fmt: skip


def check(dsn: str, ops: list[Op], *, cutoff: float) -> dict[str, Any]:
    """Classify every probe and effect; the figures of the run.

    Jobs created after ``cutoff`` (epoch seconds: the end of the load and the faults) are
    left out of ``stuck``: the scheduler keeps staging canaries and periodic jobs.
    """
    with psycopg.connect(dsn, connect_timeout=10) as conn:
        contacts: dict[str, list[int]] = defaultdict(list)
        for cid, name in conn.execute(
            "SELECT id, first_name FROM contacts WHERE first_name LIKE %s", (PREFIX + "%",)
        ):
            contacts[name].append(cid)
        indexed = {
            r[0]
            for r in conn.execute(
                "SELECT entity_id FROM search_documents WHERE entity_type = 'contact'"
            )
        }
        notes: dict[str, Counter[int]] = defaultdict(Counter)
        for title, user_id, n in conn.execute(
            "SELECT title, user_id, count(*) FROM notifications WHERE title LIKE %s"
            " GROUP BY title, user_id",
            (PREFIX + "%",),
        ):
            notes[title][user_id] += n
        bjobs: dict[str, list[str]] = defaultdict(list)
        for title, status in conn.execute(
            "SELECT params->>'title', status FROM jobs WHERE type = 'notifications.broadcast'"
        ):
            bjobs[title].append(status)
        users = conn.execute("SELECT count(*) FROM users").fetchone()[0]  # type: ignore[index]
        statuses = Counter(
            dict(conn.execute("SELECT status, count(*) FROM jobs GROUP BY status").fetchall())
        )
        stuck = conn.execute(
            "SELECT count(*) FROM jobs WHERE status IN ('queued', 'running')"
            " AND created_at < to_timestamp(%s)",
            (cutoff,),
        ).fetchone()[0]  # type: ignore[index]
        # What a stuck job looked like, to tell a lost message from a held one.
        stuck_jobs = [
            {k: str(v) for k, v in zip(STUCK_COLUMNS, row, strict=True)}
            for row in conn.execute(
                f"SELECT {', '.join(STUCK_COLUMNS)} FROM jobs"  # noqa: S608  # nosec B608
                " WHERE status IN ('queued', 'running') AND created_at < to_timestamp(%s)"
                " ORDER BY created_at LIMIT 5",
                (cutoff,),
            )
        ]
        probe_jobs = conn.execute(
            "SELECT count(*) FROM jobs WHERE type IN ('search.index', 'notifications.broadcast')"
        ).fetchone()[0]  # type: ignore[index]
    by_token = {op.token: op for op in ops}
    lost, duplicated, unexpected, unknown_applied = [], [], [], 0
    for op in ops:
        if op.kind == "contact":
            ids = contacts.get(op.token, [])
            applied = bool(ids)
            if len(ids) > 1:
                duplicated.append(op.token)
            if op.outcome == OK and (not ids or not all(i in indexed for i in ids)):
                lost.append(op.token)
        else:
            per_user = notes.get(op.token, Counter())
            applied = bool(bjobs.get(op.token))
            if len(bjobs.get(op.token, [])) > 1 or any(n > 1 for n in per_user.values()):
                duplicated.append(op.token)
            ok_job = "succeeded" in bjobs.get(op.token, [])
            if op.outcome == OK and ok_job and len(per_user) < users:
                lost.append(op.token)
            if op.outcome == OK and not bjobs.get(op.token):
                lost.append(op.token)
        if applied and op.outcome == REFUSED:
            unexpected.append(op.token)
        if applied and op.outcome == UNKNOWN:
            unknown_applied += 1
    strangers = [t for t in [*contacts, *notes, *bjobs] if t and t not in by_token]
    outcomes = Counter(op.outcome for op in ops)
    http = Counter[int]()
    for op in ops:
        http.update(op.statuses)
    return {
        "probes": len(ops),
        "acknowledged": outcomes[OK],
        "refused": outcomes[REFUSED],
        "unknown": outcomes[UNKNOWN],
        "unknown_applied": unknown_applied,
        "lost": len(set(lost)),
        "duplicated": len(set(duplicated)),
        "unexpected": len(set(unexpected)) + len(set(strangers)),
        "stuck": stuck,
        "dead": statuses["dead"],
        "failed": statuses["failed"],
        "jobs": sum(statuses.values()),
        "probe_jobs": probe_jobs,
        "http_500": http[500],
        "http_statuses": {str(code): n for code, n in sorted(http.items())},
        "examples": {
            "lost": sorted(set(lost))[:5],
            "duplicated": sorted(set(duplicated))[:5],
            "unexpected": sorted(set(unexpected) | set(strangers))[:5],
            "stuck": stuck_jobs,
        },
    }
