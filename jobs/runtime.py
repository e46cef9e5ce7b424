"""What actors share in a worker process: settings and a session factory, made after fork."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from dramatiq.middleware import CurrentMessage
from sqlalchemy.orm import Session, sessionmaker

from core import channels
from core.queueing.broker import current_broker
from core.queueing.ledger import Ledger
from core.queueing.status_feed import ORG_OPTION, job_event
from core.settings import Settings
from models import JobStatus
from models.db import make_engine, make_sessionmaker, scope_to_org
from models.db import session_scope as _scope


class _Runtime:
    settings: Settings | None = None
    factory: sessionmaker[Session] | None = None


def init(settings: Settings, factory: sessionmaker[Session] | None = None) -> None:
    """Set this process's settings and session factory (an engine of its own by default)."""
    _Runtime.settings = settings
    _Runtime.factory = factory or make_sessionmaker(
        make_engine(
            settings.database.url,
            pool_size=settings.database.pool_size,
            connect_timeout_s=settings.database.connect_timeout_s,
        )
    )


def current_settings() -> Settings:
    """This process's settings."""
    if _Runtime.settings is None:
        raise RuntimeError("jobs.runtime.init(settings) was not called in this process")
    return _Runtime.settings


def session_factory() -> sessionmaker[Session]:
    """This process's session factory."""
    if _Runtime.factory is None:
        raise RuntimeError("jobs.runtime.init(settings) was not called in this process")
    return _Runtime.factory


def message_org() -> int | None:
    """The org the current message's job belongs to (``None``: platform-wide, or no message)."""
    message = CurrentMessage.get_current_message()
    org_id = message.options.get(ORG_OPTION) if message is not None else None
    return org_id if isinstance(org_id, int) else None


@contextmanager
def session_scope() -> Iterator[Session]:
    """One transaction for one message, behind row-level security when its job has an org."""
    if _Runtime.factory is None:
        raise RuntimeError("jobs.runtime.init(settings) was not called in this process")
    with _scope(_Runtime.factory) as session:
        org_id = message_org()
        if org_id is not None:
            scope_to_org(session, org_id)
        yield session


def report_progress(percent: int) -> None:
    """Record the progress (0..100) of the job the current message runs."""
    message = CurrentMessage.get_current_message()
    if message is None:
        return
    broker = current_broker()
    for middleware in broker.middleware:
        if isinstance(middleware, Ledger):
            middleware.set_progress(message, percent)
    event = job_event(message, JobStatus.RUNNING, progress=percent)
    client = getattr(broker, "client", None)
    if event is not None and client is not None:
        channels.publish_encoded(client, [event])
