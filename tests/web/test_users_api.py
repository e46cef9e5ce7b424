"""``/api/v1/users`` and ``/api/v1/keys``: managed access, effective from the next request."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from models import ApiKey, AuditEntry, User
from models.db import session_scope
from tests.conftest import auth
from tests.support.client import JsonClient
from tests.support.factories import Tenant
from tests.web.helpers import assert_error, count
from web.auth import hash_key

KEY_FIELDS = {
    "id", "name", "prefix", "user_id", "created_at", "last_used_at", "expires_at", "revoked_at",
}  # fmt: skip


def _user_id(sessions: sessionmaker[Session], email: str) -> int:
    with sessions() as s:
        return s.scalars(select(User.id).where(User.email == email)).one()


def _actions(sessions: sessionmaker[Session]) -> list[tuple[str, str, dict[str, Any]]]:
    with sessions() as s:
        rows = s.scalars(select(AuditEntry).order_by(AuditEntry.id))
        return [(e.action, e.target, e.details) for e in rows]


def _companies(client: JsonClient, key: str) -> int:
    return client.get("/api/v1/companies", headers=auth(key)).status_code


def test_admin_creates_lists_and_changes_users(
    client: JsonClient, tenant: Tenant, other_tenant: Tenant, sessions: sessionmaker[Session]
) -> None:
    created = client.post(
        "/api/v1/users", json={"email": "new@a.test", "role": "admin"}, headers=auth(tenant.admin)
    )
    assert created.status_code == 201, created.json
    user = created.json
    assert (user["email"], user["role"], user["disabled"]) == ("new@a.test", "admin", False)
    listed = client.get("/api/v1/users", headers=auth(tenant.admin)).json
    emails = [u["email"] for u in listed["items"]]
    assert "new@a.test" in emails and not any(e.endswith("org-b.test") for e in emails)
    changed = client.patch(
        f"/api/v1/users/{user['id']}", json={"role": "member"}, headers=auth(tenant.admin)
    )
    assert changed.status_code == 200 and changed.json["role"] == "member"
    assert [a[:2] for a in _actions(sessions)] == [
        ("user.create", f"user:{user['id']}"),
        ("user.update", f"user:{user['id']}"),
    ]
    assert _actions(sessions)[1][2] == {"role": ["admin", "member"]}


def test_an_email_is_unique_within_its_org_only(
    client: JsonClient, engine: Engine, tenant: Tenant, other_tenant: Tenant
) -> None:
    """The 409 says nothing of other orgs: an address of another org is simply created."""
    admin = auth(tenant.admin)
    theirs = client.post("/api/v1/users", json={"email": "admin@org-b.test"}, headers=admin)
    assert theirs.status_code == 201, theirs.json
    assert (theirs.json["org_id"], theirs.json["email"]) == (tenant.org_id, "admin@org-b.test")
    # Stored in lower case, compared without case, in the caller's org only.
    mixed = client.post("/api/v1/users", json={"email": "New.One@A.Test"}, headers=admin)
    assert mixed.status_code == 201 and mixed.json["email"] == "new.one@a.test"
    users = count(engine, "users")
    for email in ("new.one@a.test", "NEW.ONE@A.TEST", "Admin@Org-B.test", "member@org-a.test"):
        dup = client.post("/api/v1/users", json={"email": email}, headers=admin)
        assert_error(dup, 409)
        assert dup.json["error"]["message"] == "the organization has a user with this email already"
    assert count(engine, "users") == users
    assert count(engine, "audit_log", "action = 'user.create'") == 2
    # The other org's admin may add the first org's addresses to theirs.
    other = client.post(
        "/api/v1/users", json={"email": "NEW.one@a.test"}, headers=auth(other_tenant.admin)
    )
    assert other.status_code == 201 and other.json["org_id"] == other_tenant.org_id
    # An operator creating in another org meets that org's users only.
    body = {"email": "member@org-b.test", "org_id": tenant.org_id}
    assert client.post("/api/v1/users", json=body, headers=auth(tenant.operator)).status_code == 201
    body["org_id"] = other_tenant.org_id
    assert_error(client.post("/api/v1/users", json=body, headers=auth(tenant.operator)), 409)
    assert count(engine, "users", "lower(email) = 'member@org-b.test'") == 2


def _commit_once_waited_on(conn: Connection, engine: Engine, waited: list[bool]) -> None:
    """Commit ``conn`` as soon as another transaction waits on a lock (10 s at most)."""
    deadline = time.monotonic() + 10
    with engine.connect() as watch:
        while time.monotonic() < deadline and not waited:
            if watch.execute(text("SELECT count(*) FROM pg_locks WHERE NOT granted")).scalar():
                waited.append(True)
            time.sleep(0.02)
    conn.commit()


def test_a_concurrent_create_of_the_same_email_is_a_409(
    client: JsonClient, engine: Engine, tenant: Tenant
) -> None:
    """The API's check cannot see an uncommitted user: the unique index decides, as a 409."""
    waited: list[bool] = []
    with engine.connect() as other:
        other.execute(
            text("INSERT INTO users (org_id, email, role) VALUES (:org, 'race@a.test', 'member')"),
            {"org": tenant.org_id},
        )
        committer = threading.Thread(target=_commit_once_waited_on, args=(other, engine, waited))
        committer.start()
        resp = client.post(
            "/api/v1/users", json={"email": "Race@A.test"}, headers=auth(tenant.admin)
        )
        committer.join()
    assert waited, "the API's insert never waited on the other transaction"
    assert_error(resp, 409)
    assert resp.json["error"]["message"] == "the organization has a user with this email already"
    assert count(engine, "users", "lower(email) = 'race@a.test'") == 1
    assert count(engine, "audit_log") == 0


