"""Invalidation on commit: the tags of every write made through a session factory are
collected as it flushes and bumped right after its transaction commits.

Collected from ORM events into ``session.info`` (as Warehouse collects its jobs), so no
write path can forget to invalidate: the web's CRUD, jobs such as the analytics rollup,
the CLI. Writes that bypass the ORM (raw SQL, ``COPY`` in ``flask seed``) are not seen:
follow them with a ``cache.invalidate`` job.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction, sessionmaker

from core.cache.base import CacheBase
from core.cache.keys import TRACKED_TABLES, write_tags
from core.cache.warm import warm_keys, written_keys

log = logging.getLogger(__name__)
INFO_KEY = "saleshub.cache_tags"


def _collect(session: Session, org_id: int, tags: set[str]) -> None:
    pending: dict[int, set[str]] = session.info.setdefault(INFO_KEY, {})
    pending.setdefault(org_id, set()).update(tags)


def _after_flush(session: Session, _context: Any) -> None:
    changed = [(o, False) for o in session.new]
    changed += [(o, False) for o in session.dirty if session.is_modified(o)]
    changed += [(o, True) for o in session.deleted]
    for obj, deleted in changed:
        table = getattr(obj, "__tablename__", None)
        org_id = getattr(obj, "org_id", None)
        if table not in TRACKED_TABLES or org_id is None:
            continue
        row_id = getattr(obj, "id", None) if table != "analytics_snapshots" else None
        _collect(session, org_id, write_tags(table, row_id, deleted=deleted))


def _org_ids(state: ORMExecuteState) -> set[int]:
    """The org ids a DML statement names (its values, parameters or ``org_id = …``)."""
    params: list[dict[str, Any]] = [state.statement.compile().params]  # type: ignore[attr-defined]
    given = state.parameters
    if isinstance(given, dict):
        params.append(given)
    elif isinstance(given, list | tuple):
        params += [p for p in given if isinstance(p, dict)]
    return {
        v for p in params for k, v in p.items() if k.startswith("org_id") and isinstance(v, int)
    }


def _on_execute(state: ORMExecuteState) -> None:
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    mapper = state.bind_mapper
    table = mapper.local_table.name if mapper is not None else None  # type: ignore[attr-defined]
    if table not in TRACKED_TABLES:
        return
    orgs = _org_ids(state)
    if not orgs:
        log.warning("a bulk write to %s names no org: its cached answers age out by TTL", table)
    for org_id in orgs:
        _collect(state.session, org_id, write_tags(table, None, deleted=state.is_delete))


def _refresh(factory: sessionmaker[Session], cache: CacheBase, org_id: int, tags: set[str]) -> None:
    """Recompute what the commit made stale and is read next (see ``written_keys``)."""
    wanted = written_keys(tags)
    if not wanted:
        return
    try:
        with factory() as session:
            warm_keys(cache, session, org_id, wanted)
    except Exception:
        # Only an optimization: the write is committed and its tags bumped; a failure here
        # must not fail the request that made it (the next read recomputes).
        log.warning("refresh after commit failed", exc_info=True)


def track_writes(factory: sessionmaker[Session], cache: CacheBase) -> None:
    """Bump the tags of every write through ``factory``'s sessions right after it commits,
    then recompute the written rows' details (``refresh_on_write``)."""

    def after_commit(session: Session) -> None:
        for org_id, tags in session.info.pop(INFO_KEY, {}).items():
            if cache.bump(org_id, tags) and cache.config.refresh_on_write:
                _refresh(factory, cache, org_id, tags)

    def after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
        if transaction.parent is None:  # the outer transaction ended without a commit
            session.info.pop(INFO_KEY, None)

    event.listen(factory, "after_flush", _after_flush)
    event.listen(factory, "do_orm_execute", _on_execute)
    event.listen(factory, "after_commit", after_commit)
    event.listen(factory, "after_transaction_end", after_transaction_end)
