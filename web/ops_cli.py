"""``flask ops …``: the operator's view from a terminal, with the API's numbers."""

from __future__ import annotations

from typing import Any

import click
from flask.cli import with_appcontext

from core.ops import audit, deadletters
from core.queueing.queues import NAMES
from models.db import session_scope
from web.ext import resources
from web.ops_api import overview

ops = click.Group("ops", help="Queues, workers and dead letters.")


def _audit(action: str, target: str, **details: Any) -> None:
    with session_scope(resources().sessions) as session:
        audit.record(session, action, target, via="cli", **details)


@ops.command("queues")
@with_appcontext
def show_queues() -> None:
    """A table of every queue and the live workers."""

    snap = overview()
    click.echo(
        f"{'queue':<10}{'ready':>8}{'delayed':>9}{'in_flight':>11}{'dead':>7}"
        f"{'oldest_s':>10}  paused"
    )
    for q in snap["queues"]:
        click.echo(
            f"{q['name']:<10}{q['ready']:>8}{q['delayed']:>9}{q['in_flight']:>11}{q['dead']:>7}"
            f"{q['oldest_age_seconds']:>10.1f}  {'yes' if q['paused'] else 'no'}"
        )
    click.echo(f"workers: {len(snap['workers'])}")
    for w in snap["workers"]:
        click.echo(f"  {w['host']} pid {w['pid']} in flight {w['in_flight']}")


@ops.command("dead-letters")
@click.option("--queue", type=click.Choice(NAMES))
@click.option("--actor")
@click.option("--q", "text", help="Text in the error or payload.")
@click.option("--retry", is_flag=True, help="Run the matching dead letters again.")
@click.option("--purge", is_flag=True, help="Delete the matching dead letters.")
@click.option("--yes", is_flag=True, help="Do not ask to confirm the count (scripts).")
@with_appcontext
def dead_letters(
    queue: str | None, actor: str | None, text: str | None, retry: bool, purge: bool, yes: bool
) -> None:
    """List dead letters (filtered), or retry or purge the matching ones after confirming
    how many."""
    if retry and purge:
        raise click.UsageError("choose --retry or --purge, not both")
    res = resources()
    found = res.ops.find(queue=queue, actor=actor, text=text)
    if (retry or purge) and not yes:
        # As in the console: every destructive action shows how many it touches first.
        verb = "Retry" if retry else "Purge"
        click.confirm(f"{verb} {len(found)} dead letters?", abort=True)
    if retry or purge:
        _audit(f"dead_letter.{'retry' if retry else 'purge'}_matching", "cli", count=len(found))
    if retry:
        with session_scope(res.sessions) as session:
            click.echo(f"retried {deadletters.retry(session, res.ops, found)}")
        return
    if purge:
        click.echo(f"purged {res.ops.remove(found)}")
        return
    for d in found:
        click.echo(f"{d.message_id}  {d.queue:<9} {d.actor:<24} {d.error}")
    click.echo(f"{len(found)} dead letters")


@ops.command("pause")
@click.argument("queue", type=click.Choice(NAMES))
@with_appcontext
def pause_queue(queue: str) -> None:
    """Stop workers taking from QUEUE (nothing in it is lost)."""
    _audit("queue.pause", queue)
    resources().ops.pause(queue)
    click.echo(f"{queue} paused")


@ops.command("resume")
@click.argument("queue", type=click.Choice(NAMES))
@with_appcontext
def resume_queue(queue: str) -> None:
    """Let workers take from QUEUE again."""
    _audit("queue.resume", queue)
    resources().ops.resume(queue)
    click.echo(f"{queue} resumed")