def test_the_unique_index_holds_under_the_api(
    engine: Engine, tenant: Tenant, sessions: sessionmaker[Session]
) -> None:
    """What a concurrent create would meet after the API's check: the index itself."""
    with sessions() as s:
        s.add(User(org_id=tenant.org_id, email="MEMBER@org-a.test", role="member"))
        with pytest.raises(IntegrityError) as raised:
            s.flush()
    assert "uq_users_org_id_email" in str(raised.value)


def test_members_cannot_manage_users(client: JsonClient, tenant: Tenant) -> None:
    assert_error(client.get("/api/v1/users", headers=auth(tenant.member)), 403)
    body = {"email": "x@a.test"}
    assert_error(client.post("/api/v1/users", json=body, headers=auth(tenant.member)), 403)
    patch = client.patch(
        f"/api/v1/users/{tenant.member_id}", json={"role": "admin"}, headers=auth(tenant.member)
    )
    assert_error(patch, 403)


def test_admins_cannot_make_or_touch_operators(
    client: JsonClient, engine: Engine, tenant: Tenant, sessions: sessionmaker[Session]
) -> None:
    body = {"email": "op@a.test", "role": "operator"}
    assert_error(client.post("/api/v1/users", json=body, headers=auth(tenant.admin)), 403)
    promote = client.patch(
        f"/api/v1/users/{tenant.member_id}", json={"role": "operator"}, headers=auth(tenant.admin)
    )
    assert_error(promote, 403)
    operator_id = _user_id(sessions, "operator@org-a.test")
    disable = client.patch(
        f"/api/v1/users/{operator_id}", json={"disabled": True}, headers=auth(tenant.admin)
    )
    assert_error(disable, 403)
    mint = client.post("/api/v1/keys", json={"user_id": operator_id}, headers=auth(tenant.admin))
    assert_error(mint, 403)
    with sessions() as s:
        op_key = s.scalars(select(ApiKey.id).where(ApiKey.user_id == operator_id)).one()
    assert_error(client.delete(f"/api/v1/keys/{op_key}", headers=auth(tenant.admin)), 403)
    assert count(engine, "audit_log") == 0
    # An operator may.
    ok = client.post("/api/v1/users", json=body, headers=auth(tenant.operator))
    assert ok.status_code == 201 and ok.json["role"] == "operator"


def test_the_last_admin_cannot_be_demoted_or_disabled(
    client: JsonClient, tenant: Tenant, sessions: sessionmaker[Session]
) -> None:
    admin_id = _user_id(sessions, "admin@org-a.test")
    for change in ({"role": "member"}, {"disabled": True}):
        resp = client.patch(f"/api/v1/users/{admin_id}", json=change, headers=auth(tenant.admin))
        assert_error(resp, 409)
        # Not even by an operator.
        resp = client.patch(f"/api/v1/users/{admin_id}", json=change, headers=auth(tenant.operator))
        assert_error(resp, 409)
    # With a second admin the first may step down.
    second = client.post(
        "/api/v1/users", json={"email": "a2@a.test", "role": "admin"}, headers=auth(tenant.admin)
    ).json
    resp = client.patch(
        f"/api/v1/users/{admin_id}", json={"role": "member"}, headers=auth(tenant.admin)
    )
    assert resp.status_code == 200
    # ... which takes effect on the very next request.
    assert_error(client.get("/api/v1/users", headers=auth(tenant.admin)), 403)
    last = client.patch(
        f"/api/v1/users/{second['id']}", json={"disabled": True}, headers=auth(tenant.operator)
    )
    assert_error(last, 409)


