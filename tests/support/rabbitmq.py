"""The private RabbitMQ node of ``scripts/services.sh`` (``make test`` boots it meanwhile)."""

from __future__ import annotations

import os
import socket
import subprocess
from pathlib import Path

import pika
import pika.exceptions
from dramatiq.common import dq_name, xq_name

from core.queueing.queues import NAMES
from tests.support.xdist import rabbitmq_vhost_url

ROOT = Path(__file__).resolve().parents[2]


def _answers(url: str) -> bool:
    params = pika.URLParameters(url.split(";")[0])
    try:
        with socket.create_connection((params.host, params.port), timeout=1) as s:
            s.settimeout(2)
            s.sendall(b"AMQP\x00\x00\x09\x01")
            return s.recv(1) == b"\x01"
    except OSError:
        return False


def rabbitmq_url() -> str:
    """``TEST_RABBITMQ_URL`` once its node answers; the private node, started if need be
    (on this xdist worker's vhost)."""
    url = os.environ.get("TEST_RABBITMQ_URL", "")
    if url and _answers(url):
        return url
    out = subprocess.run(
        [str(ROOT / "scripts" / "services.sh"), "wait-rabbitmq"],
        check=True,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
    )
    # The node's own answer names the shared test vhost; an xdist worker past the first has
    # its own (TEST_RABBITMQ_URL above was already rewritten for it).
    return rabbitmq_vhost_url(out.stdout.strip().splitlines()[-1])


def purge(url: str) -> None:
    """Empty every SalesHub queue (and its delay and dead-letter queues) on ``url``."""
    with pika.BlockingConnection(pika.URLParameters(url)) as conn:
        channel = conn.channel()
        for queue in NAMES:
            for name in (queue, dq_name(queue), xq_name(queue)):
                try:
                    channel.queue_purge(name)
                except pika.exceptions.ChannelClosedByBroker:  # not declared yet
                    channel = conn.channel()
