"""``GET /metrics``: Prometheus text, with queue figures read from the broker at scrape time.

Queue gauges and job counters come from Redis (the same numbers as the ops API), so every
web process reports the platform's figures; HTTP request durations are per process. The
figures are the platform's, so only an operator key or the scraper's ``METRICS_TOKEN``
reads them.
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Iterator

from flask import Flask, Response, g, request
from prometheus_client import CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from core.cache.stats import CacheCollector
from core.ops import introspection
from core.queueing import minute_stats
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
        for q in introspection.queue_stats(client, settings.broker.namespace):
            for name, family in gauges.items():
                family.add_metric([q.name], float(getattr(q, name)))
        yield from gauges.values()
        live = introspection.workers(
            client, settings.broker.namespace, timeout_ms=settings.worker.heartbeat_timeout_ms
        )
        yield GaugeMetricFamily("saleshub_workers", "Live worker processes", value=len(live))
        hour = minute_stats.totals(b["counts"] for b in minute_stats.rates(client, minutes=60))
        families: dict[str, CounterMetricFamily] = {
            "processed": CounterMetricFamily(
                "saleshub_jobs_processed_last_hour", "Jobs processed", labels=["queue", "actor"]
            ),
            "failed": CounterMetricFamily(
                "saleshub_jobs_failed_last_hour", "Jobs failed", labels=["queue", "actor"]
            ),
            "ms": CounterMetricFamily(
                "saleshub_jobs_run_milliseconds_last_hour",
                "Time spent running jobs",
                labels=["queue", "actor"],
            ),
        }
        for (queue, actor), rates in sorted(hour.items()):
            for kind, counter in families.items():
                counter.add_metric([queue, actor], getattr(rates, kind))
        yield from families.values()


def install(app: Flask, res: Resources) -> None:
    """Give ``app`` its own registry, request timing and the ``/metrics`` route."""
    registry = CollectorRegistry()
    registry.register(QueueCollector(res))
    registry.register(FailureCollector())
    cache = app.extensions.get("saleshub.cache")
    if cache is not None:  # this process's cache counters
        registry.register(CacheCollector(cache.stats))
    duration = Histogram(
        "saleshub_http_request_duration_seconds",
        "HTTP request duration (this process)",
        ["method", "endpoint", "status"],
        registry=registry,
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