def test_another_orgs_ids_are_404(
    client: JsonClient, engine: Engine, tenant: Tenant, other_tenant: Tenant,
    sessions: sessionmaker[Session],
) -> None:  # fmt: skip
    theirs = _user_id(sessions, "member@org-b.test")
    with sessions() as s:
        their_key = s.scalars(select(ApiKey.id).where(ApiKey.user_id == theirs)).one()
    patch = client.patch(
        f"/api/v1/users/{theirs}", json={"disabled": True}, headers=auth(tenant.admin)
    )
    assert_error(patch, 404)
    assert_error(client.get(f"/api/v1/keys?user_id={theirs}", headers=auth(tenant.admin)), 404)
    mint = client.post("/api/v1/keys", json={"user_id": theirs}, headers=auth(tenant.admin))
    assert_error(mint, 404)
    assert_error(client.delete(f"/api/v1/keys/{their_key}", headers=auth(tenant.admin)), 404)
    assert_error(client.delete("/api/v1/keys/999999", headers=auth(tenant.admin)), 404)
    assert _companies(client, other_tenant.member) == 200
    assert count(engine, "audit_log") == 0


def test_operators_manage_the_users_and_keys_of_every_org(
    client: JsonClient, tenant: Tenant, other_tenant: Tenant, sessions: sessionmaker[Session]
) -> None:
    op = auth(tenant.operator)
    made = client.post(
        "/api/v1/users",
        json={"email": "boss@b.test", "role": "admin", "org_id": other_tenant.org_id},
        headers=op,
    )
    assert made.status_code == 201, made.json
    boss = made.json
    assert (boss["org_id"], boss["role"]) == (other_tenant.org_id, "admin")
    listed = client.get(f"/api/v1/users?org_id={other_tenant.org_id}", headers=op).json
    assert "boss@b.test" in {u["email"] for u in listed["items"]}
    assert {u["org_id"] for u in listed["items"]} == {other_tenant.org_id}
    # The other org's admin sees the new user; it is theirs.
    theirs = client.get("/api/v1/users", headers=auth(other_tenant.admin)).json["items"]
    assert boss["id"] in {u["id"] for u in theirs}
    changed = client.patch(f"/api/v1/users/{boss['id']}", json={"role": "member"}, headers=op)
    assert changed.status_code == 200 and changed.json["role"] == "member"
    minted = client.post("/api/v1/keys", json={"user_id": boss["id"], "name": "b"}, headers=op)
    assert minted.status_code == 201 and minted.json["user_id"] == boss["id"]
    assert _companies(client, minted.json["key"]) == 200
    keys = client.get(f"/api/v1/keys?user_id={boss['id']}", headers=op).json["items"]
    assert [k["id"] for k in keys] == [minted.json["id"]]
    assert client.delete(f"/api/v1/keys/{minted.json['id']}", headers=op).status_code == 204
    assert _companies(client, minted.json["key"]) == 401
    # Each entry is written against the org it changed, by the operator who did it.
    operator_id = _user_id(sessions, "operator@org-a.test")
    with sessions() as s:
        entries = [
            (e.action, e.org_id, e.user_id)
            for e in s.scalars(select(AuditEntry).order_by(AuditEntry.id))
        ]
    assert entries == [
        (action, other_tenant.org_id, operator_id)
        for action in ("user.create", "user.update", "key.create", "key.revoke")
    ]
    # A missing org is a 404 to an operator as well.
    for resp in (
        client.post("/api/v1/users", json={"email": "x@x.test", "org_id": 900_000_000}, headers=op),
        client.get("/api/v1/users?org_id=900000000", headers=op),
    ):
        assert_error(resp, 404)


