"""``flask import``: the same pipeline as the API, followed with a progress bar."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import orjson
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from core.settings import Settings
from models import Contact, Import
from tests.support.factories import Tenant
from tests.web.test_imports_api import CSV, run_all


def test_flask_import_follows_the_import_to_its_end(
    make_app: Callable[..., Flask], settings: Settings, tenant: Tenant,
    sessions: sessionmaker[Session], tmp_path: Path,
) -> None:  # fmt: skip
    changes = {"files_dir": tmp_path / "files", "chunk_rows": 3}
    app = make_app(bulk=changes)
    source = tmp_path / "people.csv"
    source.write_text(CSV)

    def work() -> None:  # the workers' part, once the command has staged the import
        for _ in range(200):
            with sessions() as s:
                row = s.scalar(select(Import))
            if row is not None:
                run_all(settings.replace(bulk=changes), sessions, str(row.id))
                return
            threading.Event().wait(0.05)

    worker = threading.Thread(target=work)
    worker.start()
    result = app.test_cli_runner().invoke(
        args=["import", str(source), "--org", "Org A", "--type", "contacts", "--key", "email"]
    )
    worker.join(60)
    assert result.exit_code == 0, result.output
    out = orjson.loads(result.stdout.strip().splitlines()[-1])
    assert (out["status"], out["created"], out["rejected"]) == ("succeeded", 2, 5)
    assert out["report_url"].endswith("report.csv")
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(Contact)) == 2


def test_flask_import_refuses_bad_input_and_keeps_nothing(
    app: Flask, tenant: Tenant, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    source = tmp_path / "c.csv"
    source.write_text("name\nAcme\n")
    runner = app.test_cli_runner()
    bad = runner.invoke(args=["import", str(source), "--org", "Org A", "--type", "contacts"])
    assert bad.exit_code != 0 and "first_name" in bad.output
    nobody = runner.invoke(args=["import", str(source), "--org", "Nope", "--type", "companies"])
    assert nobody.exit_code != 0 and "no organization" in nobody.output
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(Import)) == 0
