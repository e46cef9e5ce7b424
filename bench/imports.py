"""Bulk import and export throughput, searchable lag and worker memory.

Run as ``.venv/bin/python bench/imports.py [--rows N]`` (default 1,000,000); prints one
JSON object per figure.

What it does: writes a CSV of N contacts (unique emails, mixed names) to a temporary
folder; in its own PostgreSQL database ``saleshub_bench_imports`` (created and migrated if
missing; the bench org is emptied first, another org keeps ``--neighbours`` contacts, then
``contacts``, ``import_rows`` and ``search_documents`` are VACUUMed and ANALYZEd, so every
run starts from the tables a quiet shared server has when an org imports for the first
time) and
its own Redis database and namespace, starts a real worker (``python -m worker``,
``WORKER_PROCESSES`` x ``WORKER_THREADS`` on ``critical`` and ``default`` and, where the
import's jobs run, ``WORKER_BULK_PROCESSES`` x ``WORKER_THREADS`` on ``bulk``, niced by
``WORKER_BULK_NICE``: the environment's layout, by default the users' 2 + 2 processes of 8
threads) and the relay, and waits until
every worker process is consuming; creates the import as ``POST /api/v1/imports`` does
(after the upload, which is a file copy) and waits for the batch to finish; then exports
the rows (CSV) through the worker. The worker's processes' RSS is sampled every 100 ms.

Figures: import rows/s to committed (create → every chunk's upsert committed, read from
the chunks' counts; the org's rows are counted once at the end), the time from then until
the import finished (indexed) and its last row is found by search, export rows/s, and the
peak RSS of one worker process and of all of them.
The machine is shared: the load average at start and end is printed with the figures.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.support.common import (
    ROOT,
    Processes,
    emit,
    flush_namespace,
    load_env,
    note,
    show_detail,
    wait_until,
    with_pg_db,
    with_redis_db,
)

load_env()

import psycopg  # noqa: E402
import redis as redis_lib  # noqa: E402
from alembic import command  # noqa: E402
from alembic.config import Config  # noqa: E402
from dramatiq.brokers.redis import RedisBroker  # noqa: E402
from sqlalchemy import text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

import jobs.bulk  # noqa: E402
import worker.entry  # noqa: E402, F401
from core import search  # noqa: E402
from core.bulk import files, imports  # noqa: E402
from core.queueing.broker import configure  # noqa: E402
from core.queueing.outbox import stage  # noqa: E402
from core.queueing.relay import Relay  # noqa: E402
from core.settings import Settings  # noqa: E402
from models import Export, Import, Organization  # noqa: E402
from models.db import make_engine, make_sessionmaker, session_scope  # noqa: E402

BENCH_DB = os.environ.get("BENCH_IMPORTS_DATABASE", "saleshub_bench_imports")
REDIS_DB = int(os.environ.get("BENCH_REDIS_DB", "12"))
NS = "bench_imports"
ORG = "bench-imports"
NEIGHBOUR = "bench-imports-neighbour"
FIRST = [
    "Ann",
    "Bob",
    "Chloé",
    "Dmitri",
    "Eva",
    "Farid",
    "Grete",
    "Hiro",
    "Inés",
    "Jun",
    "Kofi",
    "Lena",
    "Mateo",
    "Nora",
    "Olu",
]
LAST = [
    "Lee",
    "Müller",
    "García",
    "Nakamura",
    "Okafor",
    "Rossi",
    "Novak",
    "Silva",
    "Khan",
    "Dubois",
    "Jensen",
    "Nguyen",
]


def ensure_database(settings: Settings) -> None:
    admin = with_pg_db(settings.database.psycopg_dsn, "postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (BENCH_DB,))
        if not exists.fetchone():
            note(f"creating database {BENCH_DB}")
            conn.execute(f'CREATE DATABASE "{BENCH_DB}"')
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.attributes["database_url"] = settings.database.url
    cfg.attributes["configure_logger"] = False
    command.upgrade(cfg, "head")


def neighbours(session: Session, rows: int) -> None:
    """Give another org ``rows`` contacts (once): the bench org is then a new org on a
    shared server, the case where stale statistics made imports quadratic (decision 0022)."""
    org = session.query(Organization).filter_by(name=NEIGHBOUR).one_or_none()
    if org is None:
        org = Organization(name=NEIGHBOUR)
        session.add(org)
        session.flush()
    have = session.execute(
        text("SELECT count(*) FROM contacts WHERE org_id = :o"), {"o": org.id}
    ).scalar_one()
    if have < rows:
        note(f"giving the neighbour org {rows - have:,} contacts")
        session.execute(
            text(
                "INSERT INTO contacts (org_id, first_name, last_name, email)"
                " SELECT :o, 'N' || i, 'Neighbour', 'n' || i || '@neighbour.test'"
                " FROM generate_series(:lo, :hi) AS i"
            ),
            {"o": org.id, "lo": have, "hi": rows - 1},
        )


def write_csv(path: Path, rows: int) -> str:
    """N contacts; return the last row's full name (searched for the lag figure)."""
    rnd = random.Random(42)  # nosec B311  # test data, not secrets
    with path.open("w", encoding="utf-8") as f:
        f.write("first_name,last_name,email,phone,title\n")
        for i in range(rows):
            first, last = rnd.choice(FIRST), rnd.choice(LAST)
            f.write(f"{first}{i},{last},c{i}@bench.test,+1-555-{i:07d},Buyer\n")
    return f"{first}{rows - 1}"