def test_an_admin_naming_another_org_gets_the_404_of_a_missing_one(
    client: JsonClient, engine: Engine, tenant: Tenant, other_tenant: Tenant
) -> None:
    admin = auth(tenant.admin)
    before = count(engine, "users"), count(engine, "audit_log")
    answers = []
    for org_id in (other_tenant.org_id, 900_000_000):
        body = {"email": "sneak@b.test", "org_id": org_id}
        answers.append(client.post("/api/v1/users", json=body, headers=admin))
        answers.append(client.get(f"/api/v1/users?org_id={org_id}", headers=admin))
    for resp in answers:
        assert_error(resp, 404)
    assert answers[0].get_data() == answers[2].get_data()  # create: theirs == missing
    assert answers[1].get_data() == answers[3].get_data()  # list: theirs == missing
    assert (count(engine, "users"), count(engine, "audit_log")) == before
    # Members are refused by role first, whatever the org.
    body = {"email": "sneak@b.test", "org_id": other_tenant.org_id}
    assert_error(client.post("/api/v1/users", json=body, headers=auth(tenant.member)), 403)
    # Their own org's id is the default spelled out.
    own = {"email": "fine@a.test", "org_id": tenant.org_id}
    made = client.post("/api/v1/users", json=own, headers=admin)
    assert made.status_code == 201 and made.json["org_id"] == tenant.org_id
    listed = client.get(f"/api/v1/users?org_id={tenant.org_id}", headers=admin).json["items"]
    assert {u["org_id"] for u in listed} == {tenant.org_id}


def test_keys_are_listed_created_once_and_revoked(
    client: JsonClient, tenant: Tenant, sessions: sessionmaker[Session]
) -> None:
    expires = (datetime.now(UTC) + timedelta(days=30)).isoformat()
    created = client.post(
        "/api/v1/keys", json={"name": "ci", "expires_at": expires}, headers=auth(tenant.member)
    )
    assert created.status_code == 201, created.json
    body = created.json
    assert set(body) == KEY_FIELDS | {"key"}
    assert body["user_id"] == tenant.member_id and body["name"] == "ci"
    assert body["key"].startswith(body["prefix"])
    listed = client.get("/api/v1/keys", headers=auth(tenant.member)).json["items"]
    assert len(listed) == 2 and all(set(k) == KEY_FIELDS for k in listed)
    # The key works, and its use is recorded.
    assert _companies(client, body["key"]) == 200
    with sessions() as s:
        row = s.get(ApiKey, body["id"])
        assert row is not None and row.last_used_at is not None
        assert row.key_hash == hash_key(body["key"])
    resp = client.delete(f"/api/v1/keys/{body['id']}", headers=auth(tenant.member))
    assert resp.status_code == 204
    assert_error(client.get("/api/v1/companies", headers=auth(body["key"])), 401)
    listed = client.get("/api/v1/keys", headers=auth(tenant.member)).json["items"]
    assert [k["revoked_at"] is not None for k in listed] == [False, True]
    # Revoking again changes nothing.
    assert (
        client.delete(f"/api/v1/keys/{body['id']}", headers=auth(tenant.member)).status_code == 204
    )
    assert [a[0] for a in _actions(sessions)] == ["key.create", "key.revoke"]


def test_a_key_revoking_itself_is_refused_from_its_next_request(
    client: JsonClient, tenant: Tenant, sessions: sessionmaker[Session]
) -> None:
    with sessions() as s:
        key_id = s.scalars(
            select(ApiKey.id).where(ApiKey.key_hash == hash_key(tenant.member))
        ).one()
    assert client.delete(f"/api/v1/keys/{key_id}", headers=auth(tenant.member)).status_code == 204
    assert_error(client.get("/api/v1/keys", headers=auth(tenant.member)), 401)


def test_admin_mints_and_revokes_for_a_user_of_the_org(
    client: JsonClient, tenant: Tenant, sessions: sessionmaker[Session]
) -> None:
    minted = client.post(
        "/api/v1/keys",
        json={"user_id": tenant.member_id, "name": "ops"},
        headers=auth(tenant.admin),
    )
    assert minted.status_code == 201 and minted.json["user_id"] == tenant.member_id
    listed = client.get(f"/api/v1/keys?user_id={tenant.member_id}", headers=auth(tenant.admin))
    assert len(listed.json["items"]) == 2
    # A member manages only their own keys.
    admin_id = _user_id(sessions, "admin@org-a.test")
    assert_error(client.get(f"/api/v1/keys?user_id={admin_id}", headers=auth(tenant.member)), 403)
    with sessions() as s:
        admin_key = s.scalars(select(ApiKey.id).where(ApiKey.user_id == admin_id)).one()
    assert_error(client.delete(f"/api/v1/keys/{admin_key}", headers=auth(tenant.member)), 404)
    gone = client.delete(f"/api/v1/keys/{minted.json['id']}", headers=auth(tenant.admin))
    assert gone.status_code == 204
    assert_error(client.get("/api/v1/companies", headers=auth(minted.json["key"])), 401)
    assert _companies(client, tenant.member) == 200


