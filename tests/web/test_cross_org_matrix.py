"""The cross-org matrix, generated from the URL map.

Every route with a path parameter, for every method and every role (member, admin,
operator), is called with another org's id: it must answer exactly what a missing id
answers (404, or 403 where the role is refused first) and change nothing in any table.
Nobody lists the routes: a new route is walked as soon as it exists. Each path parameter
must be known below, either as an org's object (how to find another org's id for it, in
``THEIRS``) or as a platform-wide name (``NOT_ORGS``, with the reason); an unknown one fails
the test, so whoever adds it has to decide which it is.
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.routing import AnyConverter, Rule

from models import ApiKey, Base, Notification
from models.db import session_scope
from tests.conftest import auth
from tests.support.factories import Tenant
from tests.web.helpers import RESOURCES, UPDATES, create_all

ROLES = ("member", "admin", "operator")
WRITES = {"POST", "PUT", "PATCH"}
MISSING_ID = 900_000_000

# Parameters that name one org's object: how to find the other org's one.
THEIRS: dict[str, Callable[[Rule, dict[str, Any]], Any]] = {
    # /api/v1/<resource>/<id:item_id>: the CRM row of the segment before it.
    "item_id": lambda rule, t: t[_segment_before(rule, "item_id")],
    "job_id": lambda rule, t: t["job"],
    "key_id": lambda rule, t: t["key"],
    "notification_id": lambda rule, t: t["notification"],
    "user_id": lambda rule, t: t["user"],
    "endpoint_id": lambda rule, t: t["webhook"],
    "import_id": lambda rule, t: t["import"],
    "export_id": lambda rule, t: t["export"],
}
# Parameters that are not an org's object, and why.
NOT_ORGS = {
    "message_id": "dead letters are platform-wide (operators only)",
    "name": "a queue name or a vendored asset's name: platform-wide",
    "schedule_id": "a periodic schedule: platform-wide (operators only)",
    "action": "a verb (pause, resume, run, retry, purge)",
    "filename": "a static file",
}
# Where an operator acts on every org by design (the contract): not a leak.
PLATFORM_WIDE = {
    ("api.jobs.cancel_job", "operator"),  # operators may cancel any org's queued job
    ("api.access.update_user", "operator"),  # operators manage every org's users
    ("api.access.revoke_key", "operator"),  # ... and revoke their keys
    # The ops jobs explorer (issue 17): operators read, retry and cancel any org's job.
    ("api.ops_jobs.get_job", "operator"),
    ("api.ops_jobs.retry_job", "operator"),
    ("api.ops_jobs.cancel_job", "operator"),
}
# A body each write needs to get past validation to the lookup (default: ``{}``).
BODIES: dict[str, Any] = {
    **{f"api.{name}_update": UPDATES[name] for name in RESOURCES},
    "api.access.update_user": {"role": "member"},
    "api.ops.bulk_dead_letters": {"expected_count": 0},  # the confirmed count (issue 17)
}


def _segment_before(rule: Rule, param: str) -> str:
    parts = rule.rule.split("/")
    index = next(i for i, p in enumerate(parts) if p.endswith(f":{param}>"))
    return parts[index - 1]


@dataclass
class Call:
    rule: Rule
    method: str
    role: str

    def __str__(self) -> str:
        return f"{self.method} {self.rule.rule} as {self.role}"


def _digest(engine: Engine) -> dict[str, str]:
    """A digest of every table's rows (a key's ``last_used_at`` is bookkeeping, left out)."""
    parts = []
    for table in Base.metadata.sorted_tables:
        row = "(t)::text" if table.name != "api_keys" else "(t.id, t.revoked_at)::text"
        parts.append(
            f"SELECT '{table.name}', coalesce(md5(string_agg({row}, ',' ORDER BY {row})), '')"
            f" FROM {table.name} t"
        )
    with engine.connect() as conn:
        return {name: value for name, value in conn.execute(text(" UNION ALL ".join(parts)))}


@pytest.fixture
def api(make_app: Callable[..., Flask]) -> FlaskClient:
    return make_app(notify={"webhook_allowed_hosts": ("127.0.0.1",)}).test_client()


@pytest.fixture
def theirs(
    api: FlaskClient, other_tenant: Tenant, sessions: sessionmaker[Session]
) -> dict[str, Any]:
    """One object of every kind in the other org; kind to its id."""
    found: dict[str, Any] = {k: v["id"] for k, v in create_all(api, other_tenant.member).items()}
    admin = auth(other_tenant.admin)
    found["job"] = api.post("/api/v1/jobs", json={"type": "analytics.rollup"}, headers=admin).json[
        "id"
    ]
    hook = {"url": "http://127.0.0.1:9/hook", "events": ["*"]}
    found["webhook"] = api.post("/api/v1/webhooks", json=hook, headers=admin).json["id"]
    found["user"] = other_tenant.member_id
    member = auth(other_tenant.member)
    upload = {"file": (io.BytesIO(b"first_name,email\nAda,ada@example.com\n"), "p.csv")}
    found["import"] = api.post(
        "/api/v1/imports",
        data={**upload, "type": "contacts"},
        headers=member,
        content_type="multipart/form-data",
    ).json["id"]
    found["export"] = api.post("/api/v1/exports", json={"type": "contacts"}, headers=member).json[
        "id"
    ]
    with session_scope(sessions) as s:
        found["key"] = s.scalar(select(ApiKey.id).where(ApiKey.user_id == other_tenant.member_id))
        note = Notification(
            org_id=other_tenant.org_id,
            user_id=other_tenant.member_id,
            event_key="matrix",
            category="deal.won",
            urgency="normal",
            title="Theirs",
        )
        s.add(note)
        s.flush()
        found["notification"] = note.id
    return found


def _unknown_params(rules: list[Rule]) -> list[str]:
    return sorted(
        f"{rule.rule}: {param}"
        for rule in rules
        for param in rule.arguments
        if param not in THEIRS and param not in NOT_ORGS
    )


def test_a_new_id_parameter_is_not_passed_over(app: Flask) -> None:
    """A route with a parameter nobody classified is reported, not silently skipped."""
    rules = [r for r in app.url_map.iter_rules() if r.arguments]
    assert _unknown_params(rules) == []
    new = Rule("/api/v1/things/<id:thing_id>", endpoint="thing")
    new.bind(app.url_map)
    assert _unknown_params([*rules, new]) == ["/api/v1/things/<id:thing_id>: thing_id"]


def _missing(converter: str) -> Any:
    return uuid.uuid4() if converter == "UUIDConverter" else MISSING_ID


def test_every_route_with_an_id_answers_another_orgs_id_like_a_missing_one(
    api: FlaskClient,
    engine: Engine,
    tenant: Tenant,
    theirs: dict[str, Any],
) -> None:
    create_all(api, tenant.member)  # the caller has rows of its own
    rules = [r for r in api.application.url_map.iter_rules() if r.arguments]
    unknown = _unknown_params(rules)
    assert not unknown, (
        "path parameters the cross-org matrix does not know; add each to THEIRS (how to"
        f" find another org's object) or NOT_ORGS (why it is platform-wide): {unknown}"
    )
    checked, failures = 0, []
    for rule in sorted(rules, key=lambda r: r.rule):
        org_params = [p for p in rule.arguments if p in THEIRS]
        if not org_params:
            continue
        converters = {p: type(c).__name__ for p, c in rule._converters.items()}
        their_url = rule.build(
            {p: THEIRS[p](rule, theirs) for p in org_params}, append_unknown=False
        )
        missing_url = rule.build(
            {p: _missing(converters[p]) for p in org_params}, append_unknown=False
        )
        assert their_url is not None and missing_url is not None
        their_path, missing_path = their_url[1], missing_url[1]
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            for role in ROLES:
                call = Call(rule, method, role)
                if (rule.endpoint, role) in PLATFORM_WIDE:
                    continue
                kw: dict[str, Any] = {"headers": auth(getattr(tenant, role))}
                if method in ("POST", "PUT", "PATCH"):
                    kw["json"] = BODIES.get(rule.endpoint, {})
                before = _digest(engine)
                got = api.open(their_path, method=method, **kw)
                after = _digest(engine)
                expected = api.open(missing_path, method=method, **kw)
                checked += 1
                if got.status_code not in (403, 404):
                    failures.append(f"{call}: {got.status_code} {got.get_data()[:200]!r}")
                elif (got.status_code, got.get_data()) != (
                    expected.status_code,
                    expected.get_data(),
                ):
                    failures.append(
                        f"{call}: another org's id answers {got.status_code}"
                        f" {got.get_data()[:200]!r}, a missing one {expected.status_code}"
                        f" {expected.get_data()[:200]!r}"
                    )
                if before != after:
                    changed = sorted(k for k in before if before[k] != after[k])
                    failures.append(f"{call}: changed {changed}")
    assert not failures, "\n".join(failures)
    # Every CRM resource, jobs, keys, users, notifications and webhooks were walked.
    assert checked >= 3 * (3 * len(RESOURCES) + 8) - len(PLATFORM_WIDE)


def test_platform_routes_refuse_members_and_admins(api: FlaskClient, tenant: Tenant) -> None:
    """Routes whose parameters are all platform-wide names are the operators' alone."""
    rules = [
        r
        for r in api.application.url_map.iter_rules()
        if r.arguments and r.rule.startswith("/api/") and not set(r.arguments) & set(THEIRS)
    ]
    assert rules  # the ops routes
    for rule in rules:
        values = {p: "x" for p in rule.arguments}
        for p, c in rule._converters.items():
            if isinstance(c, AnyConverter):
                values[p] = sorted(c.items)[0]
            elif type(c).__name__ == "UUIDConverter":
                values[p] = str(uuid.uuid4())
        built = rule.build(values, append_unknown=False)
        assert built is not None
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            for role in ("member", "admin"):
                body = {"json": BODIES.get(rule.endpoint, {})} if method in WRITES else {}
                resp = api.open(
                    built[1], method=method, headers=auth(getattr(tenant, role)), **body
                )
                assert resp.status_code == 403, (method, rule.rule, role, resp.status_code)
