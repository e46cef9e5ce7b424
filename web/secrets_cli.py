"""``flask secrets rotate|set-vapid``: the secrets SalesHub stores encrypted (core.crypto)."""

from __future__ import annotations

import base64
import sys

import click
from cryptography.hazmat.primitives import serialization
from flask.cli import AppGroup
from py_vapid import Vapid

from core import crypto
from core.ops import audit
from models.db import session_scope
from web.ext import resources

secrets = AppGroup("secrets", help="Encrypted secrets: rotate the key, set the VAPID key.")


@secrets.command("rotate")
def rotate() -> None:
    """Re-encrypt every stored secret with the first key of SECRET_KEYS.

    Put the new key first in SECRET_KEYS (keeping the old one after it), restart, run this,
    then drop the old key.
    """
    settings = resources().settings
    with session_scope(resources().sessions) as session:
        counts = crypto.rotate_all(session, settings)
        audit.record(session, "secrets.rotate", "secrets", via="cli", **counts)
    click.echo(
        f"re-encrypted {counts['webhook_endpoints']} webhook endpoint(s) and"
        f" {counts['platform_secrets']} platform secret(s) with the first key"
    )


def _public_key(vapid: Vapid) -> str:
    raw = vapid.public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@secrets.command("set-vapid")
@click.option("--generate", is_flag=True, help="Make a new P-256 key instead of reading one.")
@click.option(
    "--file",
    "path",
    type=click.Path(exists=True, dir_okay=False),
    help="A PEM file to read (default: the key on standard input, PEM or base64url).",
)
def set_vapid(generate: bool, path: str | None) -> None:
    """Store the Web Push VAPID private key, encrypted; print its public key."""
    if generate:
        vapid = Vapid()
        vapid.generate_keys()
        text = vapid.private_pem().decode()
    else:
        if path:
            with open(path, encoding="utf-8") as source:
                text = source.read().strip()
        else:
            text = sys.stdin.read().strip()
        try:
            vapid = (
                Vapid.from_pem(text.encode())
                if text.startswith("-----BEGIN")
                else Vapid.from_string(private_key=text)
            )
        except (ValueError, TypeError) as exc:
            raise click.ClickException(f"not a VAPID private key: {exc}") from None
    with session_scope(resources().sessions) as session:
        crypto.store(session, resources().settings, crypto.VAPID_KEY, text)
        audit.record(session, "secrets.set", crypto.VAPID_KEY, via="cli")
    click.echo("VAPID private key stored (encrypted); its public key (applicationServerKey):")
    click.echo(_public_key(vapid))
