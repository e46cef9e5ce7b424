"""The chunk upsert: match by key within the org, for a new org and an existing one; the
staging statistics the split refreshes so the chunks plan for their real size."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session, sessionmaker

from core.bulk import imports, upsert
from core.bulk.fields import TYPES
from core.settings import Settings
from models import Company, Contact, ImportChunk
from models.db import scope_to_org, session_scope
from tests.support.imports import new_org, uploaded

CHUNK_ROWS = 4


@pytest.fixture
def bulk_settings(settings: Settings, tmp_path: Path) -> Settings:
    return settings.replace(bulk={"files_dir": tmp_path / "files", "chunk_rows": CHUNK_ROWS})


def _csv(people: list[tuple[str, str, str]]) -> str:
    return "first_name,last_name,email\n" + "".join(f"{f},{la},{e}\n" for f, la, e in people)


def _import(sessions: sessionmaker[Session], settings: Settings, org_id: int,
            content: str) -> dict[str, int]:  # fmt: skip
    """Split and run every chunk of one import, each in the org's own transaction (as the
    worker runs them); the summed counts."""
    import_id = uploaded(sessions, settings, org_id, content, key="email", chunk_rows=CHUNK_ROWS)
    chunks: list[int] = []
    with session_scope(sessions) as s:
        scope_to_org(s, org_id)
        imports.split(s, settings, import_id, lambda _s, _row, n: chunks.append(n))
    totals = {"created": 0, "updated": 0, "unchanged": 0, "rejected": 0}
    for n in chunks:
        with session_scope(sessions) as s:
            scope_to_org(s, org_id)
            done = imports.chunk(s, import_id, n, lambda *_: None, lambda *_: None)
        totals = {k: totals[k] + done[k] for k in totals}
    return totals


def _people(sessions: sessionmaker[Session], org_id: int) -> list[tuple[str, str | None, str]]:
    with sessions() as s:
        rows = s.execute(
            select(Contact.email, Contact.last_name, Contact.first_name)
            .where(Contact.org_id == org_id)
            .order_by(Contact.email)
        ).all()
    return [(r[0] or "", r[1], r[2]) for r in rows]  # every imported contact has an email


PEOPLE = [(f"P{i}", "Old", f"p{i}@x.test") for i in range(10)]


def test_a_new_orgs_import_creates_and_its_reimport_matches_by_key(
    sessions: sessionmaker[Session], bulk_settings: Settings
) -> None:
    org = new_org(sessions, "New")
    # Several chunks, so later ones match against rows earlier ones committed.
    first = _import(sessions, bulk_settings, org, _csv(PEOPLE))
    assert first == {"created": 10, "updated": 0, "unchanged": 0, "rejected": 0}
    changed = [(f, "New" if i % 2 else la, e) for i, (f, la, e) in enumerate(PEOPLE)]
    fresh = [("Q", "Added", "q@x.test")]
    second = _import(sessions, bulk_settings, org, _csv(changed + fresh))
    assert second == {"created": 1, "updated": 5, "unchanged": 5, "rejected": 0}
    want = sorted([(e, la, f) for f, la, e in changed + fresh])
    assert _people(sessions, org) == want


def test_an_existing_orgs_rows_are_matched_and_another_orgs_never(
    sessions: sessionmaker[Session], bulk_settings: Settings
) -> None:
    mine, theirs = new_org(sessions, "Mine"), new_org(sessions, "Theirs")
    _import(sessions, bulk_settings, theirs, _csv(PEOPLE))
    _import(sessions, bulk_settings, mine, _csv(PEOPLE[:3]))
    # The same emails in another org are not matches: mine gets its own rows.
    got = _import(sessions, bulk_settings, mine, _csv([(f, "Mine", e) for f, _, e in PEOPLE]))
    assert got == {"created": 7, "updated": 3, "unchanged": 0, "rejected": 0}
    assert {la for _, la, _ in _people(sessions, mine)} == {"Mine"}
    assert {la for _, la, _ in _people(sessions, theirs)} == {"Old"}


def test_the_split_refreshes_the_staging_statistics_as_the_org_runs_it(
    engine: Engine, sessions: sessionmaker[Session], bulk_settings: Settings
) -> None:
    """The chunks plan with the staged row count, not an empty table's (decision 0022).

    Below autovacuum's threshold (50 rows + 10%), only the split's ANALYZE can move
    ``reltuples``; an org's role that may not ANALYZE would leave it at 0.
    """
    with engine.begin() as conn:
        conn.execute(text("ANALYZE import_rows"))  # empty: 0 rows

    def staged_estimate() -> float:
        with engine.connect() as conn:
            return float(
                conn.execute(
                    text("SELECT reltuples FROM pg_class WHERE relname = 'import_rows'")
                ).scalar_one()
            )

    assert staged_estimate() == 0
    org = new_org(sessions, "Stats")
    import_id = uploaded(
        sessions, bulk_settings, org, _csv(PEOPLE[:7]), key="email", chunk_rows=CHUNK_ROWS
    )
    with session_scope(sessions) as s:
        scope_to_org(s, org)
        imports.split(s, bulk_settings, import_id, lambda *_: None)
    assert staged_estimate() == 7


def test_a_new_orgs_first_chunks_refresh_the_tables_statistics(
    engine: Engine, sessions: sessionmaker[Session], bulk_settings: Settings
) -> None:
    """Beside another org's rows, a new org counts as one row until a chunk ANALYZEs."""
    neighbour, org = new_org(sessions, "Neighbour"), new_org(sessions, "New")
    _import(sessions, bulk_settings, neighbour, _csv(PEOPLE))
    with engine.begin() as conn:
        conn.execute(text("ANALYZE contacts"))

    def estimate() -> float:
        with engine.connect() as conn:
            plan = conn.execute(
                text("EXPLAIN (FORMAT JSON) SELECT 1 FROM contacts WHERE org_id = :o"), {"o": org}
            ).scalar_one()
        return float(plan[0]["Plan"]["Plan Rows"])

    assert estimate() == 1
    _import(sessions, bulk_settings, org, _csv([(f, la, f"new-{e}") for f, la, e in PEOPLE]))
    assert estimate() >= CHUNK_ROWS


