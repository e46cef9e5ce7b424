"""``flask users``, ``flask keys`` and ``flask seed``."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import Engine, text

from tests.conftest import auth
from tests.support.client import JsonClient
from tests.support.factories import Tenant
from tests.web.helpers import count


def _create(app: Flask, *args: str) -> tuple[int, str, str]:
    result = app.test_cli_runner().invoke(args=["users", "create", *args])
    return result.exit_code, result.stdout, result.output


def test_users_create_prints_a_key_that_authenticates(
    app: Flask, client: JsonClient, engine: Engine
) -> None:
    code, stdout, output = _create(app, "--org", "X", "--email", "e@x.test", "--role", "admin")
    assert code == 0, output
    key = output.strip().splitlines()[-1]
    assert stdout.strip() == key  # alone on its line, and the only thing on stdout
    assert key.startswith("shk_") and " " not in key
    assert count(engine, "organizations", "name = 'X'") == 1
    assert count(engine, "users", "email = 'e@x.test' AND role = 'admin'") == 1

    assert client.get("/api/v1/companies", headers=auth(key)).status_code == 200
    # The key carries the admin role: it may cancel a job.
    job = client.post("/api/v1/jobs", json={"type": "analytics.rollup"}, headers=auth(key)).json
    canceled = client.post(f"/api/v1/jobs/{job['id']}/cancel", headers=auth(key))
    assert canceled.status_code == 200 and canceled.json["status"] == "canceled"


def test_users_create_reuses_an_existing_org(app: Flask, engine: Engine) -> None:
    assert _create(app, "--org", "X", "--email", "a@x.test")[0] == 0
    assert _create(app, "--org", "X", "--email", "b@x.test")[0] == 0
    assert count(engine, "organizations") == 1
    assert count(engine, "users", "role = 'member'") == 2


def test_a_duplicate_email_fails_in_its_org_only(app: Flask, engine: Engine) -> None:
    assert _create(app, "--org", "X", "--email", "e@x.test")[0] == 0
    keys = count(engine, "api_keys")
    for email in ("e@x.test", "E@X.Test"):
        code, stdout, output = _create(app, "--org", "X", "--email", email)
        assert code != 0
        assert "exists already in org X" in output and "shk_" not in stdout
    assert count(engine, "api_keys") == keys and count(engine, "users") == 1
    # Another org may have the address: a user of its own, stored in lower case.
    code, _, output = _create(app, "--org", "Other", "--email", "E@x.test")
    assert code == 0, output
    assert count(engine, "users", "email = 'e@x.test'") == 2


def test_if_missing_mints_a_new_key_for_an_existing_user(
    app: Flask, client: JsonClient, engine: Engine
) -> None:
    first = _create(app, "--org", "X", "--email", "e@x.test")[2].strip().splitlines()[-1]
    code, _, output = _create(app, "--org", "X", "--email", "e@x.test", "--if-missing")
    second = output.strip().splitlines()[-1]
    assert code == 0 and second != first
    assert count(engine, "users") == 1 and count(engine, "api_keys") == 2
    for key in (first, second):
        assert client.get("/api/v1/leads", headers=auth(key)).status_code == 200


def test_an_unknown_role_is_refused(app: Flask, engine: Engine) -> None:
    code, _, output = _create(app, "--org", "X", "--email", "e@x.test", "--role", "root")
    assert code == 2 and "root" in output
    assert count(engine, "users") == 0


def test_seed_adds_rows_to_the_org(app: Flask, engine: Engine) -> None:
    result = app.test_cli_runner().invoke(args=["seed", "--contacts", "50", "--org", "Y"])
    assert result.exit_code == 0, result.output
    assert count(engine, "organizations", "name = 'Y'") == 1
    in_y = "org_id = (SELECT id FROM organizations WHERE name = 'Y')"
    expected = {"companies": 10, "contacts": 50, "deals": 20, "leads": 20, "activities": 50}
    assert {t: count(engine, t, in_y) for t in expected} == expected
    # Seeding again adds as many again.
    assert (
        app.test_cli_runner().invoke(args=["seed", "--contacts", "50", "--org", "Y"]).exit_code == 0
    )
    assert count(engine, "contacts", in_y) == 100


def _run(app: Flask, *args: str) -> tuple[int, str]:
    result = app.test_cli_runner().invoke(args=list(args))
    return result.exit_code, result.output


def test_users_list_set_role_and_disable(
    app: Flask, client: JsonClient, engine: Engine, tenant: Tenant, other_tenant: Tenant
) -> None:
    code, out = _run(app, "users", "list", "--org", "Org A")
    assert code == 0, out
    rows = [line.split("\t") for line in out.strip().splitlines()]
    assert {(r[2], r[3], r[4]) for r in rows} == {
        ("member@org-a.test", "member", "active"),
        ("admin@org-a.test", "admin", "active"),
        ("operator@org-a.test", "operator", "active"),
    }
    assert _run(app, "users", "set-role", "member@org-a.test", "admin")[0] == 0
    assert client.get("/api/v1/users", headers=auth(tenant.member)).status_code == 200
    assert _run(app, "users", "disable", "member@org-a.test")[0] == 0
    assert client.get("/api/v1/users", headers=auth(tenant.member)).status_code == 401
    assert _run(app, "users", "disable", "member@org-a.test", "--enable")[0] == 0
    assert client.get("/api/v1/users", headers=auth(tenant.member)).status_code == 200
    # The last admin of Org B stays one.
    code, out = _run(app, "users", "set-role", "admin@org-b.test", "member")
    assert code != 0 and "last admin" in out
    code, out = _run(app, "users", "disable", "admin@org-b.test")
    assert code != 0 and "last admin" in out
    assert count(engine, "audit_log", "action = 'user.update'") == 3
    assert _run(app, "users", "disable", "nobody@x.test")[0] != 0


def _roles(engine: Engine, email: str) -> dict[str, tuple[str, bool]]:
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT o.name, u.role, u.disabled_at IS NOT NULL FROM users u"
                " JOIN organizations o ON o.id = u.org_id WHERE u.email = :email"
            ),
            {"email": email},
        )
        return {org: (role, disabled) for org, role, disabled in rows}


def test_an_email_of_several_orgs_needs_org(app: Flask, engine: Engine) -> None:
    """Without ``--org`` nothing is guessed: the command lists the orgs and changes nothing."""
    for org in ("X", "Y"):
        assert _create(app, "--org", org, "--email", "e@x.test", "--role", "admin")[0] == 0
        assert _create(app, "--org", org, "--email", "other@x.test", "--role", "admin")[0] == 0
    before = (_roles(engine, "e@x.test"), count(engine, "api_keys"), count(engine, "audit_log"))
    refused = (
        ("users", "set-role", "e@x.test", "member"),
        ("users", "disable", "E@X.test"),
        ("keys", "create", "--email", "e@x.test"),
        ("keys", "list", "--email", "e@x.test"),
    )
    for args in refused:
        code, out = _run(app, *args)
        assert code == 1, (args, out)
        assert "is a user of 2 organizations (X, Y): name one with --org" in out, args
        assert "shk_" not in out
    assert before == (
        _roles(engine, "e@x.test"), count(engine, "api_keys"), count(engine, "audit_log"),
    )  # fmt: skip
    # With --org, the one user of that org (case ignored).
    assert _run(app, "users", "set-role", "E@x.test", "member", "--org", "Y")[0] == 0
    assert _run(app, "users", "disable", "e@x.test", "--org", "X")[0] == 0
    assert _roles(engine, "e@x.test") == {"X": ("admin", True), "Y": ("member", False)}
    code, out = _run(app, "keys", "create", "--email", "e@x.test", "--org", "Y", "--name", "ci")
    assert code == 0, out
    code, out = _run(app, "keys", "list", "--email", "e@x.test", "--org", "Y")
    assert code == 0 and [line.split("\t")[2] for line in out.splitlines()] == ["-", "ci"]
    # An email of one org needs no --org.
    assert _create(app, "--org", "Z", "--email", "solo@x.test")[0] == 0
    assert _run(app, "users", "set-role", "solo@x.test", "admin")[0] == 0
    # An org where the email is not, or an org that does not exist.
    for org in ("Z", "Nowhere"):
        code, out = _run(app, "users", "disable", "other@x.test", "--org", org)
        assert code == 1 and f"no user other@x.test in org {org}" in out


def test_keys_create_list_revoke(app: Flask, client: JsonClient, tenant: Tenant) -> None:
    code, out = _run(app, "keys", "create", "--email", "member@org-a.test", "--name", "ci")
    assert code == 0, out
    key = out.strip().splitlines()[-1]
    assert client.get("/api/v1/companies", headers=auth(key)).status_code == 200
    code, out = _run(app, "keys", "list", "--email", "member@org-a.test")
    rows = [line.split("\t") for line in out.strip().splitlines()]
    assert len(rows) == 2 and rows[1][2] == "ci" and key.startswith(rows[1][1])
    assert rows[1][4] != "-" and rows[1][6] == "-"  # used, not revoked
    code, out = _run(app, "keys", "revoke", rows[1][0])
    assert code == 0 and "revoked" in out
    assert client.get("/api/v1/companies", headers=auth(key)).status_code == 401
    assert "already" in _run(app, "keys", "revoke", rows[1][0])[1]
    assert _run(app, "keys", "revoke", "999999")[0] != 0
    assert client.get("/api/v1/companies", headers=auth(tenant.member)).status_code == 200


def test_secrets_rotate_and_set_vapid(app: Flask, engine: Engine) -> None:
    runner = app.test_cli_runner()
    made = runner.invoke(args=["secrets", "set-vapid", "--generate"])
    assert made.exit_code == 0, made.output
    public = made.stdout.strip().splitlines()[-1]
    assert len(public) == 87  # a P-256 point in base64url, unpadded
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT value FROM platform_secrets")).scalar_one()
    assert stored.startswith("fernet:") and "PRIVATE KEY" not in stored
    rotated = runner.invoke(args=["secrets", "rotate"])
    assert rotated.exit_code == 0, rotated.output
    assert "1 platform secret(s)" in rotated.output
    refused = runner.invoke(args=["secrets", "set-vapid"], input="not a key\n")
    assert refused.exit_code != 0 and "not a VAPID private key" in refused.output


def _audit(engine: Engine, after: int = 0) -> list[tuple[str, str, int | None, Any]]:
    """The audit entries written after entry ``after``: action, target, org, details."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT action, target, org_id, user_id, details FROM audit_log"
                " WHERE id > :after ORDER BY id"
            ),
            {"after": after},
        )
        entries = []
        for action, target, org_id, user_id, details in rows:
            assert user_id is None  # the shell has no acting user
            entries.append((action, target, org_id, details))
        return entries


