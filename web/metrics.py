"""``GET /metrics``: Prometheus text, with queue figures read from the broker at scrape time.

Queue gauges, job figures and cache counters come from Redis (the same numbers as the ops
API), so every web process reports the platform's figures. HTTP request durations are
counted in each process; under gunicorn (``PROMETHEUS_MULTIPROC_DIR``, set by
``worker.supervise``) every worker writes them to its own files in that folder and a
scrape of any worker adds them all up (prometheus_client's multiprocess mode; dead workers
are marked so by ``gunicorn.conf.py``). The figures are the platform's, so only an
operator key or the scraper's ``METRICS_TOKEN`` reads them.
"""

from __future__ import annotations

import hmac
import os
import time
from collections.abc import Iterator
from typing import Any

from flask import Flask, Response, g, request
from prometheus_client import CollectorRegistry, Histogram, generate_latest, multiprocess
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from core.cache.stats import CacheCollector
from core.ops import canary
from core.queueing import minute_stats
from core.queueing.relay import set_aside_count
from core.queueing.supervisor import read_restarts
from web.auth import CHALLENGE, authenticate
from web.errors import ApiError
from web.ext import Resources
from web.ratelimit import FailureCollector


class QueueCollector(Collector):
    """Queue depth, latency, workers and per-actor job counts, read on each scrape.

    Parameters:
      res: the app's resources (broker client and settings).
    """

    def __init__(self, res: Resources) -> None:
        self.res = res

    def collect(self) -> Iterator[Metric]:
        settings = self.res.settings
        client = self.res.broker
        gauges = {
            name: GaugeMetricFamily(f"saleshub_queue_{name}", help_, labels=["queue"])
            for name, help_ in (
                ("ready", "Messages waiting to be fetched"),
                ("delayed", "Messages waiting for their ETA"),
                ("in_flight", "Messages fetched and not yet acknowledged"),
                ("dead", "Dead-lettered messages"),
                ("oldest_age_seconds", "Age of the oldest ready message"),
                ("paused", "1 when workers do not take from the queue"),
            )
        }
        for q in self.res.ops.queue_stats():
            for name, family in gauges.items():
                family.add_metric([q.name], float(getattr(q, name)))
        yield from gauges.values()
        live = self.res.ops.workers(timeout_ms=settings.worker.heartbeat_timeout_ms)
        yield GaugeMetricFamily("saleshub_workers", "Live worker processes", value=len(live))
        loops = CounterMetricFamily(
            "saleshub_loop_restarts",
            "Restarts of supervised loops (relay, lease, ledger writer, hub) after a crash",
            labels=["loop"],
        )
        for name, count in sorted(read_restarts(client).items()):
            loops.add_metric([name], count)
        yield loops
        yield from _canary_gauges(client)
        yield CounterMetricFamily(
            "saleshub_outbox_set_aside",
            "Malformed staged messages the relay marked dead instead of sending",
            value=set_aside_count(client),
        )
        hour = minute_stats.totals(b["counts"] for b in minute_stats.rates(client, minutes=60))
        # Figures over a sliding hour go down as minutes leave the window: gauges, not
        # counters (a counter that decreases reads as a reset to rate()).
        families: dict[str, tuple[GaugeMetricFamily, float]] = {
            "processed": (
                GaugeMetricFamily(
                    "saleshub_jobs_processed_last_hour",
                    "Jobs processed in the last hour",
                    labels=["queue", "actor"],
                ),
                1,
            ),
            "failed": (
                GaugeMetricFamily(
                    "saleshub_jobs_failed_last_hour",
                    "Jobs failed in the last hour",
                    labels=["queue", "actor"],
                ),
                1,
            ),
            "ms": (
                GaugeMetricFamily(
                    "saleshub_jobs_run_seconds_last_hour",
                    "Time spent running jobs in the last hour",
                    labels=["queue", "actor"],
                ),
                1000,
            ),
        }
        for (queue, actor), rates in sorted(hour.items()):
            for kind, (gauge, per_unit) in families.items():
                gauge.add_metric([queue, actor], getattr(rates, kind) / per_unit)
        yield from (gauge for gauge, _ in families.values())


def _canary_gauges(client: Any) -> Iterator[Metric]:
    """Each queue's last canary: commit→start, run time, and age (seconds since it started)."""
    families = {
        "commit_to_start_s": GaugeMetricFamily(
            "saleshub_canary_commit_to_start_seconds",
            "Last canary job: from its commit to its start",
            labels=["queue"],
        ),
        "run_s": GaugeMetricFamily(
            "saleshub_canary_run_seconds", "Last canary job: its run", labels=["queue"]
        ),
        "age_s": GaugeMetricFamily(
            "saleshub_canary_age_seconds",
            "Seconds since the last canary job of the queue started",
            labels=["queue"],
        ),
    }
    for row in canary.latest(client):
        for field, family in families.items():
            family.add_metric([row["queue"]], float(row[field]))
    yield from families.values()


def install(app: Flask, res: Resources) -> None:
    """Give ``app`` its own registry, request timing and the ``/metrics`` route."""
    registry = CollectorRegistry()
    registry.register(QueueCollector(res))
    registry.register(FailureCollector())
    cache = app.extensions.get("saleshub.cache")
    if cache is not None:  # every process's cache counters, from Redis
        registry.register(CacheCollector(cache.stats, cache.client))
    # Read when the app is built (never at import), like prometheus_client itself does.
    shared = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if shared:
        multiprocess.MultiProcessCollector(registry, path=shared)
    duration = Histogram(
        "saleshub_http_request_duration_seconds",
        "HTTP request duration",
        ["method", "endpoint", "status"],
        # In multiprocess mode the value lives in this process's files, and the
        # MultiProcessCollector above reports it (registering it too would report it twice).
        registry=None if shared else registry,
    )

    @app.before_request
    def _start() -> None:
        g.request_started = time.perf_counter()

    @app.after_request
    def _observe(resp: Response) -> Response:
        started = g.get("request_started")
        if started is not None:
            endpoint = request.url_rule.rule if request.url_rule else "unmatched"
            duration.labels(request.method, endpoint, str(resp.status_code)).observe(
                time.perf_counter() - started
            )
        return resp

    token = res.settings.web.metrics_token

    def _allowed() -> None:
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        given = given.strip()
        if (
            token
            and scheme.lower() == "bearer"
            and hmac.compare_digest(given.encode(), token.encode())
        ):
            return
        if not given:
            raise ApiError(401, "send an operator API key or the metrics token", headers=CHALLENGE)
        if authenticate().role != "operator":
            raise ApiError(403, "this needs the operator role")

    @app.get("/metrics")
    def metrics() -> Response:
        _allowed()
        return Response(generate_latest(registry), mimetype="text/plain; version=0.0.4")
