"""The split stages and commits chunk by chunk: chunks run while it reads, repeated keys are
found across chunks (byte-wise), and a redelivered split resumes after what it committed."""

from __future__ import annotations

import unicodedata
import uuid
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from core.bulk import files, imports
from core.settings import Settings
from models import Contact, Import, ImportKey, Organization
from models.db import scope_to_org, session_scope

CHUNK_ROWS = 3


@pytest.fixture
def bulk_settings(settings: Settings, tmp_path: Path) -> Settings:
    return settings.replace(bulk={"files_dir": tmp_path / "files", "chunk_rows": CHUNK_ROWS})


def _org(sessions: sessionmaker[Session], name: str) -> int:
    with session_scope(sessions) as s:
        org = Organization(name=name)
        s.add(org)
        s.flush()
        return org.id


def _create(sessions: sessionmaker[Session], settings: Settings, org_id: int, content: str,
            key: str) -> uuid.UUID:  # fmt: skip
    import_id = uuid.uuid4()
    path = files.upload_path(settings, org_id, import_id)
    path.parent.mkdir(parents=True)
    path.write_text(content, encoding="utf-8")
    the_plan = imports.plan(path, "contacts", mapping=None, key=key, given={})
    options = {**the_plan.fmt.as_json(), "mapping": the_plan.mapping, "key": key,
               "dry_run": False, "chunk_rows": CHUNK_ROWS}  # fmt: skip
    with session_scope(sessions) as s:
        s.add(Import(id=import_id, org_id=org_id, type="contacts", filename="c.csv",
                     options=options))  # fmt: skip
    return import_id


def _split(sessions: sessionmaker[Session], settings: Settings, org_id: int,
           import_id: uuid.UUID, staged: list[int]) -> dict[str, int]:  # fmt: skip
    with session_scope(sessions) as s:
        scope_to_org(s, org_id)
        return imports.split(s, settings, import_id, lambda _s, _row, n: staged.append(n))


def _chunk(sessions: sessionmaker[Session], org_id: int, import_id: uuid.UUID,
           chunk_no: int) -> dict[str, int]:  # fmt: skip
    with session_scope(sessions) as s:
        scope_to_org(s, org_id)
        s.execute(text("SET LOCAL lock_timeout = '5s'"))  # fail, not hang, on a held lock
        return imports.chunk(s, import_id, chunk_no, lambda *_: None, lambda *_: None)


def _rejections(sessions: sessionmaker[Session], import_id: uuid.UUID) -> list[tuple[int, str]]:
    with sessions() as s:
        rows = s.execute(
            text("SELECT row_no, reason FROM import_rejections WHERE import_id = :i"
                 " ORDER BY row_no, id"), {"i": import_id},
        ).all()  # fmt: skip
    return [(int(r[0]), str(r[1])) for r in rows]


def test_a_chunk_is_committed_and_can_run_while_the_split_reads_on(
    sessions: sessionmaker[Session], bulk_settings: Settings
) -> None:
    org = _org(sessions, "Overlap")
    people = "".join(f"P{i},Lee,p{i}@x.test\n" for i in range(10))  # rows 2-11: chunks 0-3
    import_id = _create(sessions, bulk_settings, org, "first_name,last_name,email\n" + people,
                        "email")  # fmt: skip
    seen: dict[int, dict[str, int]] = {}

    def stage_chunk(_s: Session, _row: Import, n: int) -> None:
        if n == 1:  # chunk 0 is committed with its job: run it, as a worker would now
            seen[0] = _chunk(sessions, org, import_id, 0)

    with session_scope(sessions) as s:
        scope_to_org(s, org)
        imports.split(s, bulk_settings, import_id, stage_chunk)
    assert seen[0] == {"created": 1, "updated": 0, "unchanged": 0, "rejected": 0}  # row 2
    for n in (1, 2, 3):
        assert _chunk(sessions, org, import_id, n)["created"] == 3
    with sessions() as s:
        row = s.get(Import, import_id)
        assert row is not None
        assert (row.status, row.rows_read, row.rejected, row.chunks_staged) == (
            "running", 10, 0, 4,
        )  # fmt: skip
        assert s.scalar(select(Contact.id).where(Contact.email == "p9@x.test")) is not None
        assert s.scalars(select(ImportKey).where(ImportKey.import_id == import_id)).all() == []


def test_repeated_keys_are_found_across_chunks_byte_for_byte(
    sessions: sessionmaker[Session], bulk_settings: Settings
) -> None:
    """Equal keys are equal bytes, as the database's deterministic collation groups them: a
    key that differs by case only, or NFC against NFD, is another key."""
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
    org = _org(sessions, "Keys")
    import_id = _create(sessions, bulk_settings, org, content, "phone")
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
        stored = sorted(s.scalars(select(Contact.phone).where(Contact.org_id == org)))
    assert stored == sorted({p.encode(): p for p in phones}.values())
    # The same file again: every row unchanged, nothing written twice.
    again = _create(sessions, bulk_settings, org, content, "phone")
    staged = []
    _split(sessions, bulk_settings, org, again, staged)
    totals = [_chunk(sessions, org, again, n) for n in staged]
    assert sum(t["unchanged"] for t in totals) == 7
    assert sum(t["created"] + t["updated"] for t in totals) == 0


def test_a_redelivered_split_resumes_after_the_chunks_it_committed(
    sessions: sessionmaker[Session], bulk_settings: Settings
) -> None:
    emails = [f"r{i}@x.test" for i in range(9)] + ["r1@x.test", "bad", "r10@x.test"]
    content = "first_name,last_name,email\n" + "".join(f"R,Lee,{e}\n" for e in emails)
    org = _org(sessions, "Redelivered")
    import_id = _create(sessions, bulk_settings, org, content, "email")
    staged: list[int] = []

    def crash_at_chunk_2(_s: Session, _row: Import, n: int) -> None:
        if n == 2:
            raise RuntimeError("the worker died")
        staged.append(n)

    with pytest.raises(RuntimeError), session_scope(sessions) as s:
        scope_to_org(s, org)
        imports.split(s, bulk_settings, import_id, crash_at_chunk_2)
    assert staged == [0, 1]
    with sessions() as s:
        row = s.get(Import, import_id)
        assert row is not None
        assert (row.status, row.chunks_staged, row.rows_read) == ("queued", 2, 4)  # rows 2-5
    # Delivered again: chunks 0 and 1 are read, not written; the rest once.
    again: list[int] = []
    done = _split(sessions, bulk_settings, org, import_id, again)
    assert again == [2, 3, 4]
    assert done == {"rows_read": 12, "rejected": 2, "chunks": 5}
    # Row 11 repeats row 3, staged by the first delivery; row 12 is no email.
    assert _rejections(sessions, import_id) == [
        (11, "the same email as row 3"), (12, "not an email address"),
    ]  # fmt: skip
    # A third delivery, after the split finished, changes nothing.
    assert _split(sessions, bulk_settings, org, import_id, again) == {"skipped": 1}
    created = sum(_chunk(sessions, org, import_id, n)["created"] for n in [0, 1, *again])
    assert created == 10
