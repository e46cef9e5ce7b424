"""``Idempotency-Key`` on the multipart ``POST /api/v1/imports``: replay, conflict, scope."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import Engine, text

from tests.conftest import auth
from tests.support.client import JsonClient, JsonResponse, client_for
from tests.support.factories import Tenant
from tests.web.helpers import assert_error, count

IMPORTS = "/api/v1/imports"
CSV = b"first_name,last_name,email\nAnn,Lee,ann@x.test\nBob,Ray,bob@x.test\n"
# What a staged import leaves behind: its row, its batch, the batch's jobs, the stored key.
STAGED = ("imports", "job_batches", "jobs", "idempotency_keys")


@pytest.fixture
def files_dir(tmp_path: Path) -> Path:
    return tmp_path / "files"


@pytest.fixture
def bc(make_app: Callable[..., Flask], files_dir: Path) -> JsonClient:
    return client_for(make_app(bulk={"files_dir": files_dir}))


def upload(client: JsonClient, api_key: str, idem: str, content: bytes = CSV,
           **fields: Any) -> JsonResponse:  # fmt: skip
    data = {"file": (io.BytesIO(content), fields.pop("filename", "people.csv")),
            "type": "contacts", **fields}  # fmt: skip
    return client.post(IMPORTS, data=data, content_type="multipart/form-data",
                       headers=auth(api_key, **{"Idempotency-Key": idem}))  # fmt: skip


def staged(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    with engine.connect() as conn:
        return {t: [tuple(r) for r in conn.execute(text(f"SELECT * FROM {t} ORDER BY 1"))]
                for t in STAGED}  # fmt: skip


def uploads(files_dir: Path) -> list[Path]:
    return sorted(p for p in files_dir.rglob("*") if p.is_file()) if files_dir.exists() else []


def test_the_same_upload_replays_the_first_answer_and_stages_nothing_more(
    bc: JsonClient, engine: Engine, tenant: Tenant, files_dir: Path
) -> None:
    mapping = '{"first_name": "first_name", "email": "email"}'
    first = upload(bc, tenant.member, "imp-1", key="email", mapping=mapping)
    assert first.status_code == 202, first.json
    assert "Idempotent-Replayed" not in first.headers
    after_first = staged(engine), uploads(files_dir)
    # The same object in another key order is the same mapping, as JSON bodies are.
    same_mapping = '{ "email":"email", "first_name":"first_name" }'
    second = upload(bc, tenant.member, "imp-1", key="email", mapping=same_mapping)
    assert second.status_code == 202
    assert second.headers["Idempotent-Replayed"] == "true"
    assert second.json == first.json
    assert second.headers["Location"] == first.headers["Location"]
    assert (staged(engine), uploads(files_dir)) == after_first
    assert count(engine, "imports") == count(engine, "job_batches") == 1
    assert len(uploads(files_dir)) == 1


@pytest.mark.parametrize(
    ("content", "fields"),
    [
        (CSV + b"Cy,Oh,cy@x.test\n", {"key": "email"}),  # another file
        (CSV, {"key": "phone"}),  # another field
        (CSV, {"key": "email", "dry_run": "true"}),
        (CSV, {"key": "email", "filename": "other.csv"}),
    ],
)
def test_the_same_key_with_another_upload_is_409_and_changes_nothing(
    bc: JsonClient, engine: Engine, tenant: Tenant, files_dir: Path, content: bytes,
    fields: dict[str, str],
) -> None:  # fmt: skip
    assert upload(bc, tenant.member, "imp-2", key="email").status_code == 202
    before = staged(engine), uploads(files_dir)
    error = assert_error(upload(bc, tenant.member, "imp-2", content, **fields), 409)
    assert "Idempotency-Key" in error["message"]
    assert (staged(engine), uploads(files_dir)) == before


def test_another_org_or_api_key_with_the_same_key_is_independent(
    bc: JsonClient, engine: Engine, tenant: Tenant, other_tenant: Tenant
) -> None:
    mine = upload(bc, tenant.member, "shared")
    theirs = upload(bc, other_tenant.member, "shared")
    colleague = upload(bc, tenant.admin, "shared")
    for resp in (mine, theirs, colleague):
        assert resp.status_code == 202 and "Idempotent-Replayed" not in resp.headers
    assert len({mine.json["id"], theirs.json["id"], colleague.json["id"]}) == 3
    assert count(engine, "imports", "org_id = :o", o=tenant.org_id) == 2
    assert count(engine, "imports", "org_id = :o", o=other_tenant.org_id) == 1
    # Each still replays its own answer.
    assert upload(bc, other_tenant.member, "shared").json == theirs.json
    assert upload(bc, tenant.admin, "shared").json == colleague.json


def test_a_refused_upload_does_not_use_up_its_key(
    bc: JsonClient, engine: Engine, tenant: Tenant, files_dir: Path
) -> None:
    assert_error(upload(bc, tenant.member, "retry", key="title"), 422)
    assert count(engine, "idempotency_keys") == 0 and uploads(files_dir) == []
    good = upload(bc, tenant.member, "retry", key="email")
    assert good.status_code == 202
    assert upload(bc, tenant.member, "retry", key="email").json == good.json
    assert_error(upload(bc, tenant.member, "x" * 256, key="email"), 422)
    assert count(engine, "imports") == 1
