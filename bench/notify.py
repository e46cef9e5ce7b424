"""Notification fan-out, live in-app latency and email throughput (one JSON line a figure).

Run: ``.venv/bin/python bench/notify.py [--quick]``. Uses its own database
(``saleshub_bench_notify``), Redis database 10 of the broker and cache servers, an
in-process web server for the websocket hub, and an SMTP server on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.support.common import (
    emit,
    flush_namespace,
    free_port,
    load_env,
    note,
    percentile,
    with_pg_db,
    with_redis_db,
)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    recipients = 1_000 if args.quick else 10_000
    sockets = 50 if args.quick else 200
    emails = 100 if args.quick else 500

    load_env()
    import psycopg
    import redis
    import websocket
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import select
    from werkzeug.serving import make_server

    import worker.entry  # noqa: F401 - declares every actor
    from core.notify import email as mail
    from core.notify.triggers import Event
    from core.queueing.broker import configure
    from core.settings import Settings
    from jobs import notifications as jobs_notify
    from jobs import runtime
    from models import Delivery, Notification, User
    from models.db import make_engine, make_sessionmaker
    from tests.support.smtp import smtp_server
    from web import create_app
    from web.auth import mint_key as mint

    db_url = with_pg_db(os.environ["DATABASE_URL"], "saleshub_bench_notify")
    admin = with_pg_db(os.environ["DATABASE_URL"], "saleshub").replace("+psycopg", "")
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = 'saleshub_bench_notify'"
        ).fetchone()
        if not exists:
            conn.execute("CREATE DATABASE saleshub_bench_notify")
    cfg = Config(str(Path(__file__).resolve().parent.parent / "alembic.ini"))
    cfg.attributes["database_url"] = db_url
    cfg.attributes["configure_logger"] = False
    command.upgrade(cfg, "head")
    broker_url = with_redis_db(os.environ["BROKER_URL"], 10)
    cache_url = with_redis_db(os.environ["CACHE_URL"], 10)
    r = redis.Redis.from_url(broker_url)
    flush_namespace(r, "saleshub")

    with smtp_server() as (smtp_port, inbox):
        settings = Settings.from_env(
            {
                **os.environ,
                "DATABASE_URL": db_url,
                "BROKER_URL": broker_url,
                "CACHE_URL": cache_url,
                "SMTP_PORT": str(smtp_port),
            }
        )
        engine = make_engine(settings.database.url, pool_size=10)
        sessions = make_sessionmaker(engine)
        configure(settings)
        runtime.init(settings, sessions)
        with psycopg.connect(settings.database.psycopg_dsn, autocommit=True) as conn:
            conn.execute(
                "TRUNCATE organizations, users, api_keys, notifications, "
                "notification_deliveries, jobs CASCADE"
            )
            org_id = conn.execute(
                "INSERT INTO organizations (name) VALUES ('Bench') RETURNING id"
            ).fetchone()[0]
            with conn.cursor().copy("COPY users (org_id, email, role) FROM STDIN") as cp:
                for i in range(recipients):
                    cp.write_row((org_id, f"user{i}@bench.test", "member"))
            user_ids = [row[0] for row in conn.execute("SELECT id FROM users ORDER BY id")]
        with sessions() as s, s.begin():
            keys = {uid: mint(s, s.get(User, uid)) for uid in user_ids[:sockets]}

        note(f"fan-out to {recipients} recipients, no sockets in this process")
        quiet = Event(
            key="bench:quiet",
            org_id=org_id,
            category="broadcast",
            urgency="high",
            title="Hi",
            everyone=True,
        )
        start = time.perf_counter()
        jobs_notify.fanout_event.fn(quiet.as_json())
        emit("fanout_rows_alone_s", time.perf_counter() - start, "s", "<= 10")

        app = create_app(settings)
        port = free_port()
        server = make_server("127.0.0.1", port, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        note(f"connecting {sockets} websockets")
        clients = []
        for uid in user_ids[:sockets]:
            ws = websocket.create_connection(
                f"ws://127.0.0.1:{port}/ws",
                header=[f"Authorization: Bearer {keys[uid]}"],
                timeout=30,
            )
            ws.recv()
            ws.send(json.dumps({"op": "subscribe", "channel": "notifications"}))
            ws.recv()
            clients.append(ws)

        received: list[float] = []
        lock = threading.Lock()

        def read_one(ws: websocket.WebSocket) -> None:
            ws.recv()
            with lock:
                received.append(time.perf_counter())

        note(f"fan-out to {recipients} recipients")
        readers = [threading.Thread(target=read_one, args=(ws,), daemon=True) for ws in clients]
        for t in readers:
            t.start()
        event = Event(
            key="bench:fanout",
            org_id=org_id,
            category="broadcast",
            urgency="high",
            title="Hello",
            everyone=True,
        )
        start = time.perf_counter()
        jobs_notify.fanout_event.fn(event.as_json())
        rows_done = time.perf_counter() - start
        for t in readers:
            t.join(30)
        all_done = (max(received) if received else time.perf_counter()) - start
        with sessions() as s:
            count = len(s.scalars(select(Notification.id)).all())
        emit("fanout_rows", count, "notifications", 2 * recipients)
        emit("fanout_rows_with_sockets_in_process_s", rows_done, "s", "<= 10")
        emit("fanout_all_online_sockets_s", all_done, "s", "<= 10")
        emit("fanout_sockets_notified", len(received), "sockets", sockets)

        note("emit -> in-app socket frame latency")
        one = clients[0]
        uid = user_ids[0]
        lat = []
        for i in range(50):
            ev = Event(
                key=f"bench:one:{i}",
                org_id=org_id,
                category="mention",
                urgency="high",
                title=f"n{i}",
                users=(uid,),
            )
            t0 = time.perf_counter()
            jobs_notify.fanout_event.fn(ev.as_json())
            one.recv()
            lat.append((time.perf_counter() - t0) * 1000)
        lat.sort()
        emit("emit_to_socket_p50_ms", percentile(lat, 0.5), "ms")
        emit("emit_to_socket_p95_ms", percentile(lat, 0.95), "ms", "<= 1000")
        for ws in clients:
            ws.close()
        server.shutdown()

        note(f"{emails} emails to the local SMTP server")
        with sessions() as s, s.begin():
            ids = s.scalars(
                select(Delivery.id)
                .where(Delivery.channel == "email")
                .order_by(Delivery.id)
                .limit(emails)
            ).all()
            s.execute(
                Delivery.__table__.update()
                .where(Delivery.id.in_(ids))
                .values(status="pending", send_after=None)
            )
        mailer = mail.Mailer(settings)
        start = time.perf_counter()
        for did in ids:
            with sessions() as s, s.begin():
                mail.send_delivery(s, did, settings, mailer)
        elapsed = time.perf_counter() - start
        mailer.close()
        emit("emails_per_s", len(inbox.messages) / elapsed if elapsed else None, "emails/s")
        flush_namespace(r, "saleshub")
        engine.dispose()


if __name__ == "__main__":
    main()
