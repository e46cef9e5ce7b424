"""Engine and session factory."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker

# The role an org's transactions run as: not the tables' owner and without BYPASSRLS, so
# the row-level security policies (migration 0007_rls) apply to it, even where the app
# connects as the owner or a superuser. Platform-wide work keeps the connecting role,
# which owns the tables and so bypasses them (docs/decisions/0011).
ORG_ROLE = "saleshub_org"
_SCOPE = text("SELECT set_config('role', :role, true), set_config('app.org_id', :org_id, true)")


def make_engine(
    url: str,
    *,
    pool_size: int = 10,
    echo: bool = False,
    connect_timeout_s: int = 5,
    statement_timeout_ms: int = 0,
) -> Engine:
    """Create an engine for ``url``; call it after fork, never at import.

    Every wait is bounded: connecting by ``connect_timeout_s``, a pooled connection whose
    peer vanished by TCP keepalive (about a minute), and each statement by
    ``statement_timeout_ms`` when not 0.
    """
    connect_args: dict[str, Any] = {
        "connect_timeout": connect_timeout_s,
        "keepalives": 1,
        "keepalives_idle": 30,
        "keepalives_interval": 10,
        "keepalives_count": 3,
    }
    if statement_timeout_ms:
        connect_args["options"] = f"-c statement_timeout={statement_timeout_ms}"
    return create_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=True,
        pool_recycle=1800,
        echo=echo,
        pool_timeout=max(connect_timeout_s, 5),
        connect_args=connect_args,
    )


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """A session factory bound to ``engine``; objects stay readable after commit.

    A session given an org by :func:`scope_to_org` runs each of its transactions behind
    row-level security for that org.
    """
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    event.listen(factory, "after_begin", _after_begin)
    return factory


def scope_to_org(session: Session, org_id: int) -> None:
    """Run ``session``'s transactions (the one open now, and every later one) as ``org_id``.

    ``SET LOCAL`` (``set_config(..., true)``) of the role and ``app.org_id``: both end with
    the transaction, so a pooled connection goes back to the pool as it came.
    """
    if session.in_transaction():
        # A connection acquired by this call fires ``after_begin`` with no org set yet.
        _scope(session.connection(), org_id)
    session.info["org_id"] = org_id


@contextmanager
def as_owner(session: Session) -> Iterator[None]:
    """Step back to the connecting role (the tables' owner) for the statements inside.

    For maintenance an org's role may not run (``ANALYZE``, ``gin_clean_pending_list``); the
    transaction's own role comes back after them, ``app.org_id`` is untouched.
    """
    role = session.scalar(text("SELECT current_setting('role')"))
    session.execute(text("SELECT set_config('role', 'none', true)"))
    yield
    session.execute(text("SELECT set_config('role', :role, true)"), {"role": role})


def _scope(connection: Connection, org_id: int) -> None:
    connection.execute(_SCOPE, {"role": ORG_ROLE, "org_id": str(org_id)})


def _after_begin(session: Session, _tx: SessionTransaction, connection: Connection) -> None:
    org_id = session.info.get("org_id")
    if org_id is not None:
        _scope(connection, org_id)


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One transaction: commit on success, roll back on error, always close."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
