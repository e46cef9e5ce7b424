"""``flask users create`` and ``flask seed``."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine

from tests.conftest import auth
from tests.web.helpers import count


def _create(app: Flask, *args: str) -> tuple[int, str, str]:
    result = app.test_cli_runner().invoke(args=["users", "create", *args])
    return result.exit_code, result.stdout, result.output


def test_users_create_prints_a_key_that_authenticates(
    app: Flask, client: FlaskClient, engine: Engine
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


def test_a_duplicate_email_fails(app: Flask, engine: Engine) -> None:
    assert _create(app, "--org", "X", "--email", "e@x.test")[0] == 0
    keys = count(engine, "api_keys")
    for org in ("X", "Other"):
        code, stdout, output = _create(app, "--org", org, "--email", "e@x.test")
        assert code != 0
        assert "exists already" in output and "shk_" not in stdout
    assert count(engine, "api_keys") == keys and count(engine, "users") == 1
    # Nothing of a failed command is kept, not even the org it would have created.
    assert count(engine, "organizations", "name = 'Other'") == 0


def test_if_missing_mints_a_new_key_for_an_existing_user(
    app: Flask, client: FlaskClient, engine: Engine
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
