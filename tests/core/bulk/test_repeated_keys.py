"""Repeated keys, found by the split over the whole file: grouped byte-wise, across chunks
and within one; the staging statistics it samples."""

from __future__ import annotations

import unicodedata
import uuid
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session, sessionmaker

from core.bulk import imports
from core.settings import Settings
from models import Contact
from models.db import scope_to_org, session_scope
from tests.support.imports import new_org, uploaded

CHUNK_ROWS = 3


@pytest.fixture
def bulk_settings(settings: Settings, tmp_path: Path) -> Settings:
    return settings.replace(bulk={"files_dir": tmp_path / "files", "chunk_rows": CHUNK_ROWS})


def _split(sessions: sessionmaker[Session], settings: Settings, org_id: int,
           import_id: uuid.UUID, staged: list[int]) -> dict[str, int]:  # fmt: skip
    with session_scope(sessions) as s:
        scope_to_org(s, org_id)
        return imports.split(s, settings, import_id, lambda _s, _row, n: staged.append(n))


def _chunk(sessions: sessionmaker[Session], org_id: int, import_id: uuid.UUID,
           chunk_no: int) -> dict[str, int]:  # fmt: skip
    with session_scope(sessions) as s:
        scope_to_org(s, org_id)
        return imports.chunk(s, import_id, chunk_no, lambda *_: None, lambda *_: None)


def _rejections(sessions: sessionmaker[Session], import_id: uuid.UUID) -> list[tuple[int, str]]:
    with sessions() as s:
        rows = s.execute(
            text("SELECT row_no, reason FROM import_rejections WHERE import_id = :i"
                 " ORDER BY row_no, id"), {"i": import_id},
        ).all()  # fmt: skip
    return [(int(r[0]), str(r[1])) for r in rows]


def test_the_staging_columns_the_chunks_plan_from_are_sampled_small(engine: Engine) -> None:
    """Statistics target 10 (3,000 sampled rows) on the two columns the split ANALYZEs."""
    with engine.connect() as conn:
        targets: dict[str, int] = dict(
            conn.execute(
                text("SELECT attname, attstattarget FROM pg_attribute"
                     " WHERE attrelid = 'import_rows'::regclass AND attnum > 0")
            ).all()
        )  # fmt: skip
    assert (targets["import_id"], targets["row_no"]) == (10, 10)


def test_repeated_keys_are_found_across_chunks_byte_for_byte(
    sessions: sessionmaker[Session], bulk_settings: Settings
) -> None:
    """Equal keys are equal bytes (``COLLATE "C"``), as the database's deterministic
    collation grouped them: a key that differs by case only, or NFC against NFD, is another
    key; a non-ASCII key repeated in a later chunk or in the same one is rejected."""
    nfc, nfd = "Zoë 1", unicodedata.normalize("NFD", "Zoë 1")
    assert nfc != nfd and unicodedata.normalize("NFC", nfd) == nfc
    phones = [
        nfc, nfd, "ÅB-7",  # rows 2-4 (chunk 0 holds rows 0-2, chunk 1 rows 3-5)
        "åb-7", nfc, "x-1",  # row 6 repeats row 2 (another chunk)
        "ÅB-7", nfd, "åb-7",  # rows 8, 9, 10 repeat rows 4, 3, 5
        "zoë 1", "k-1", "k-1",  # row 13 repeats row 12 (the same chunk)
    ]  # fmt: skip
    body = "".join(f"N{i},Lee,{p}\n" for i, p in enumerate(phones))
    content = "first_name,last_name,phone\n" + body
    org = new_org(sessions, "Keys")
    import_id = uploaded(sessions, bulk_settings, org, content, key="phone", chunk_rows=CHUNK_ROWS)
    staged: list[int] = []
    _split(sessions, bulk_settings, org, import_id, staged)
    assert staged == [0, 1, 2, 3, 4]
    assert _rejections(sessions, import_id) == [
        (6, "the same phone as row 2"), (8, "the same phone as row 4"),
        (9, "the same phone as row 3"), (10, "the same phone as row 5"),
        (13, "the same phone as row 12"),
    ]  # fmt: skip
    created = sum(_chunk(sessions, org, import_id, n)["created"] for n in staged)
    assert created == 7
    with sessions() as s:
        stored = sorted(
            p or "" for p in s.scalars(select(Contact.phone).where(Contact.org_id == org))
        )
    assert stored == sorted({p.encode(): p for p in phones}.values())
    # The same file again: every row unchanged, nothing written twice.
    again = uploaded(sessions, bulk_settings, org, content, key="phone", chunk_rows=CHUNK_ROWS)
    staged = []
    _split(sessions, bulk_settings, org, again, staged)
    totals = [_chunk(sessions, org, again, n) for n in staged]
    assert sum(t["unchanged"] for t in totals) == 7
    assert sum(t["created"] + t["updated"] for t in totals) == 0
