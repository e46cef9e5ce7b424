"""The cross-org matrix, generated from the URL map.

Every route with a path parameter, for every method and every role (member, admin,
operator), is called with another org's id: it must answer exactly what a missing id
answers (404, or 403 where the role is refused first) and change nothing in any table.
Nobody lists the routes: a new route is walked as soon as it exists. Each path parameter
must be known below, either as an org's object (how to find another org's id for it, in
``THEIRS``) or as a platform-wide name (``NOT_ORGS``, with the reason); an unknown one fails
the test, so whoever adds it has to decide which it is.

"Changes nothing" is a digest of every column of every table (a key's ``last_used_at``
aside) before and after each call: rows, ``updated_at``, the audit log and the jobs table,
which is the outbox (a job staged is a row there).

Ids carried in bodies and query strings are walked the same way, from the CRM's
definitions: every link (``company_id``, ``contact_id``, ..., every ``owner_id``) in a
create or an update, and every ``…_id`` list filter, for each role; and the access API's
``user_id`` and ``org_id``.
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.routing import AnyConverter, Rule

from core import search
from models import ApiKey, Base, Notification
from models.db import session_scope
from tests.conftest import auth
from tests.support.client import JsonClient, client_for
from tests.support.factories import Tenant
from tests.web.helpers import MINIMAL, RESOURCES, UPDATES, create_all
from web.resources import RESOURCES as RESOURCE_DEFS

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
    # the confirmed count (issue 17)
    "api.ops_dead_letters.bulk_dead_letters": {"expected_count": 0},
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


# Bookkeeping any authenticated request may write: left out of the digest.
BOOKKEEPING = {("api_keys", "last_used_at")}


def _digest(engine: Engine) -> dict[str, str]:
    """A digest of every table's rows, every column but a key's ``last_used_at``."""
    parts = []
    for table in Base.metadata.sorted_tables:
        cols = [c.name for c in table.columns if (table.name, c.name) not in BOOKKEEPING]
        row = "row(" + ", ".join(f"t.{c}" for c in cols) + ")::text"
        parts.append(
            f"SELECT '{table.name}', coalesce(md5(string_agg({row}, ',' ORDER BY {row})), '')"
            f" FROM {table.name} t"
        )
    with engine.connect() as conn:
        return {name: value for name, value in conn.execute(text(" UNION ALL ".join(parts)))}


@pytest.fixture
def api(make_app: Callable[..., Flask]) -> JsonClient:
    return client_for(make_app(notify={"webhook_allowed_hosts": ("127.0.0.1",)}))


@pytest.fixture
def theirs(
    api: JsonClient, other_tenant: Tenant, sessions: sessionmaker[Session]
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
    api: JsonClient,
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


def test_platform_routes_refuse_members_and_admins(api: JsonClient, tenant: Tenant) -> None:
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


# Ids carried in bodies and query strings. The CRM's links are read from its definitions
# (web.resources), every resource's ``owner_id`` among them, so a new link is covered too.
OWNER = "owner_id"


def _links() -> list[tuple[str, str, str]]:
    """(resource, field, kind of ``theirs``) for every id a CRM body may carry."""
    out = []
    for res in RESOURCE_DEFS:
        for name, model in {**res.links, OWNER: None}.items():
            out.append((res.name, name, "user" if model is None else model.__tablename__))
    return out


def test_links_in_bodies_never_reach_another_org(
    api: JsonClient, engine: Engine, tenant: Tenant, theirs: dict[str, Any]
) -> None:
    """Create and update with another org's id in a link: 422 as for a missing id, no change.

    Operators too: they run outside row-level security, so the org check in the code is
    their only wall.
    """
    mine = create_all(api, tenant.member)
    links = _links()
    assert len(links) == 12  # 5 owners; 1, 2 and 4 links of contacts, deals, activities
    failures = []
    for role in ROLES:
        headers = auth(getattr(tenant, role))
        for name, field, kind in links:
            their_id = theirs[kind]
            for method, url, body in (
                ("POST", f"/api/v1/{name}", MINIMAL[name]),
                ("PATCH", f"/api/v1/{name}/{mine[name]['id']}", {}),
            ):
                before = _digest(engine)
                got = api.open(url, method=method, json={**body, field: their_id}, headers=headers)
                after = _digest(engine)
                missing = api.open(
                    url, method=method, json={**body, field: MISSING_ID}, headers=headers
                )
                where = f"{method} {url} {field} as {role}"
                if got.status_code != 422 or got.get_data() != missing.get_data():
                    failures.append(f"{where}: {got.status_code} {got.get_data()[:200]!r}")
                if before != after:
                    failures.append(
                        f"{where}: changed {sorted(k for k in before if before[k] != after[k])}"
                    )
    assert not failures, "\n".join(failures)


def test_ids_in_query_strings_find_nothing_of_another_org(
    api: JsonClient,
    tenant: Tenant,
    other_tenant: Tenant,
    theirs: dict[str, Any],
    sessions: sessionmaker[Session],
) -> None:
    """Every ``…_id`` filter of every CRM list, with the other org's id, lists nothing."""
    # The other org's rows point at each other, so each filter would match one of theirs.
    member = auth(other_tenant.member)
    for name, field, kind in _links():
        value = theirs[kind] if kind != "user" else other_tenant.member_id
        row_id = theirs[name]
        patched = api.patch(f"/api/v1/{name}/{row_id}", json={field: value}, headers=member)
        assert patched.status_code == 200, (name, field, patched.json)
    create_all(api, tenant.member)
    checked = 0
    for res in RESOURCE_DEFS:
        for field in res.filters:
            if not field.endswith("_id"):
                continue
            kind = {f: k for n, f, k in _links() if n == res.name}.get(field, "")
            assert kind is not None, f"{res.name}?{field}: a filter on no known link"
            their_id = other_tenant.member_id if kind == "user" else theirs[kind]
            url = f"/api/v1/{res.name}?{field}={their_id}"
            # The filter works: the other org finds its own row with it.
            assert api.get(url, headers=member).json["items"], url
            for role in ROLES:
                got = api.get(url, headers=auth(getattr(tenant, role)))
                assert got.status_code == 200 and got.json["items"] == [], (url, role)
                checked += 1
    assert checked == 3 * 12  # every link is a filter too
    # Search's owner filter: their owner's rows never come back, though the index has them.
    with session_scope(sessions) as s:
        for org_id in (tenant.org_id, other_tenant.org_id):
            search.reindex_org(s, org_id)
    query = f"/api/v1/search?q=acme&types=companies&owner_id={other_tenant.member_id}"
    assert [i["id"] for i in api.get(query, headers=member).json["items"]] == [theirs["companies"]]
    for role in ROLES:
        got = api.get(query, headers=auth(getattr(tenant, role)))
        assert got.status_code == 200 and got.json["items"] == [], role