def test_every_probed_key_has_its_org_index(engine: Engine) -> None:
    """The per-row probe of a key is only cheap with an ``(org_id, key)`` index behind it
    (docs/decisions/0030); without one each staged row would scan the org's rows."""
    with engine.connect() as conn:
        indexed = {
            (table, columns[1])
            for table, columns in conn.execute(
                text(
                    "SELECT t.relname, array_agg(a.attname ORDER BY k.n) FROM pg_index i"
                    " JOIN pg_class t ON t.oid = i.indrelid"
                    " CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, n)"
                    " JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum"
                    " GROUP BY i.indexrelid, t.relname HAVING count(*) = 2"
                )
            )
            if columns[0] == "org_id"
        }
    assert set(upsert.PROBED_KEYS) <= indexed


def test_a_probed_key_matches_the_orgs_oldest_row_of_that_key(
    sessions: sessionmaker[Session], bulk_settings: Settings
) -> None:
    """Two rows of the org with one email (written outside imports): the lowest id is
    updated, as the join it replaced did; the other is left alone."""
    org = new_org(sessions, "Twins")
    with session_scope(sessions) as s:
        first = Contact(org_id=org, first_name="A", last_name="One", email="t@x.test")
        s.add(first)
        s.flush()
        s.add(Contact(org_id=org, first_name="B", last_name="Two", email="t@x.test"))
        s.flush()
        first_id = first.id
    got = _import(sessions, bulk_settings, org, _csv([("C", "Three", "t@x.test")]))
    assert got == {"created": 0, "updated": 1, "unchanged": 0, "rejected": 0}
    with sessions() as s:
        rows = s.execute(
            select(Contact.id, Contact.last_name).where(Contact.org_id == org).order_by(Contact.id)
        ).all()
    assert [(r[0] == first_id, r[1]) for r in rows] == [(True, "Three"), (False, "Two")]


def test_a_key_without_an_org_index_is_still_matched_by_a_join(
    sessions: sessionmaker[Session],
) -> None:
    """``phone`` is an allowed key of contacts with no ``(org_id, phone)`` index: not probed."""
    assert ("contacts", "phone") not in upsert.PROBED_KEYS
    org = new_org(sessions, "Phones")
    with session_scope(sessions) as s:
        s.add(Contact(org_id=org, first_name="A", last_name="Old", phone="+1 555"))
    import_id = uuid.uuid4()
    with session_scope(sessions) as s:
        scope_to_org(s, org)
        s.execute(
            text("INSERT INTO import_rows (import_id, row_no, data) VALUES (:i, 2, :d),"
                 " (:i, 3, :e)"),
            {"i": import_id, "d": '{"first_name": "A", "last_name": "New", "phone": "+1 555"}',
             "e": '{"first_name": "B", "last_name": "Other", "phone": "+1 556"}'},
        )  # fmt: skip
        kind = TYPES["contacts"]
        fields = tuple(f for f in kind.fields if f.name in ("first_name", "last_name", "phone"))
        params = {"import_id": import_id, "org_id": org, "lo": 0, "hi": 10}
        created, updated, unchanged = upsert.upsert(s, kind, fields, "phone", params)
        s.execute(text("DELETE FROM import_rows WHERE import_id = :i"), {"i": import_id})
    assert (created, updated, unchanged) == (1, 1, 0)
    people = _people(sessions, org)
    assert sorted((p[2], p[1]) for p in people) == [("A", "New"), ("B", "Other")]