def _last_audit_id(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT coalesce(max(id), 0) FROM audit_log")).scalar_one())


def _ids(engine: Engine, email: str) -> tuple[int, int, list[int]]:
    """A user's org id, id and key ids."""
    with engine.connect() as conn:
        org_id, user_id = conn.execute(
            text("SELECT org_id, id FROM users WHERE email = :e"), {"e": email}
        ).one()
        keys = conn.execute(
            text("SELECT id FROM api_keys WHERE user_id = :u ORDER BY id"), {"u": user_id}
        ).scalars()
        return org_id, user_id, list(keys)


def test_every_cli_change_is_in_the_audit_log(app: Flask, engine: Engine) -> None:
    assert _audit(engine) == []
    code, _, output = _create(app, "--org", "Z", "--email", "z@z.test", "--role", "admin")
    assert code == 0, output
    org, uid, [first] = _ids(engine, "z@z.test")
    prefix = output.strip().splitlines()[-1][:12]
    assert _audit(engine) == [
        ("org.create", f"org:{org}", org, {"name": "Z"}),
        ("user.create", f"user:{uid}", org, {"email": "z@z.test", "role": "admin"}),
        ("key.create", f"api_key:{first}", org, {"owner_id": uid, "name": "", "prefix": prefix}),
    ]
    mark = _last_audit_id(engine)
    # A second user of the org; a new key for an existing one: no org or user entry.
    assert _create(app, "--org", "Z", "--email", "y@z.test")[0] == 0
    assert _create(app, "--org", "Z", "--email", "z@z.test", "--if-missing")[0] == 0
    _, yid, [ykey] = _ids(engine, "y@z.test")
    _, _, [_, second] = _ids(engine, "z@z.test")
    assert [e[:3] for e in _audit(engine, mark)] == [
        ("user.create", f"user:{yid}", org),
        ("key.create", f"api_key:{ykey}", org),
        ("key.create", f"api_key:{second}", org),
    ]
    mark = _last_audit_id(engine)
    assert _run(app, "users", "set-role", "y@z.test", "admin")[0] == 0
    assert _run(app, "users", "disable", "y@z.test")[0] == 0
    assert _run(app, "users", "disable", "y@z.test", "--enable")[0] == 0
    code, out = _run(app, "keys", "create", "--email", "y@z.test", "--name", "ci")
    assert code == 0, out
    _, _, [_, minted] = _ids(engine, "y@z.test")
    assert _run(app, "keys", "revoke", str(minted))[0] == 0
    entries = _audit(engine, mark)
    assert [(e[0], e[1], e[2]) for e in entries] == [
        ("user.update", f"user:{yid}", org),
        ("user.update", f"user:{yid}", org),
        ("user.update", f"user:{yid}", org),
        ("key.create", f"api_key:{minted}", org),
        ("key.revoke", f"api_key:{minted}", org),
    ]
    assert [e[3] for e in entries[:3]] == [
        {"role": ["member", "admin"]}, {"disabled": True}, {"disabled": False},
    ]  # fmt: skip
    assert entries[3][3]["name"] == "ci" and entries[3][3]["owner_id"] == yid
    # What changed nothing, or was refused, writes nothing.
    mark = _last_audit_id(engine)
    assert _run(app, "users", "set-role", "y@z.test", "admin")[0] == 0  # admin already
    assert _run(app, "keys", "revoke", str(minted))[0] == 0  # revoked already
    assert _run(app, "users", "set-role", "z@z.test", "member")[0] == 0  # y is an admin too
    assert _run(app, "users", "disable", "y@z.test")[0] != 0  # now the last admin
    assert _create(app, "--org", "Z", "--email", "z@z.test")[0] != 0  # exists already
    assert [e[0] for e in _audit(engine, mark)] == ["user.update"]
    # Secrets: storing the VAPID key and re-encrypting are written too.
    mark = _last_audit_id(engine)
    assert _run(app, "secrets", "set-vapid", "--generate")[0] == 0
    assert _run(app, "secrets", "rotate")[0] == 0
    assert [(e[0], e[1], e[2]) for e in _audit(engine, mark)] == [
        ("secrets.set", "vapid_private_key", None),
        ("secrets.rotate", "secrets", None),
    ]
    assert not any("PRIVATE" in str(e[3]) for e in _audit(engine))


def test_seed_is_in_the_audit_log(app: Flask, engine: Engine) -> None:
    seed = ["seed", "--contacts", "50", "--org", "S"]
    assert app.test_cli_runner().invoke(args=seed).exit_code == 0
    with engine.connect() as conn:
        org = conn.execute(text("SELECT id FROM organizations WHERE name = 'S'")).scalar_one()
    added = {"companies": 10, "contacts": 50, "deals": 20, "leads": 20, "activities": 50}
    assert _audit(engine) == [
        ("org.create", f"org:{org}", org, {"name": "S"}),
        ("org.seed", f"org:{org}", org, {"via": "cli", **added}),
    ]
    mark = _last_audit_id(engine)
    # Into an existing org: only the rows; a demo seed of an org with data adds nothing.
    assert app.test_cli_runner().invoke(args=seed).exit_code == 0
    assert _audit(engine, mark) == [("org.seed", f"org:{org}", org, {"via": "cli", **added})]
    mark = _last_audit_id(engine)
    assert app.test_cli_runner().invoke(args=["seed", "--demo", "--org", "S"]).exit_code == 0
    assert _audit(engine, mark) == []
