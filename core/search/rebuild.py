"""A full rebuild of an org's index: three connections, so PostgreSQL works while Python does.

A reader thread takes a version and reads the next batch of records (keyset, in id order)
while the main thread builds the documents of the batch before it and two writer threads
write the ones before that. A batch goes straight into ``search_documents`` by COPY when
the org has no document in its id range, else through the guarded upsert. A large org's
lower half of ids is rebuilt the same way by a helper process (``core.search.parallel``),
so Python (building documents) and PostgreSQL share both cores; see docs/decisions/0042.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from itertools import chain
from typing import Any

import psycopg
from psycopg.rows import dict_row
from sqlalchemy import text
from sqlalchemy.orm import Session

from core.search import documents, parallel, store
from core.search.documents import TABLES
from core.search.parallel import NO_LIMIT, Ranges
from models.db import ORG_ROLE, as_owner

log = logging.getLogger(__name__)

Progress = Callable[[int], None]
BATCH = 5_000
# Connections writing a rebuild's batches while the next ones are read and built.
WRITERS = 2
# Batches read ahead of the one being built.
READ_AHEAD = 2
_COUNTS = {
    kind: text(f"SELECT count(*) FROM {table} WHERE org_id = :org")  # noqa: S608  # nosec B608  # constants
    for kind, table in TABLES.items()
}
# ``documents.SOURCE_SELECT`` between two ids, psycopg placeholders.
_RANGE_SQL = {
    kind: f"{sql} WHERE s.org_id = %(org)s AND s.id > %(after)s AND s.id <= %(last)s "
    "ORDER BY s.id LIMIT %(n)s"
    for kind, sql in documents.SOURCE_SELECT.items()
}
ALL: Ranges = {kind: (0, NO_LIMIT) for kind in TABLES}
_SCOPE = "SELECT set_config('role', %s, true), set_config('app.org_id', %s, true)"
_NEXT_VERSION = "SELECT nextval('search_doc_version')"


def _connect(session: Session) -> Any:
    engine = session.get_bind()
    return engine.raw_connection()  # type: ignore[union-attr]


class _Reader:
    """Reads batches ahead in a thread of its own, each with the version taken before it.

    Parameters:
      session: where the connection comes from, and the org scope (row-level security) to
        read under, if the session has one.
      org_id: the org rebuilt.
      batch: records per batch.
      ranges: per type, the ids to read: above the first, up to the second.
    """

    def __init__(self, session: Session, org_id: int, batch: int, ranges: Ranges = ALL) -> None:
        self.org_id = org_id
        self.batch = batch
        self.ranges = ranges
        self.scope = session.info.get("org_id")
        self.conn = _connect(session)
        self.out: queue.Queue[tuple[str, int, list[dict[str, Any]]] | BaseException | None]
        self.out = queue.Queue(maxsize=READ_AHEAD)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="search-reindex-read", daemon=True)
        self.thread.start()

    def _read(self, raw: Any, kind: str, after: int, last: int) -> tuple[int, list[dict[str, Any]]]:
        with raw.cursor(row_factory=dict_row) as cur:
            if self.scope is not None:
                cur.execute(_SCOPE, (ORG_ROLE, str(self.scope)))
            # A batch is small: two parallel workers per read cost more than they save.
            cur.execute("SET LOCAL max_parallel_workers_per_gather = 0")
            # The version is taken before the read it describes (see core.search.store).
            version = int(cur.execute(_NEXT_VERSION).fetchone()["nextval"])
            params = {"org": self.org_id, "after": after, "last": last, "n": self.batch}
            rows = cur.execute(_RANGE_SQL[kind], params).fetchall()
        raw.commit()
        return version, rows

    def _run(self) -> None:
        raw = self.conn.driver_connection
        try:
            for kind, (after, last) in self.ranges.items():
                while not self.stop.is_set():
                    version, rows = self._read(raw, kind, after, last)
                    if not rows:
                        break
                    self.out.put((kind, version, rows))
                    after = rows[-1]["id"]
            self.out.put(None)
        except BaseException as exc:  # handed to the main thread, which raises it
            raw.rollback()
            self.out.put(exc)

    def __iter__(self) -> Iterator[tuple[str, int, list[dict[str, Any]]]]:
        while (item := self.out.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            yield item

    def close(self) -> None:
        self.stop.set()
        while self.thread.is_alive():
            with contextlib.suppress(queue.Empty):  # unblock a reader waiting for room
                self.out.get(timeout=0.1)
        self.conn.close()


class _Writer:
    """Writes batches on connections of their own in threads.

    Parameters:
      session: where the connections come from.
      org_id: the org rebuilt.
      threads: connections writing at once.
    """

    def __init__(self, session: Session, org_id: int, threads: int = WRITERS) -> None:
        self.org_id = org_id
        self.conns = [_connect(session) for _ in range(threads)]
        self.free = list(self.conns)
        self.pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="search-reindex")
        self.pending: list[Future[bool]] = []
        self.direct = 0

    def _write(self, kind: str, rows: list[tuple[Any, ...]]) -> bool:
        conn = self.free.pop()
        try:
            return self._write_on(conn.driver_connection, kind, rows)
        finally:
            self.free.append(conn)

    def _write_on(self, raw: Any, kind: str, rows: list[tuple[Any, ...]]) -> bool:
        try:
            # A lost batch after a crash is rebuilt by the retry: no need to wait for fsync.
            raw.execute("SET LOCAL synchronous_commit = off")
            if store.copy_new(raw, self.org_id, kind, rows):
                raw.commit()
                return True
        except psycopg.errors.UniqueViolation:
            # A concurrent index job wrote one of them since the check: the guarded path.
            raw.rollback()
        except BaseException:
            raw.rollback()
            raise
        try:
            raw.execute("SET LOCAL synchronous_commit = off")
            store.copy_rows(raw, self.org_id, rows, pending_kb=store.BULK_PENDING_LIST_KB)
            raw.commit()
        except BaseException:
            raw.rollback()
            raise
        return False

    def submit(self, kind: str, rows: list[tuple[Any, ...]]) -> None:
        while len(self.pending) >= len(self.conns):
            self.direct += self.pending.pop(0).result()
        self.pending.append(self.pool.submit(self._write, kind, rows))

    def wait(self) -> None:
        while self.pending:
            self.direct += self.pending.pop(0).result()

    def close(self) -> None:
        self.pool.shutdown(wait=True)
        for conn in self.conns:
            conn.close()


def fresh_statistics(session: Session, org_id: int, totals: dict[str, int]) -> list[str]:
    """ANALYZE each source table whose statistics count fewer than a quarter of the org's
    records (``store.STALE_FACTOR``); the tables analyzed. Commits.

    An org just loaded (``flask seed`` stages a rebuild when done; an import) is missing
    from the statistics beside a large org: the planner takes its records for one row and
    joins a contact's company by scanning all the org's companies, per contact. Measured
    here: a rebuild of 400,000 fresh records beside a 2M-record org at 678 documents/s for
    11 minutes, and a read of 5,000 contacts still running after a minute (decision 0042;
    the same trap as 0022's for imports).
    """
    analyzed: list[str] = []
    with as_owner(session):  # an org's role may not ANALYZE (PostgreSQL only warns)
        for kind, table in TABLES.items():
            plan = session.execute(
                text(f"EXPLAIN (FORMAT JSON) SELECT 1 FROM {table} WHERE org_id = :o"),  # noqa: S608  # nosec B608  # constants
                {"o": org_id},
            ).scalar_one()
            if float(plan[0]["Plan"]["Plan Rows"]) * store.STALE_FACTOR < totals[kind]:
                session.execute(text(f"ANALYZE {table}"))
                analyzed.append(table)
    session.commit()  # ANALYZE's lock is held until then
    return analyzed


def _totals(session: Session, org_id: int) -> dict[str, int]:
    return {
        kind: int(session.execute(sql, {"org": org_id}).scalar_one())
        for kind, sql in _COUNTS.items()
    }


def build_part(
    session: Session,
    org_id: int,
    terms: Counter[str],
    batch_done: Callable[[int], None],
    *,
    batch: int = BATCH,
    ranges: Ranges = ALL,
) -> None:
    """Read, build and write the documents of ``ranges``, counting their words in ``terms``."""
    writer = _Writer(session, org_id)
    reader = _Reader(session, org_id, batch, ranges)
    try:
        for kind, version, records in reader:
            docs = [documents.build(kind, r) for r in records]
            rows = [doc.row(version) for doc in docs]
            # One C-level count per batch, not one Counter.update per document.
            terms.update(chain.from_iterable([doc.terms() for doc in docs]))
            writer.submit(kind, rows)
            batch_done(len(docs))
        writer.wait()
    finally:
        reader.close()
        writer.close()
    log.info("search rebuild of org %s: %d batches written directly", org_id, writer.direct)


def reindex_org(
    session: Session, org_id: int, *, progress: Progress | None = None, batch: int = BATCH
) -> dict[str, Any]:
    """Rebuild every document and the vocabulary of ``org_id``, committing each batch.

    Documents that no write touched since the rebuild started and whose record is gone
    are deleted at the end; concurrent writes keep their (newer) versions.
    """
    totals = _totals(session, org_id)
    grand = max(1, sum(totals.values()))
    fresh_statistics(session, org_id, totals)
    start_version = store.next_version(session)
    session.commit()
    terms: Counter[str] = Counter()
    ranges: Ranges = ALL
    helper_ranges: Ranges | None = None
    if grand >= parallel.FROM:
        ranges, helper_ranges = parallel.split(session, org_id, totals)
    helper = parallel.Helper(session, org_id, helper_ranges, batch) if helper_ranges else None
    done = 0

    def batch_done(n: int) -> None:
        nonlocal done
        done += n + (helper.poll() if helper is not None else 0)
        if progress is not None:
            progress(min(99, done * 100 // grand))

    try:
        build_part(session, org_id, terms, batch_done, batch=batch, ranges=ranges)
        if helper is not None:
            done += helper.finish(terms)
    finally:
        if helper is not None:
            helper.close()
    removed = session.execute(
        text("DELETE FROM search_documents WHERE org_id = :org AND version < :v"),
        {"org": org_id, "v": start_version},
    ).rowcount  # type: ignore[attr-defined]
    n_terms = store.set_terms(session, org_id, terms)
    session.commit()
    store.flush_pending(session)
    session.commit()
    if progress is not None:
        progress(100)
    return {"org_id": org_id, "documents": done, "removed": removed, "terms": n_terms}
