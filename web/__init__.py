"""The HTTP API: ``create_app(settings=None)``."""

from __future__ import annotations

import logging

import orjson
import redis
from flask import Blueprint, Flask, Response, g, request
from werkzeug.routing import BaseConverter

from core.logs import setup_logging
from core.ops.admission import Admission
from core.ops.brokerops import broker_ops
from core.queueing.supervisor import report_restarts_to
from core.redis_clients import check_broker_policy, connect
from core.search.vocab import CACHE as vocabularies
from core.settings import Settings
from models.db import make_engine, make_sessionmaker, scope_to_org
from web import (
    analytics_api,
    cli,
    console,
    cors,
    crud,
    docs,
    errors,
    exports_api,
    health,
    imports_api,
    jobs_api,
    live,
    metrics,
    notifications_api,
    ops_api,
    ops_audit_api,
    ops_batches_api,
    ops_cache_api,
    ops_deadletters_api,
    ops_jobs_api,
    ratelimit,
    request_log,
    security,
    users_api,
    webhooks_api,
    ws,
    ws_handshake,
)
from web.auth import authenticate
from web.body import parse_json_body
from web.cache_api import bp as cache_bp
from web.caching import init_app as init_cache
from web.ext import Resources, close_db, db
from web.resources import RESOURCES
from web.search_api import bp as search_bp
from web.spec import spec

log = logging.getLogger(__name__)


class IdConverter(BaseConverter):
    """A row id: 1 to 18 digits, so an id past PostgreSQL's bigint is a 404, not a 500."""

    regex = r"[1-9][0-9]{0,17}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


def _api_blueprint() -> Blueprint:
    api = Blueprint("api", __name__, url_prefix="/api/v1")

    @api.before_request
    def _authenticate() -> None:
        if request.method == "OPTIONS":
            # A CORS preflight carries no credentials (web/cors.py answers it); Flask's own
            # OPTIONS answer runs no view, so nothing is read or changed without a key.
            return
        # web.ratelimit.identify authenticated already (the limits need the caller).
        if "auth_error" in g:
            raise g.auth_error
        if "principal" not in g:
            g.principal = authenticate()
        if g.principal.role != "operator":
            # The second wall: the request's queries see only its org's rows whatever their
            # WHERE clause says (PostgreSQL row-level security). Operators work across orgs.
            scope_to_org(db(), g.principal.org_id)
        parse_json_body()

    for resource in RESOURCES:
        crud.register(api, resource)
    api.register_blueprint(jobs_api.bp)
    api.register_blueprint(imports_api.bp)
    api.register_blueprint(exports_api.bp)
    api.register_blueprint(analytics_api.bp)
    api.register_blueprint(search_bp)
    api.register_blueprint(cache_bp)
    api.register_blueprint(ops_api.bp)
    api.register_blueprint(ops_deadletters_api.bp)
    api.register_blueprint(ops_jobs_api.bp)
    api.register_blueprint(ops_batches_api.bp)
    api.register_blueprint(ops_audit_api.bp)
    api.register_blueprint(ops_cache_api.bp)
    api.register_blueprint(ws_handshake.tickets)
    api.register_blueprint(notifications_api.bp)
    api.register_blueprint(webhooks_api.bp)
    api.register_blueprint(users_api.bp)
    return api


def create_app(settings: Settings | None = None, *, websockets: bool = True) -> Flask:
    """Build the web app; refuses to start on a reachable broker Redis that may evict.

    ``websockets=False`` (the web process) leaves ``/ws`` to the realtime process, so no
    REST request thread ever holds a socket; ``/ws`` then answers 404 naming its URL.
    """
    settings = settings or Settings.from_env()
    setup_logging(settings)
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = settings.web.max_body_bytes
    app.url_map.converters["id"] = IdConverter
    broker = connect(settings.broker.url, timeout=settings.broker.socket_timeout_s)
    try:
        check_broker_policy(broker)
    except (redis.ConnectionError, redis.TimeoutError):
        # Writes stage their jobs in PostgreSQL, so the API keeps working while the broker
        # is down; the relay and workers, which do write to it, check it when they connect.
        log.warning("broker Redis unreachable at start; its policy is checked by the relay")
    except BaseException:
        broker.close()
        raise
    report_restarts_to(broker)  # the websocket hub's loops count their restarts there
    engine = make_engine(
        settings.database.url,
        pool_size=settings.database.pool_size,
        connect_timeout_s=settings.database.connect_timeout_s,
        statement_timeout_ms=settings.database.statement_timeout_ms,
    )
    sessions = make_sessionmaker(engine)
    app.extensions["saleshub"] = Resources(
        settings=settings,
        engine=engine,
        sessions=sessions,
        broker=broker,
        cache=connect(settings.cache.url),
        ops=broker_ops(settings, broker, sessions),
        admission=Admission(settings),
    )
    init_cache(app, settings, app.extensions["saleshub"].sessions)
    vocabularies.configure(max_terms=settings.search.vocab_max_terms)
    errors.register(app)
    security.install(app)
    cors.install(app, settings.web.cors_allowed_origins)
    request_log.install(app, access_log=settings.web.access_log)
    metrics.install(app, app.extensions["saleshub"])
    # After the request id and timer exist, so a limited request is logged and timed too.
    ratelimit.install(app, settings)
    ws.install(app, app.extensions["saleshub"], serve=websockets)
    app.teardown_appcontext(close_db)
    app.register_blueprint(health.bp)
    app.register_blueprint(console.bp)
    app.register_blueprint(live.bp)
    app.register_blueprint(docs.bp)
    app.register_blueprint(exports_api.downloads)
    app.register_blueprint(_api_blueprint())
    cli.register(app)
    spec.register(app)

    @app.get("/openapi.json")
    def openapi() -> Response:
        return Response(orjson.dumps(spec.spec), mimetype="application/json")

    return app