def test_access_ids_in_bodies_and_query_strings_answer_like_missing_ones(
    api: JsonClient, engine: Engine, tenant: Tenant, other_tenant: Tenant
) -> None:
    """A user or org id of another org, in a body or a query, is a 404 to an admin."""
    admin = auth(tenant.admin)
    calls = (
        ("GET", "/api/v1/keys?user_id={user}", None),
        ("POST", "/api/v1/keys", {"user_id": "{user}", "name": "x"}),
        ("GET", "/api/v1/users?org_id={org}", None),
        ("POST", "/api/v1/users", {"email": "sneak@x.test", "org_id": "{org}"}),
        ("GET", "/api/v1/cache/stats?org_id={org}", None),
    )
    for method, url, body in calls:
        answers = []
        for user, org in ((other_tenant.member_id, other_tenant.org_id), (MISSING_ID, MISSING_ID)):
            fill = {"user": user, "org": org}
            json_body = (
                {k: (int(v.format(**fill)) if k.endswith("_id") else v) for k, v in body.items()}
                if body
                else None
            )
            before = _digest(engine)
            answers.append(
                api.open(url.format(**fill), method=method, json=json_body, headers=admin)
            )
            assert _digest(engine) == before, (method, url)
        theirs, missing = answers
        assert theirs.status_code == 404, (method, url, theirs.status_code)
        assert theirs.get_data() == missing.get_data(), (method, url)


# Ids in queries and bodies walked elsewhere, or platform-wide, and why.
ACCESS = "walked by test_access_ids_in_bodies_and_query_strings_answer_like_missing_ones"
OTHER_IDS = {
    ("GET", "/api/v1/keys", "user_id"): ACCESS,
    ("POST", "/api/v1/keys", "user_id"): ACCESS,
    ("GET", "/api/v1/users", "org_id"): ACCESS,
    ("POST", "/api/v1/users", "org_id"): ACCESS,
    ("GET", "/api/v1/search", "owner_id"): "walked by test_ids_in_query_strings_find_nothing_…",
    ("GET", "/api/v1/cache/stats", "org_id"): ACCESS,
    ("GET", "/api/v1/notifications/deliveries", "user_id"): "filters the caller's org's"
    " deliveries (an admin's; a member sees only their own)",
    ("GET", "/api/v1/ops/audit", "user_id"): "operators only: platform-wide",
    ("GET", "/api/v1/ops/jobs", "org_id"): "operators only: platform-wide",
    ("GET", "/api/v1/ops/batches", "org_id"): "operators only: platform-wide",
    ("GET", "/api/v1/ops/imports", "org_id"): "operators only: platform-wide",
}


def _ids_in_requests(doc: dict[str, Any]) -> set[tuple[str, str, str]]:
    """(method, path, name) of every ``…_id`` in a query or JSON body of the document."""
    schemas = doc["components"]["schemas"]
    found = set()
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            for p in op.get("parameters", []):
                if p["in"] == "query" and p["name"].endswith("_id"):
                    found.add((method.upper(), path, p["name"]))
            content = op.get("requestBody", {}).get("content", {})
            schema = content.get("application/json", {}).get("schema")
            while schema and "$ref" in schema:
                schema = schemas[schema["$ref"].rsplit("/", 1)[1]]
            for name in (schema or {}).get("properties", {}):
                if name.endswith("_id"):
                    found.add((method.upper(), path, name))
    return found


def test_every_id_in_a_query_or_body_is_walked(api: JsonClient) -> None:
    """A new ``…_id`` in a request fails here until someone walks it or says why not."""
    walked = {("POST", f"/api/v1/{n}", f) for n, f, _ in _links()}
    walked |= {("PATCH", f"/api/v1/{n}/{{item_id}}", f) for n, f, _ in _links()}
    walked |= {
        ("GET", f"/api/v1/{r.name}", f)
        for r in RESOURCE_DEFS
        for f in r.filters
        if f.endswith("_id")
    }
    found = _ids_in_requests(api.get("/openapi.json").json)
    assert found - walked - set(OTHER_IDS) == set()
    assert walked | set(OTHER_IDS) <= found  # nothing listed here that no longer exists
