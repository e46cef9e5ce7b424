"""``flask ops``: the same actions from a terminal, audited, on both job brokers."""

from __future__ import annotations

from typing import Any

from dramatiq import Broker
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from core.ops.brokerops import BrokerOps
from core.queueing import pause
from models import AuditEntry, Job
from tests.support.actors import effect
from tests.support.brokers import kill


def test_dead_letters_list_retry_and_purge(
    ops_app: Flask, job_broker: Broker, job_ops: BrokerOps, sessions: sessionmaker[Session]
) -> None:
    kill(job_broker, job_ops, [effect.message(f"cli{i}") for i in range(3)])
    cli = ops_app.test_cli_runner()
    listed = cli.invoke(args=["ops", "dead-letters", "--queue", "default"]).output
    assert "3 dead letters" in listed and listed.count("test.effect") == 3
    assert "1 dead letters" in cli.invoke(args=["ops", "dead-letters", "--q", "cli1"]).output
    declined = cli.invoke(args=["ops", "dead-letters", "--purge"], input="n\n")
    assert declined.exit_code != 0 and "Purge 3 dead letters?" in declined.output
    assert "3 dead letters" in cli.invoke(args=["ops", "dead-letters"]).output  # untouched
    retried = cli.invoke(args=["ops", "dead-letters", "--q", "cli1", "--retry"], input="y\n")
    assert "Retry 1 dead letters?" in retried.output
    assert retried.stdout.strip().endswith("retried 1")
    with sessions() as s:
        assert s.scalars(select(Job.status)).all() == ["queued"]
    assert cli.invoke(args=["ops", "dead-letters", "--purge", "--yes"]).stdout.strip() == "purged 2"
    both = cli.invoke(args=["ops", "dead-letters", "--retry", "--purge"])
    assert both.exit_code != 0 and "not both" in both.output
    with sessions() as s:
        actions = s.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions == ["dead_letter.retry_matching", "dead_letter.purge_matching"]


def test_pause_and_resume(ops_app: Flask, job_broker: Any, sessions: sessionmaker[Session]) -> None:
    broker = job_broker
    cli = ops_app.test_cli_runner()
    assert cli.invoke(args=["ops", "pause", "bulk"]).stdout.strip() == "bulk paused"
    assert pause.paused_queues(broker.client) == {"bulk"}
    table = cli.invoke(args=["ops", "queues"]).output
    assert next(line for line in table.splitlines() if line.startswith("bulk")).endswith("yes")
    assert cli.invoke(args=["ops", "resume", "bulk"]).stdout.strip() == "bulk resumed"
    assert pause.paused_queues(broker.client) == set()
    assert cli.invoke(args=["ops", "pause", "nope"]).exit_code != 0
    with sessions() as s:
        assert s.scalars(select(AuditEntry.target)).all() == ["bulk", "bulk"]
