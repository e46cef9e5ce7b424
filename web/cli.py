"""``flask users create|list|set-role|disable``, ``flask keys create|list|revoke``, ``flask seed``.

The shell is the platform's operator: these commands act on any org, and keep the same
rules as the API (the last admin of an org stays) and the same audit log (no acting user):
every org, user and key they create and every change they make is an audit entry.

An email is unique within an org only (case ignored): a command that finds a user by email
takes ``--org NAME``, and refuses an email of several orgs without it, changing nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import click
from flask import Flask
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select
from sqlalchemy.orm import Session

from core import access
from core import seed as seeding
from core.ops import audit
from core.queueing.outbox import stage
from jobs.registry import JOB_TYPES
from models import ApiKey, Organization, User
from models.db import session_scope
from web.auth import create_key
from web.bulk_cli import import_file
from web.ext import resources
from web.ops_cli import ops
from web.secrets_cli import secrets

# AppGroup and with_appcontext push the app context themselves: under ``flask`` the
# FlaskGroup would, but not under ``app.test_cli_runner()`` or another click entry point.
users = AppGroup("users", help="Manage users and their API keys.")
keys = AppGroup("keys", help="Create, list and revoke API keys.")


ORG_OPTION = click.option(
    "--org", "org_name", help="The user's organization (needed if the email is in several)."
)


def _user(session: Session, email: str, org_name: str | None) -> User:
    """The user with ``email`` (in org ``org_name``); refuse an email of several orgs."""
    stmt = select(User, Organization.name).join(Organization).where(access.email_is(email))
    if org_name is not None:
        stmt = stmt.where(Organization.name == org_name)
    found = session.execute(stmt.order_by(Organization.name)).all()
    if not found:
        where = f" in org {org_name}" if org_name is not None else ""
        raise click.ClickException(f"no user {email}{where}")
    if len(found) > 1:
        orgs = ", ".join(org for _, org in found)
        raise click.ClickException(
            f"{email} is a user of {len(found)} organizations ({orgs}): name one with --org"
        )
    user: User = found[0][0]
    return user


def _iso(value: datetime | None) -> str:
    return value.isoformat(timespec="seconds") if value else "-"


@users.command("create")
@click.option("--org", "org_name", required=True, help="Organization name (created if missing).")
@click.option("--email", required=True, help="Stored in lower case; unique within the org.")
@click.option("--role", type=click.Choice(["member", "admin", "operator"]), default="member")
@click.option("--if-missing", is_flag=True, help="Reuse the user if it exists (new key).")
def create_user(org_name: str, email: str, role: str, if_missing: bool) -> None:
    """Create a user (and its org); print the new API key alone on the last line."""
    email = email.lower()
    with session_scope(resources().sessions) as session:
        org = session.scalar(select(Organization).where(Organization.name == org_name))
        if org is None:
            org = Organization(name=org_name)
            session.add(org)
            session.flush()
            audit.record(session, "org.create", f"org:{org.id}", org_id=org.id, name=org_name)
        user = session.scalar(select(User).where(User.org_id == org.id, access.email_is(email)))
        if user is not None and not if_missing:
            raise click.ClickException(f"user {email} exists already in org {org_name}")
        if user is None:
            user = User(org_id=org.id, email=email, role=role)
            session.add(user)
            session.flush()
            access.user_created(session, user)
        row, key = create_key(session, user)
        access.key_created(session, row, user)
    click.echo(f"user {email} ({user.role}) in org {org_name} (id {org.id}); API key:", err=True)
    click.echo(key)


@users.command("list")
@click.option("--org", "org_name", help="Only this organization's users.")
def list_users(org_name: str | None) -> None:
    """List users: id, org, email, role, disabled."""
    with session_scope(resources().sessions) as session:
        stmt = select(User, Organization.name).join(Organization).order_by(User.id)
        if org_name is not None:
            stmt = stmt.where(Organization.name == org_name)
        for user, org in session.execute(stmt):
            state = "disabled" if user.disabled_at else "active"
            click.echo(f"{user.id}\t{org}\t{user.email}\t{user.role}\t{state}")


@users.command("set-role")
@click.argument("email")
@click.argument("role", type=click.Choice(["member", "admin", "operator"]))
@ORG_OPTION
def set_role(email: str, role: str, org_name: str | None) -> None:
    """Change a user's role (from its next request)."""
    with session_scope(resources().sessions) as session:
        try:
            changes = access.change_user(session, _user(session, email, org_name), role=role)
        except access.LastAdmin as exc:
            raise click.ClickException(str(exc)) from None
    click.echo(f"{email}: {role}" if changes else f"{email} is {role} already")