def _parents() -> dict[int, int]:
    """pid → parent pid of every process (from /proc/<pid>/stat)."""
    out = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        # "pid (comm) state ppid ...": comm may hold spaces and parentheses.
        out[int(entry)] = int(stat[stat.rindex(")") + 2 :].split()[1])
    return out


class RssSampler(threading.Thread):
    """Peak RSS (MB) of the worker's processes: the largest one, and their sum.

    The supervisor (``python -m worker``) starts each Dramatiq process in a session of its
    own, so they are found as its descendants, not by process group.
    """

    def __init__(self, root: int) -> None:
        super().__init__(daemon=True)
        self.root = root
        self.peak_one = 0.0
        self.peak_sum = 0.0
        self.seen = 0
        self.stopping = threading.Event()

    def _descendants(self) -> list[int]:
        children: dict[int, list[int]] = {}
        for pid, ppid in _parents().items():
            children.setdefault(ppid, []).append(pid)
        found, todo = [], list(children.get(self.root, []))
        while todo:
            pid = todo.pop()
            found.append(pid)
            todo.extend(children.get(pid, []))
        return found

    def _rss(self) -> list[float]:
        out = []
        for pid in self._descendants():
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        out.append(int(line.split()[1]) / 1024)
            except OSError:
                continue
        return out

    def run(self) -> None:
        while not self.stopping.wait(0.1):
            values = self._rss()
            if values:
                self.seen = max(self.seen, len(values))
                self.peak_one = max(self.peak_one, max(values))
                self.peak_sum = max(self.peak_sum, sum(values))


