"""Per-app resources (settings, database, Redis) and the per-request session."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import redis
from flask import current_app, g
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from core.ops.admission import Admission
from core.ops.brokerops import BrokerOps
from core.settings import Settings


@dataclass
class Resources:
    """What one app instance holds.

    Parameters:
      settings: the settings it was built with.
      engine: SQLAlchemy engine of PostgreSQL.
      sessions: session factory on ``engine``.
      broker: client of the broker Redis.
      cache: client of the cache Redis.
      ops: the job broker as operators see it (queue figures, dead letters, pause).
      admission: this process's backpressure checks for new jobs.
    """

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    broker: redis.Redis
    cache: redis.Redis
    ops: BrokerOps
    admission: Admission
    started: float = field(default_factory=time.time)


def resources() -> Resources:
    """The current app's resources."""
    res: Resources = current_app.extensions["saleshub"]
    return res


def db() -> Session:
    """The request's session, opened on first use and closed at teardown."""
    if "db" not in g:
        g.db = resources().sessions()
    session: Session = g.db
    return session


def close_db(_exc: BaseException | None = None) -> None:
    """Roll back whatever was not committed and close the request's session."""
    session = g.pop("db", None)
    if session is not None:
        session.close()