def test_a_chunk_skips_its_analyze_while_another_chunk_runs_one(
    engine: Engine, sessions: sessionmaker[Session]
) -> None:
    """Another chunk holds the table's ANALYZE turn until it commits: this one skips its own
    instead of queueing behind it, and analyzes once the turn is free (0030)."""
    org = new_org(sessions, "Beside")
    with session_scope(sessions) as s:
        s.add(Contact(org_id=org, first_name="A", email="a@x.test"))
    contacts = TYPES["contacts"]
    with engine.connect() as holder:
        taken = holder.execute(
            text("SELECT pg_try_advisory_xact_lock(:s, hashtext('contacts'))"),
            {"s": upsert.ANALYZE_LOCK_SPACE},
        ).scalar_one()
        assert taken
        with session_scope(sessions) as s:
            scope_to_org(s, org)
            assert upsert.analyze_if_stale(s, contacts, org, 1_000) is False
        holder.rollback()
    with session_scope(sessions) as s:
        scope_to_org(s, org)
        assert upsert.analyze_if_stale(s, contacts, org, 1_000) is True


def test_values_with_backslashes_tabs_and_line_breaks_are_stored_as_written(
    sessions: sessionmaker[Session], bulk_settings: Settings
) -> None:
    """The staged JSON goes through COPY's text format: its escapes must survive it."""
    org = new_org(sessions, "Escapes")
    odd = 'C:\\new\\table\t"quoted"\r\nnext line \\\\ end'
    quoted = '"' + odd.replace('"', '""') + '"'
    content = f"first_name,last_name,email\n{quoted},Lee,e@x.test\nB\\,\\t,f@x.test\n"
    got = _import(sessions, bulk_settings, org, content)
    assert got == {"created": 2, "updated": 0, "unchanged": 0, "rejected": 0}
    assert _people(sessions, org) == [("e@x.test", "Lee", odd.strip()), ("f@x.test", "\\t", "B\\")]


def _kept_ids(sessions: sessionmaker[Session], import_id: uuid.UUID) -> list[list[int] | None]:
    with sessions() as s:
        return list(
            s.scalars(
                select(ImportChunk.ids)
                .where(ImportChunk.import_id == import_id)
                .order_by(ImportChunk.chunk_no)
            ).all()
        )


def _run_chunks(sessions: sessionmaker[Session], settings: Settings, org_id: int,
                content: str) -> tuple[uuid.UUID, list[int]]:  # fmt: skip
    """Split and chunk one import as the worker does; its id and the chunks staged to index."""
    import_id = uploaded(sessions, settings, org_id, content, key="email", chunk_rows=CHUNK_ROWS)
    chunks: list[int] = []
    indexed: list[int] = []
    with session_scope(sessions) as s:
        scope_to_org(s, org_id)
        imports.split(s, settings, import_id, lambda _s, _row, n: chunks.append(n))
    for n in chunks:
        with session_scope(sessions) as s:
            scope_to_org(s, org_id)
            imports.chunk(s, import_id, n, lambda _s, _row, c: indexed.append(c), lambda *_: None)
    return import_id, indexed