@users.command("disable")
@click.argument("email")
@click.option("--enable", is_flag=True, help="Enable the user again instead.")
@ORG_OPTION
def disable_user(email: str, enable: bool, org_name: str | None) -> None:
    """Disable a user: every key of theirs answers 401 from its next request."""
    with session_scope(resources().sessions) as session:
        try:
            access.change_user(session, _user(session, email, org_name), disabled=not enable)
        except access.LastAdmin as exc:
            raise click.ClickException(str(exc)) from None
    click.echo(f"{email}: {'enabled' if enable else 'disabled'}")


@keys.command("create")
@click.option("--email", required=True, help="The key's user.")
@click.option("--name", default="", help="What the key is for.")
@click.option("--expires-days", type=click.IntRange(1), help="Expire the key after this many days.")
@ORG_OPTION
def create_api_key(email: str, name: str, expires_days: int | None, org_name: str | None) -> None:
    """Mint a key for a user; print the key alone on the last line (shown once)."""
    expires = datetime.now(UTC) + timedelta(days=expires_days) if expires_days else None
    with session_scope(resources().sessions) as session:
        user = _user(session, email, org_name)
        if user.disabled_at is not None:
            raise click.ClickException(f"user {email} is disabled")
        row, key = create_key(session, user, name=name, expires_at=expires)
        access.key_created(session, row, user)
        key_id = row.id
    click.echo(f"key {key_id} for {email}:", err=True)
    click.echo(key)


@keys.command("list")
@click.option("--email", required=True, help="The keys' user.")
@ORG_OPTION
def list_keys(email: str, org_name: str | None) -> None:
    """List a user's keys: id, prefix, name, created, last used, expires, revoked."""
    with session_scope(resources().sessions) as session:
        user = _user(session, email, org_name)
        for k in session.scalars(
            select(ApiKey).where(ApiKey.user_id == user.id).order_by(ApiKey.id)
        ):
            dates = (k.created_at, k.last_used_at, k.expires_at, k.revoked_at)
            click.echo("\t".join([str(k.id), k.prefix, k.name or "-", *map(_iso, dates)]))


@keys.command("revoke")
@click.argument("key_id", type=click.IntRange(1))
def revoke_api_key(key_id: int) -> None:
    """Revoke a key: it answers 401 from its next request."""
    with session_scope(resources().sessions) as session:
        row = session.get(ApiKey, key_id)
        if row is None:
            raise click.ClickException(f"no API key {key_id}")
        done = access.revoke_key(session, row)
    click.echo(f"key {key_id} revoked" if done else f"key {key_id} was revoked already")


@click.command("seed")
@with_appcontext
@click.option("--org", "org_name", default="Demo", show_default=True)
@click.option("--demo", is_flag=True, help="A small demo data set (skipped if the org has data).")
@click.option("--contacts", type=click.IntRange(0), default=0, help="Contacts to add.")
def seed(org_name: str, demo: bool, contacts: int) -> None:
    """Load realistic CRM data into an org (several Faker locales)."""
    sizes = seeding.DEMO_SIZES if demo else seeding.sizes_for(contacts)
    by_name = select(Organization.id).where(Organization.name == org_name)
    with session_scope(resources().sessions) as session:
        existed = session.scalar(by_name) is not None
    added = seeding.seed(resources().settings, org_name, sizes, skip_if_present=demo, progress=True)
    click.echo(f"seeded {org_name}: {added}")
    with session_scope(resources().sessions) as session:
        org_id = session.scalar(by_name)
        if not existed:  # the seed created it
            audit.record(session, "org.create", f"org:{org_id}", org_id=org_id, name=org_name)
        if not added:
            return
        audit.record(session, "org.seed", f"org:{org_id}", org_id=org_id, via="cli", **added)
        # COPY bypasses the write hooks: have the workers rebuild the org's search index and
        # dashboard, through the outbox like any other job.
        for name in ("search.reindex", "analytics.rollup"):
            stage(session, JOB_TYPES[name].actor, job_type=name, org_id=org_id, args=(org_id,))
    click.echo(f"staged search.reindex and analytics.rollup for {org_name}")


def register(app: Flask) -> None:
    """Add the commands to ``app``'s CLI."""
    app.cli.add_command(users)
    app.cli.add_command(keys)
    app.cli.add_command(seed)
    app.cli.add_command(ops)
    app.cli.add_command(secrets)
    app.cli.add_command(import_file)