def test_disabled_users_keys_answer_401_until_enabled(
    client: JsonClient, tenant: Tenant, sessions: sessionmaker[Session]
) -> None:
    url = f"/api/v1/users/{tenant.member_id}"
    resp = client.patch(url, json={"disabled": True}, headers=auth(tenant.admin))
    assert resp.status_code == 200 and resp.json["disabled"] is True
    assert_error(client.get("/api/v1/companies", headers=auth(tenant.member)), 401)
    mint = client.post(
        "/api/v1/keys", json={"user_id": tenant.member_id}, headers=auth(tenant.admin)
    )
    assert_error(mint, 409)
    assert (
        client.patch(url, json={"disabled": False}, headers=auth(tenant.admin)).status_code == 200
    )
    assert _companies(client, tenant.member) == 200
    assert [a[2] for a in _actions(sessions)] == [{"disabled": True}, {"disabled": False}]


def test_expired_keys_answer_401(
    client: JsonClient, engine: Engine, tenant: Tenant, sessions: sessionmaker[Session]
) -> None:
    with session_scope(sessions) as s:
        s.execute(
            update(ApiKey)
            .where(ApiKey.key_hash == hash_key(tenant.member))
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    assert_error(client.get("/api/v1/companies", headers=auth(tenant.member)), 401)
    past = {"expires_at": "2020-01-01T00:00:00Z"}
    assert_error(client.post("/api/v1/keys", json=past, headers=auth(tenant.admin)), 422)


def test_key_creation_replays_without_the_key(
    client: JsonClient, engine: Engine, tenant: Tenant
) -> None:
    headers = auth(tenant.member, **{"Idempotency-Key": "mint-1"})
    first = client.post("/api/v1/keys", json={"name": "x"}, headers=headers)
    again = client.post("/api/v1/keys", json={"name": "x"}, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "key" not in again.json and again.json["id"] == first.json["id"]
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT body::text FROM idempotency_keys")).scalar_one()
    assert first.json["key"] not in stored


def test_the_api_is_in_the_openapi_document(client: JsonClient) -> None:
    paths = client.get("/openapi.json").json["paths"]
    assert {
        "/api/v1/users",
        "/api/v1/users/{user_id}",
        "/api/v1/keys",
        "/api/v1/keys/{key_id}",
    } <= set(paths)
    assert_error(client.post("/api/v1/users", json={"email": "nope"}, headers={}), 401)


def test_the_last_operator_cannot_step_down_until_another_exists(
    client: JsonClient, tenant: Tenant, other_tenant: Tenant, sessions: sessionmaker[Session]
) -> None:
    # Each tenant fixture made an operator: two on the platform, one per org.
    operator = auth(tenant.operator)
    op_a = _user_id(sessions, "operator@org-a.test")
    op_b = _user_id(sessions, "operator@org-b.test")
    resp = client.patch(f"/api/v1/users/{op_b}", json={"disabled": True}, headers=operator)
    assert resp.status_code == 200 and resp.json["disabled"] is True
    # Now operator A is the last enabled one, in any org: neither demotion nor disabling.
    for change in ({"role": "admin"}, {"disabled": True}):
        resp = client.patch(f"/api/v1/users/{op_a}", json=change, headers=operator)
        assert "last operator" in assert_error(resp, 409)["message"]
    with sessions() as s:
        user = s.get(User, op_a)
        assert user is not None and user.role == "operator" and user.disabled_at is None
    # A promoted operator lets the first one go.
    resp = client.patch(
        f"/api/v1/users/{tenant.member_id}", json={"role": "operator"}, headers=operator
    )
    assert resp.status_code == 200
    resp = client.patch(f"/api/v1/users/{op_a}", json={"role": "admin"}, headers=operator)
    assert resp.status_code == 200 and resp.json["role"] == "admin"