def phases(session: Session, import_id: uuid.UUID) -> None:
    """The import's phases from its batch's members (``--detail``)."""
    result = session.execute(
        text("SELECT j.type, count(*),"
             " extract(epoch FROM min(j.started_at) - i.created_at),"
             " extract(epoch FROM max(j.finished_at) - i.created_at),"
             " extract(epoch FROM avg(j.finished_at - j.started_at))"
             " FROM jobs j JOIN imports i ON i.job_id = j.batch_id WHERE i.id = :i"
             " GROUP BY j.type, i.created_at ORDER BY 3"), {"i": import_id},
    )  # fmt: skip
    for kind, count, first, last, mean in result:
        name = kind.removeprefix("import.")
        emit(f"phase {name}: first started", float(first), "s", detail=True)
        emit(f"phase {name}: last finished", float(last), "s", detail=True)
        emit(f"phase {name}: mean of {count} job(s)", float(mean), "s", detail=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument(
        "--neighbours", type=int, default=50_000,
        help="contacts of another org, kept between runs (the bench org imports beside them)",
    )  # fmt: skip
    parser.add_argument("--detail", action="store_true",
                        help="also the phases (split, chunks, index jobs, finish)")  # fmt: skip
    args = parser.parse_args()
    if args.detail:
        show_detail()
    # SIGTERM (a stopped `make bench`) ends through ``finally``: the worker is stopped too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    base = Settings.from_env()
    work = Path(tempfile.mkdtemp(prefix="bench-imports-"))
    settings = base.replace(
        database={"url": with_pg_db(base.database.url, BENCH_DB), "pool_size": 4},
        broker={"url": with_redis_db(base.broker.url, REDIS_DB), "namespace": NS},
        cache={"url": with_redis_db(base.cache.url, REDIS_DB)},
        bulk={"files_dir": work / "files"},
    )
    ensure_database(settings)
    engine = make_engine(settings.database.url, pool_size=4)
    sessions = make_sessionmaker(engine)
    with session_scope(sessions) as s:
        org = s.query(Organization).filter_by(name=ORG).one_or_none()
        if org is None:
            org = Organization(name=ORG)
            s.add(org)
            s.flush()
        org_id = org.id
        for table in ("contacts", "search_documents", "imports", "exports", "jobs"):
            s.execute(text(f"DELETE FROM {table} WHERE org_id = :o"), {"o": org_id})  # noqa: S608  # nosec B608
    with session_scope(sessions) as s:
        neighbours(s, args.neighbours)
    # Tables as a quiet shared server has them when an org's first import starts: vacuumed
    # and analyzed (autovacuum caught up), other orgs' rows in the statistics and not this
    # org's, the staging table empty. Without this the figures depend on what autovacuum
    # made of the previous run: its 1,000,000 deleted contacts and documents were vacuumed
    # during the next import (seen in pg_stat_user_tables, on a core of the two), and its
    # chunks' key probes visited the dead index entries (0035).
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM (ANALYZE) contacts, import_rows, search_documents"))
    client = redis_lib.Redis.from_url(settings.broker.url)
    flush_namespace(client, NS)
    source = work / "contacts.csv"
    note(f"writing {args.rows:,} contacts to {source}")
    last_name = write_csv(source, args.rows)
    load_start = os.getloadavg()[0]
    procs = Processes(work)
    env = {
        **os.environ, "DATABASE_URL": settings.database.url, "BROKER_URL": settings.broker.url,
        "CACHE_URL": settings.cache.url, "BROKER_NAMESPACE": NS,
        "FILES_DIR": str(settings.bulk.files_dir), "PYTHONPATH": str(ROOT),
    }  # fmt: skip
    # The worker's layout is what `python -m worker` makes of the environment, as for users
    # (defaults: 2 + 2 processes of 8 threads, the bulk ones niced); it once pinned 4 threads.
    layout = base.worker
    note(
        f"worker: {layout.processes} + {layout.bulk_processes} processes (bulk niced"
        f" {layout.bulk_nice}) x {layout.threads} threads; org cap {layout.org_max_in_flight}"
    )
    proc = procs.start("worker", [sys.executable, "-m", "worker"], env)
    sampler = RssSampler(proc.pid)
    sampler.start()
    broker = configure(settings)
    assert isinstance(broker, RedisBroker)
    relay = Relay(settings, broker)
    thread = threading.Thread(target=relay.run, daemon=True)
    thread.start()
    try:
        # The clock starts once every worker process is consuming: booting a worker (imports,
        # after-fork engines) took 2-3 s here, a large share of a 50,000-row run.
        processes = layout.processes + layout.bulk_processes
        wait_until(lambda: client.zcard(f"{NS}:__heartbeats__") >= processes, timeout=120,
                   interval=0.1, what="worker boot")  # fmt: skip
        import_id = uuid.uuid4()
        target = files.upload_path(settings, org_id, import_id)
        target.parent.mkdir(parents=True)
        os.link(source, target)  # the upload's copy, without copying the bytes
        note("importing")
        start = time.perf_counter()
        with session_scope(sessions) as s:
            the_plan = imports.plan(target, "contacts", mapping=None, key="email", given={})
            split, finish = jobs.bulk.import_split, jobs.bulk.import_finish
            imports.create(s, settings, import_id=import_id, org_id=org_id, user_id=None,
                           the_plan=the_plan, filename=source.name, dry_run=False,
                           split=split, finish=finish)  # fmt: skip

        def committed() -> bool:
            # The chunks' counts commit with their upserts. A count(*) of the org's contacts
            # every 250 ms was a sequential scan of the table: near a core of the two at
            # 1,000,000 rows, taken from the import it measured (docs/decisions/0030).
            with sessions() as s:
                n = s.execute(text("SELECT coalesce(sum(created + updated + unchanged), 0)"
                                   " FROM import_chunks WHERE import_id = :i"),
                              {"i": import_id}).scalar_one()  # fmt: skip
                return bool(n >= args.rows)

        def finished() -> Import | None:
            with sessions() as s:
                row = s.get(Import, import_id)
                return row if row is not None and row.finished_at is not None else None

        def found() -> bool:
            with sessions() as s:
                result = search.search(s, org_id, last_name, limit=5)
                return any(last_name in str(item["title"]) for item in result.items)

        # Every row committed (upserted, counted): the import's write throughput.
        wait_until(committed, timeout=3600, interval=0.25, what="committed")
        import_s = time.perf_counter() - start
        emit("import rows/s to committed", args.rows / import_s, "rows/s", ">= 50000")
        # Then indexed by the import's index jobs: the batch is done, the import finished.
        row = wait_until(finished, timeout=3600, interval=0.25, what="import")
        assert row.status == "succeeded" and row.created == args.rows, (row.status, row.created)
        with sessions() as s:
            stored = s.execute(text("SELECT count(*) FROM contacts WHERE org_id = :o"),
                               {"o": org_id}).scalar_one()  # fmt: skip
        assert stored == args.rows, stored
        wait_until(found, timeout=120, interval=0.2, what="searchable")
        lag = time.perf_counter() - start - import_s
        emit("searchable after the last row committed", lag, "s", "<= 60")
        emit("import to finished (committed and indexed)", time.perf_counter() - start, "s")
        with sessions() as s:
            phases(s, import_id)
        note("exporting")
        export_id = uuid.uuid4()
        start = time.perf_counter()
        with session_scope(sessions) as s:
            s.add(Export(id=export_id, org_id=org_id, type="contacts", format="csv",
                         options={"columns": None, "filters": {}}))  # fmt: skip
            s.flush()
            stage(s, jobs.bulk.export_run, job_type="export.run", org_id=org_id,
                  args=(str(export_id),))  # fmt: skip

        def exported() -> Export | None:
            with sessions() as s:
                ex = s.get(Export, export_id)
                return ex if ex is not None and ex.finished_at is not None else None

        ex = wait_until(exported, timeout=1800, interval=0.2, what="export")
        export_s = time.perf_counter() - start
        emit("export rows/s", ex.rows / export_s, "rows/s", ">= 100000")
    finally:
        sampler.stopping.set()
        relay.stop()
        thread.join(10)
        procs.stop("worker")
        flush_namespace(client, NS)
    emit("worker peak RSS (one process)", sampler.peak_one, "MB", "<= 300")
    note(f"RSS sampled over {sampler.seen} worker processes (supervisor's descendants)")
    emit("worker peak RSS (all processes)", sampler.peak_sum, "MB", None)
    emit("load average at start", load_start, "", None)
    emit("load average at end", os.getloadavg()[0], "", None)


if __name__ == "__main__":
    main()