def test_each_chunk_keeps_the_ids_it_created_or_updated_for_its_index_job(
    sessions: sessionmaker[Session], bulk_settings: Settings
) -> None:
    """The upsert writes the ids to the chunk's row itself; a chunk that changed nothing
    keeps none and stages no index job."""
    org = new_org(sessions, "Kept")
    first, indexed = _run_chunks(sessions, bulk_settings, org, _csv(PEOPLE))
    by_email = {e: i for e, i in _ids_by_email(sessions, org)}
    # Rows 2-3, 4-7, 8-11 (the header is row 1): PEOPLE[0:2], [2:6], [6:10].
    want = [[by_email[e] for _f, _l, e in PEOPLE[a:b]] for a, b in ((0, 2), (2, 6), (6, 10))]
    assert [sorted(ids or []) for ids in _kept_ids(sessions, first)] == [sorted(w) for w in want]
    assert indexed == [0, 1, 2]
    # Re-imported: only the changed rows' ids (PEOPLE[3] and [7]); the first chunk none.
    changed = [(f, "New" if i in (3, 7) else la, e) for i, (f, la, e) in enumerate(PEOPLE)]
    again, indexed = _run_chunks(sessions, bulk_settings, org, _csv(changed))
    assert _kept_ids(sessions, again) == [None, [by_email["p3@x.test"]], [by_email["p7@x.test"]]]
    assert indexed == [1, 2]


def _ids_by_email(sessions: sessionmaker[Session], org_id: int) -> list[tuple[str, int]]:
    with sessions() as s:
        rows = s.execute(select(Contact.email, Contact.id).where(Contact.org_id == org_id)).all()
    return [(str(r[0]), int(r[1])) for r in rows]


def test_a_chunk_upserts_without_jit(
    sessions: sessionmaker[Session], bulk_settings: Settings
) -> None:
    """JIT compiling the upsert cost more than it saved on rows touched once (0040): the
    chunk's transaction turns it off for itself, and only for itself."""
    org = new_org(sessions, "NoJit")
    import_id = uploaded(
        sessions, bulk_settings, org, _csv(PEOPLE[:3]), key="email", chunk_rows=CHUNK_ROWS
    )
    chunks: list[int] = []
    with session_scope(sessions) as s:
        scope_to_org(s, org)
        imports.split(s, bulk_settings, import_id, lambda _s, _row, n: chunks.append(n))
    with session_scope(sessions) as s:
        scope_to_org(s, org)
        assert s.scalar(text("SELECT current_setting('jit')")) == "on"  # the server's default
        done = imports.chunk(s, import_id, chunks[0], lambda *_: None, lambda *_: None)
        assert done["created"] == 2
        assert s.scalar(text("SELECT current_setting('jit')")) == "off"
    with session_scope(sessions) as s:
        assert s.scalar(text("SELECT current_setting('jit')")) == "on"


def test_contacts_keep_no_index_on_org_id_alone_and_none_for_a_missing_company(
    engine: Engine,
) -> None:
    """An imported contact writes its primary key and its ``(org_id, email)`` key, and the
    ``company_id`` index only when it has a company (migration 0015); lookups by company,
    as the foreign key's ON DELETE SET NULL makes them, still use that index."""
    with engine.connect() as conn:
        indexes: dict[str, str] = dict(
            conn.execute(
                text("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'contacts'")
            ).all()
        )
        assert sorted(indexes) == ["ix_contacts_company_id", "ix_contacts_org_email", "pk_contacts"]
        assert indexes["ix_contacts_company_id"].endswith("WHERE (company_id IS NOT NULL)")
        conn.execute(text("SET LOCAL enable_seqscan = off"))
        conn.execute(text("SET LOCAL plan_cache_mode = force_generic_plan"))
        conn.execute(
            text("PREPARE by_company (bigint) AS"
                 " UPDATE contacts SET company_id = NULL WHERE company_id = $1")
        )  # fmt: skip
        plan = "\n".join(r[0] for r in conn.execute(text("EXPLAIN EXECUTE by_company(1)")).all())
        conn.execute(text("DEALLOCATE by_company"))
        conn.rollback()
    assert "ix_contacts_company_id" in plan


def test_deleting_a_company_still_unlinks_its_contacts(
    sessions: sessionmaker[Session],
) -> None:
    """ON DELETE SET NULL through the partial index: linked contacts lose the link, others
    are untouched."""
    org = new_org(sessions, "Unlink")
    with session_scope(sessions) as s:
        company = Company(org_id=org, name="Acme")
        s.add(company)
        s.flush()
        s.add_all([Contact(org_id=org, first_name="A", company_id=company.id),
                   Contact(org_id=org, first_name="B")])  # fmt: skip
        s.flush()
        company_id = company.id
    with session_scope(sessions) as s:
        s.execute(text("DELETE FROM companies WHERE id = :c"), {"c": company_id})
    with sessions() as s:
        rows = s.execute(
            select(Contact.first_name, Contact.company_id).where(Contact.org_id == org)
            .order_by(Contact.first_name)
        ).all()  # fmt: skip
    assert [tuple(r) for r in rows] == [("A", None), ("B", None)]
