"""``flask import FILE --org NAME --type TYPE``: an import from the shell, with a progress bar.

The same pipeline as ``POST /api/v1/imports`` (the workers run it); the command copies the
file under ``FILES_DIR``, checks it against its header, stages the import, then follows
its batch until it has finished (``--no-wait`` prints the import id and returns).
"""

from __future__ import annotations

import shutil
import time
import uuid
from pathlib import Path

import click
import orjson
from flask.cli import with_appcontext
from sqlalchemy import select
from tqdm import tqdm

from core.bulk import files, imports
from core.queueing import batches
from jobs import bulk
from models import Import, Organization
from models.db import session_scope
from web.ext import resources

POLL_S = 0.5


@click.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--org", "org_name", required=True, help="Organization name.")
@click.option(
    "--type",
    "type_name",
    required=True,
    type=click.Choice(["contacts", "companies", "deals", "leads", "activities"]),
)
@click.option("--key", default=None, help="Upsert field (e.g. email, domain).")
@click.option("--mapping", default=None, help='JSON: {"CSV column": "field", ...}.')
@click.option("--dry-run", is_flag=True, help="Count what would change; change nothing.")
@click.option("--encoding", default=None)
@click.option("--delimiter", default=None)
@click.option("--wait/--no-wait", default=True, help="Follow the import until it ends.")
@click.option("--timeout", default=3600.0, help="Stop following after this many seconds.")
@with_appcontext
def import_file(path: Path, org_name: str, type_name: str, key: str | None,
                mapping: str | None, dry_run: bool, encoding: str | None,
                delimiter: str | None, wait: bool, timeout: float) -> None:  # fmt: skip
    """Import a CSV or NDJSON file into an org; print the import's outcome as JSON."""
    res = resources()
    settings = res.settings
    try:
        columns = orjson.loads(mapping) if mapping else None
    except orjson.JSONDecodeError:
        raise click.BadParameter("must be a JSON object", param_hint="--mapping") from None
    with session_scope(res.sessions) as session:
        org_id = session.scalar(select(Organization.id).where(Organization.name == org_name))
        if org_id is None:
            raise click.ClickException(f"no organization named {org_name!r}")
        import_id = uuid.uuid4()
        target = files.upload_path(settings, org_id, import_id)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
        try:
            given = {"encoding": encoding, "delimiter": delimiter}
            the_plan = imports.plan(target, type_name, mapping=columns, key=key, given=given)
            row = imports.create(session, settings, import_id=import_id, org_id=org_id,
                                 user_id=None, the_plan=the_plan, filename=path.name,
                                 dry_run=dry_run, split=bulk.import_split,
                                 finish=bulk.import_finish)  # fmt: skip
        except imports.BadImport as exc:
            shutil.rmtree(target.parent, ignore_errors=True)
            raise click.ClickException(str(exc)) from None
        batch_id = row.job_id
    click.echo(f"import {import_id} (job {batch_id}) staged", err=True)
    if not wait:
        click.echo(str(import_id))
        return
    deadline = time.monotonic() + timeout
    with tqdm(total=100, unit="%", desc="import", leave=False) as bar:
        while time.monotonic() < deadline:
            with res.sessions() as session:
                current = session.get(Import, import_id)
                assert current is not None and batch_id is not None
                summary = batches.summary(session, batch_id) or {"progress": 0}
                bar.update(int(summary["progress"]) - bar.n)
                if current.finished_at is not None:
                    out = imports.as_dict(session, current, report_url=None)
                    break
            time.sleep(POLL_S)
        else:
            raise click.ClickException(f"import {import_id} still running after {timeout:.0f}s")
    report = files.report_path(settings, org_id, import_id)
    out["report_url"] = str(report) if report.is_file() else None
    click.echo(orjson.dumps(out).decode())
