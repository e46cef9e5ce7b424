"""An import chunk's index job: the rows it wrote become documents, indexed as the org, with
the index's statistics refreshed for a new org (decision 0029)."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session, sessionmaker

from core import search
from core.bulk import imports
from core.search import store
from core.settings import Settings
from models import ImportChunk, SearchDocument
from models.db import scope_to_org, session_scope
from tests.core.bulk.test_upsert import CHUNK_ROWS, PEOPLE, _csv, bulk_settings
from tests.support.imports import new_org, uploaded

__all__ = ["bulk_settings"]  # the fixture, shared with test_upsert


def _estimate(engine: Engine, org_id: int) -> float:
    with engine.connect() as conn:
        plan = conn.execute(
            text("EXPLAIN (FORMAT JSON) SELECT 1 FROM search_documents WHERE org_id = :o"),
            {"o": org_id},
        ).scalar_one()
    return float(plan[0]["Plan"]["Plan Rows"])


def _split_and_chunk(sessions: sessionmaker[Session], settings: Settings, org_id: int) -> tuple[
    uuid.UUID, list[int]]:  # fmt: skip
    """Run an import's split and chunks as the worker does; the chunks that staged an index."""
    content = _csv(PEOPLE)
    import_id = uploaded(sessions, settings, org_id, content, key="email", chunk_rows=CHUNK_ROWS)
    chunks: list[int] = []
    with session_scope(sessions) as s:
        scope_to_org(s, org_id)
        imports.split(s, settings, import_id, lambda _s, _row, n: chunks.append(n))
    staged: list[int] = []
    for n in chunks:
        with session_scope(sessions) as s:
            scope_to_org(s, org_id)
            imports.chunk(s, import_id, n, lambda _s, _row, c: staged.append(c), lambda *_: None)
    return import_id, staged


def test_index_jobs_write_every_document_as_the_org_and_refresh_the_statistics(
    engine: Engine, sessions: sessionmaker[Session], bulk_settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setattr(imports, "INDEX_BATCH", 2)  # several batches per chunk of 4 rows
    monkeypatch.setattr(store, "STALE_FACTOR", 1)  # refreshed once 2 are written, not 4
    org = new_org(sessions, "Indexed")
    with engine.begin() as conn:
        conn.execute(text("ANALYZE search_documents"))  # the new org is not in them
    assert _estimate(engine, org) == 1
    import_id, staged = _split_and_chunk(sessions, bulk_settings, org)
    assert staged == [0, 1, 2]
    roles: set[str] = set()

    def index(session: Session, org_id: int, kind: str, ids: list[int]) -> None:
        roles.add(str(session.scalar(text("SELECT current_user"))))
        search.index_many(session, org_id, kind, ids)

    done = [imports.index_chunk(sessions, import_id, n, index) for n in staged]
    assert done == [2, 4, 4]  # rows 2-3, 4-7, 8-11 (the header is row 1)
    assert roles == {"saleshub_org"}  # row-level security applies to every batch
    with sessions() as s:
        titles = s.scalars(select(SearchDocument.title).where(SearchDocument.org_id == org)).all()
        left = s.scalars(select(ImportChunk.ids).where(ImportChunk.import_id == import_id)).all()
    assert sorted(titles) == sorted(f"{f} {la}" for f, la, _ in PEOPLE)
    assert left == [None, None, None]  # a redelivered index job finds nothing to do
    # Refreshed between batches, so later lookups plan for the org's real size.
    assert _estimate(engine, org) >= 2
    assert imports.index_chunk(sessions, import_id, 0, index) == 0


def test_analyze_if_stale_only_when_the_statistics_count_fewer_documents(
    engine: Engine, sessions: sessionmaker[Session], bulk_settings: Settings
) -> None:
    org = new_org(sessions, "Stale")
    with engine.begin() as conn:
        conn.execute(text("ANALYZE search_documents"))  # before the org has a document
    import_id, staged = _split_and_chunk(sessions, bulk_settings, org)
    for n in staged:  # one batch each: no refresh of their own
        imports.index_chunk(sessions, import_id, n, search.index_many)
    assert _estimate(engine, org) == 1
    with session_scope(sessions) as s:
        scope_to_org(s, org)  # as the org's role, which may not ANALYZE by itself
        assert store.analyze_if_stale(s, org, 0) is False
        assert store.analyze_if_stale(s, org, store.STALE_FACTOR) is False  # 1 x 4 >= 4
        assert store.analyze_if_stale(s, org, 10) is True
    assert _estimate(engine, org) >= 10
    with session_scope(sessions) as s:
        scope_to_org(s, org)
        assert store.analyze_if_stale(s, org, 10) is False
