"""The typed Python client in ``clients/python``: up to date, and it works against a server."""

from __future__ import annotations

import filecmp
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from flask import Flask
from sqlalchemy import Engine

import worker.entry  # noqa: F401 - declares every actor
from core import search
from core.queueing.broker import configure
from core.settings import Settings
from tests.support.factories import Tenant
from tests.support.stack import ROOT, RelayThread, ServeApp, WorkerProcess, wait_for

CLIENTS = ROOT / "clients" / "python"
PACKAGE = CLIENTS / "saleshub-client"
BIN = Path(sys.executable).parent


def _differences(cmp: filecmp.dircmp[str], here: str = "") -> list[str]:
    out = [f"{here}{n}" for n in cmp.left_only + cmp.right_only + cmp.diff_files]
    for name, sub in cmp.subdirs.items():
        out += _differences(sub, f"{here}{name}/")
    return out


def test_the_committed_client_is_what_make_client_generates(tmp_path: Path) -> None:
    document = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "openapi.py")],
        capture_output=True, text=True, check=True, timeout=120,
    ).stdout  # fmt: skip
    stale = "the client is out of date: run `make client` and commit clients/python"
    assert document == (CLIENTS / "openapi.json").read_text(), stale
    (tmp_path / "openapi.json").write_text(document)
    out = tmp_path / "saleshub-client"
    generated = subprocess.run(
        [
            str(BIN / "openapi-python-client"), "generate",
            "--path", str(tmp_path / "openapi.json"), "--config", str(CLIENTS / "config.yml"),
            "--meta", "setup", "--output-path", str(out), "--overwrite",
        ],
        cwd=CLIENTS, check=True, capture_output=True, text=True, timeout=300,
        env={**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"},
    )  # fmt: skip
    # A schema the generator cannot read is dropped with a warning: its methods lose types.
    assert "Warning" not in generated.stdout + generated.stderr, generated.stdout
    cmp = filecmp.dircmp(PACKAGE, out, ignore=["__pycache__"])
    assert _differences(cmp) == [], stale


@pytest.fixture
def sdk() -> Iterator[Any]:
    """The generated package, imported from its folder (as `pip install -e` would)."""
    sys.path.insert(0, str(PACKAGE))
    try:
        import saleshub_client

        yield saleshub_client
    finally:
        sys.path.remove(str(PACKAGE))


def test_create_search_and_run_a_job_through_the_client(
    app: Flask, sdk: Any, tenant: Tenant, settings: Settings, engine: Engine, tmp_path: Path
) -> None:
    from saleshub_client.api.contacts import post_api_v1_contacts
    from saleshub_client.api.jobs import get_api_v1_jobs_job_id, post_api_v1_jobs
    from saleshub_client.api.search import get_api_v1_search
    from saleshub_client.models import (
        Contact,
        ContactIn,
        Error,
        Job,
        JobIn,
        JobStatus,
        SearchResult,
    )

    search.CACHE.clear()
    broker = configure(settings)
    worker = WorkerProcess(settings, tmp_path / "worker.log")
    worker.start()
    try:
        with ServeApp(app) as served, RelayThread(settings, broker):
            client = sdk.AuthenticatedClient(base_url=served.http, token=tenant.member, timeout=30)
            made = post_api_v1_contacts.sync(
                client=client, body=ContactIn(first_name="Ottoline", last_name="Brackwater")
            )
            # Answers parse into the typed models the document names (web.responses).
            assert isinstance(made, Contact), made
            contact_id = made.id

            def found() -> list[Any]:
                page = get_api_v1_search.sync(client=client, q="brackwater")
                assert isinstance(page, SearchResult), page
                return [i for i in page.items if i.id == contact_id]

            hit = wait_for(found, timeout=60)
            assert hit[0].type_ == "contact"

            started = post_api_v1_jobs.sync(client=client, body=JobIn(type_="analytics.rollup"))
            assert isinstance(started, Job), started
            assert started.status is JobStatus.QUEUED

            def finished() -> Any:
                job = get_api_v1_jobs_job_id.sync(client=client, job_id=started.id)
                assert isinstance(job, Job), job
                return job if job.status.value in ("succeeded", "failed", "dead") else None

            assert wait_for(finished, timeout=60).status is JobStatus.SUCCEEDED
            missing = get_api_v1_jobs_job_id.sync(client=client, job_id=UUID(int=1))
            assert isinstance(missing, Error) and missing.error.code == "not_found"
    finally:
        worker.stop()
