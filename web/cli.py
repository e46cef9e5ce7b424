"""``flask users create`` and ``flask seed``."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select

from core import seed as seeding
from core.queueing.outbox import stage
from jobs.registry import JOB_TYPES
from models import Organization, User
from models.db import session_scope
from web.auth import mint_key
from web.ext import resources
from web.ops_cli import ops

# AppGroup and with_appcontext push the app context themselves: under ``flask`` the
# FlaskGroup would, but not under ``app.test_cli_runner()`` or another click entry point.
users = AppGroup("users", help="Manage users and their API keys.")


@users.command("create")
@click.option("--org", "org_name", required=True, help="Organization name (created if missing).")
@click.option("--email", required=True)
@click.option("--role", type=click.Choice(["member", "admin", "operator"]), default="member")
@click.option("--if-missing", is_flag=True, help="Reuse the user if it exists (new key).")
def create_user(org_name: str, email: str, role: str, if_missing: bool) -> None:
    """Create a user (and its org); print the new API key alone on the last line."""
    with session_scope(resources().sessions) as session:
        org = session.scalar(select(Organization).where(Organization.name == org_name))
        if org is None:
            org = Organization(name=org_name)
            session.add(org)
            session.flush()
        user = session.scalar(select(User).where(User.email == email))
        if user is not None and (not if_missing or user.org_id != org.id):
            raise click.ClickException(f"user {email} exists already")
        if user is None:
            user = User(org_id=org.id, email=email, role=role)
            session.add(user)
            session.flush()
        key = mint_key(session, user)
    click.echo(f"user {email} ({user.role}) in org {org_name} (id {org.id}); API key:", err=True)
    click.echo(key)


@click.command("seed")
@with_appcontext
@click.option("--org", "org_name", default="Demo", show_default=True)
@click.option("--demo", is_flag=True, help="A small demo data set (skipped if the org has data).")
@click.option("--contacts", type=click.IntRange(0), default=0, help="Contacts to add.")
def seed(org_name: str, demo: bool, contacts: int) -> None:
    """Load realistic CRM data into an org (several Faker locales)."""
    sizes = seeding.DEMO_SIZES if demo else seeding.sizes_for(contacts)
    added = seeding.seed(resources().settings, org_name, sizes, skip_if_present=demo, progress=True)
    click.echo(f"seeded {org_name}: {added}")
    if not added:
        return
    # COPY bypasses the write hooks: have the workers rebuild the org's search index and
    # dashboard, through the outbox like any other job.
    with session_scope(resources().sessions) as session:
        org_id = session.scalar(select(Organization.id).where(Organization.name == org_name))
        for name in ("search.reindex", "analytics.rollup"):
            stage(session, JOB_TYPES[name].actor, job_type=name, org_id=org_id, args=(org_id,))
    click.echo(f"staged search.reindex and analytics.rollup for {org_name}")


def register(app: Flask) -> None:
    """Add the commands to ``app``'s CLI."""
    app.cli.add_command(users)
    app.cli.add_command(seed)
    app.cli.add_command(ops)
