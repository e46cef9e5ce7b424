"""``GET /api/v1/analytics/dashboard``."""

from __future__ import annotations

from flask import Blueprint, Response

from core import rollups
from core.cache.keys import DASHBOARD
from web import responses_reports
from web.auth import principal
from web.caching import cached
from web.ext import db
from web.http import json_response
from web.spec import returns, spec

bp = Blueprint("analytics", __name__)


@bp.get("/analytics/dashboard")
@returns(responses_reports.Dashboard)
@spec.validate(tags=["analytics"])
@cached("dashboard", tags=lambda: [DASHBOARD])
def dashboard() -> Response:
    return json_response(rollups.dashboard(db(), principal().org_id))
