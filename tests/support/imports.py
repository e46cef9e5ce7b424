"""Imports built by hand for tests of ``core.bulk.imports``: an org, an uploaded file and
its ``Import`` row, not yet split."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session, sessionmaker

from core.bulk import files, imports
from core.settings import Settings
from models import Import, Organization
from models.db import session_scope


def new_org(sessions: sessionmaker[Session], name: str) -> int:
    """A new org's id."""
    with session_scope(sessions) as s:
        org = Organization(name=name)
        s.add(org)
        s.flush()
        return org.id


def uploaded(sessions: sessionmaker[Session], settings: Settings, org_id: int, content: str,
             *, key: str, chunk_rows: int) -> uuid.UUID:  # fmt: skip
    """An import of contacts ``content`` by ``key``, recorded and uploaded, not yet split."""
    import_id = uuid.uuid4()
    path = files.upload_path(settings, org_id, import_id)
    path.parent.mkdir(parents=True)
    path.write_text(content, encoding="utf-8")
    the_plan = imports.plan(path, "contacts", mapping=None, key=key, given={})
    options = {**the_plan.fmt.as_json(), "mapping": the_plan.mapping, "key": key,
               "dry_run": False, "chunk_rows": chunk_rows}  # fmt: skip
    with session_scope(sessions) as s:
        s.add(Import(id=import_id, org_id=org_id, type="contacts", filename="c.csv",
                     options=options))  # fmt: skip
    return import_id
