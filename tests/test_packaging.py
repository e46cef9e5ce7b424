"""Packaging: declared dependencies match the imports, the locks match the declarations,
and the image and compose file keep their promises."""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from importlib.metadata import packages_distributions
from pathlib import Path
from typing import Any

import pytest
import yaml
from packaging.requirements import Requirement

from core.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
RUNTIME_CODE = ("core", "web", "jobs", "models", "worker", "migrations")
# Declared, used, but never imported by name: run as commands or loaded by another package.
NOT_IMPORTED = {
    "gunicorn",  # the web and realtime servers (Procfile, docker-compose.yml)
    "gevent",  # gunicorn's worker class of the realtime process
    "python-dotenv",  # the flask CLI reads .flaskenv and .env through it
    "faker",  # imported as faker (name differs only in case)
}


def _project() -> dict[str, object]:
    data: dict[str, object] = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return data


def _names(reqs: list[str]) -> dict[str, str]:
    out = {}
    for line in reqs:
        req = Requirement(line)
        (spec,) = req.specifier
        out[req.name.lower().replace("_", "-")] = spec.version
    return out


def _code(folder: str, *, without: tuple[str, ...] = ()) -> list[Path]:
    skip = [ROOT / w for w in without]
    return [
        p
        for p in (ROOT / folder).rglob("*.py")
        if "node_modules" not in p.parts and not any(p.is_relative_to(s) for s in skip)
    ]


def _imports(folders: tuple[str, ...] | list[Path]) -> set[str]:
    paths = [p for f in folders for p in _code(f)] if isinstance(folders, tuple) else folders
    found: set[str] = set()
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                found |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                found.add(node.module.split(".")[0])
    # Ours: the project's packages and the generated client (clients/python).
    ours = {*RUNTIME_CODE, "tests", "bench", "scripts", "saleshub_client"}
    return found - set(sys.stdlib_module_names) - ours


def _distributions(modules: set[str]) -> set[str]:
    dists = packages_distributions()
    return {d.lower().replace("_", "-") for m in modules for d in dists.get(m, [m])}


def test_runtime_imports_are_declared_and_declarations_are_used() -> None:
    declared = _names(_project()["dependencies"])  # type: ignore[arg-type]
    imported = _distributions(_imports(RUNTIME_CODE))
    assert imported - set(declared) == set(), "imported but not declared in pyproject.toml"
    assert set(declared) - imported - NOT_IMPORTED == set(), "declared but never imported"


# Run only in .venv-bench (requirements-bench.in), never imported in the project's .venv.
PEER_CODE = ("bench/support/peers", "bench/locustfile.py")


def test_test_and_bench_imports_are_declared_in_their_extras() -> None:
    project = _project()
    runtime = set(_names(project["dependencies"]))  # type: ignore[arg-type]
    extras = project["optional-dependencies"]
    dev, bench = set(_names(extras["dev"])), set(_names(extras["bench"]))  # type: ignore[index]
    tests = _distributions(_imports(("tests", "scripts")))
    assert tests - runtime - dev == set(), "imported by tests or scripts, not in the dev extra"
    benches = _distributions(_imports(_code("bench", without=PEER_CODE)))
    assert benches - runtime - bench == set(), "imported by bench/, not in the bench extra"
    lock = (ROOT / "requirements-bench.txt").read_text()
    peers = set(re.findall(r"^([a-z0-9][a-z0-9.\-]*)==", lock.lower().replace("_", "-"), re.M))
    imported = {m.lower().replace("_", "-") for m in _imports([p for c in PEER_CODE for p in (
        [ROOT / c] if c.endswith(".py") else _code(c))])}  # fmt: skip
    assert imported - peers == set(), "imported by the peers, not in requirements-bench.in"
    assert "py-spy==" in lock  # bench/profile_jobs.py runs it from .venv-bench


def test_the_locks_hold_the_declared_versions_with_hashes() -> None:
    project = _project()
    runtime = _names(project["dependencies"])  # type: ignore[arg-type]
    extras = project["optional-dependencies"]
    dev = {**runtime, **_names(extras["dev"]), **_names(extras["bench"])}  # type: ignore[index]
    bench_in = (ROOT / "requirements-bench.in").read_text().splitlines()
    peers = _names([line for line in bench_in if line and not line.startswith("#")])
    locks = (("requirements.txt", runtime), ("requirements-dev.txt", dev))
    for lock, wanted in (*locks, ("requirements-bench.txt", peers)):
        text = (ROOT / lock).read_text()
        pins = {
            m[1].lower().replace("_", "-"): m[2]
            for m in re.finditer(r"^([A-Za-z0-9_.\-]+)(?:\[[^\]]*\])?==(\S+)", text, re.M)
        }
        for name, version in wanted.items():
            assert pins.get(name) == version, f"{lock}: {name} (run make lock)"
        entries = re.findall(r"^[A-Za-z0-9].*?(?=^[A-Za-z0-9]|\Z)", text, re.M | re.S)
        assert entries and all("--hash=sha256:" in e for e in entries), lock
    assert "psycopg-pool" not in (ROOT / "requirements.txt").read_text()


def test_the_image_is_multi_stage_slim_non_root_and_checked() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    stages = re.findall(r"^FROM (\S+)", dockerfile, re.M)
    assert stages[0].startswith("node:") and stages[-1] == "python:3.11-slim", stages
    # Numeric, so Kubernetes' runAsNonRoot can verify it without reading /etc/passwd.
    assert re.search(r"^USER 10001:10001$", dockerfile, re.M)
    assert re.search(r"^HEALTHCHECK ", dockerfile, re.M)
    assert "--require-hashes -r /tmp/requirements.txt" in dockerfile
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {"tests/", "bench/", "**/node_modules/", ".venv/", ".env"} <= set(ignored)


def test_compose_wires_mail_to_a_sink_and_checks_every_service() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert services["worker"]["environment"]["SMTP_HOST"] == "${SMTP_HOST:-mailpit}"
    assert "mailpit" in services and "1025" in services["worker"]["environment"]["SMTP_PORT"]
    for name, service in services.items():
        if name != "migrate":
            assert "test" in service.get("healthcheck", {}), f"{name} has no healthcheck"


def test_compose_has_a_rabbitmq_profile_and_worker_replicas() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert services["rabbitmq"]["profiles"] == ["rabbitmq"]
    assert services["worker"]["environment"]["BROKER_KIND"] == "${BROKER_KIND:-redis}"
    assert services["worker"]["deploy"]["replicas"] == "${WORKER_REPLICAS:-1}"
    # Job processes check the broker they are set to use (worker/probe.py), RabbitMQ included.
    for name in ("worker", "delivery", "scheduler"):
        assert services[name]["healthcheck"]["test"] == ["CMD", "python", "-m", "worker.probe"]
    # Docker's SIGKILL must not come before the workers' own drain (grace + supervisor's 15 s).
    grace = Settings().worker.shutdown_grace_s + 15
    for name in ("worker", "delivery"):
        assert int(services[name]["stop_grace_period"].removesuffix("s")) > grace, name


def _strings(node: object) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from _strings(key)
            yield from _strings(value)
    elif isinstance(node, list):
        for item in node:
            yield from _strings(item)


def test_compose_interpolates_nothing_without_a_default() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    # ${VAR:-default} and ${VAR-default} are fine; ${VAR}, $VAR and ${VAR:?…} need the
    # variable set (or fail), and $$ is a literal dollar.
    bare = re.compile(r"(?<!\$)\$(?:\{([A-Za-z_]\w*)(?:(?::?\?)[^}]*)?\}|([A-Za-z_]\w*))")
    unset = {m[1] or m[2] for s in _strings(compose) for m in bare.finditer(s.replace("$$", ""))}
    assert unset == set(), "give these a default in docker-compose.yml"


def _profiles(compose: dict[str, Any]) -> list[set[str]]:
    named = {p for s in compose["services"].values() for p in s.get("profiles", [])}
    return [set(), *({p} for p in sorted(named)), named]


def test_no_service_depends_on_one_outside_its_profiles() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    for active in _profiles(compose):
        on = {
            name
            for name, service in compose["services"].items()
            if not service.get("profiles") or active & set(service["profiles"])
        }
        for name in on:
            needs = set(compose["services"][name].get("depends_on", []))
            assert needs <= on, f"{name} needs {needs - on} with profiles {active or '{}'}"


def _compose_command() -> list[str]:
    """The docker CLI's compose plugin, else Debian's docker-compose (``make compose``)."""
    docker = shutil.which("docker")
    if docker:
        probe = subprocess.run(
            [docker, "compose", "version"], capture_output=True, text=True, timeout=30
        )
        if probe.returncode == 0:
            return [docker, "compose"]
    found = shutil.which("docker-compose")
    if found is None:
        pytest.fail("no compose implementation: make compose (make test) installs one")
    return [found]


@pytest.mark.parametrize("profile", [None, "rabbitmq"])
def test_docker_compose_config_accepts_the_file(profile: str | None, tmp_path: Path) -> None:
    # No .env and no variable of ours: what a fresh checkout gets, every value a default.
    (tmp_path / "empty.env").write_text("")
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path)}
    done = subprocess.run(
        [*_compose_command(), "--env-file", str(tmp_path / "empty.env"),
         "--project-directory", str(ROOT), "-f", str(ROOT / "docker-compose.yml"),
         *(["--profile", profile] if profile else []), "config", "--quiet"],
        capture_output=True, text=True, timeout=60, cwd=ROOT, env=env,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "not set" not in done.stderr, done.stderr
    assert "WARN" not in done.stderr.upper(), done.stderr


def test_deploy_guide_names_what_exists() -> None:
    guide = (ROOT / "docs" / "DEPLOY.md").read_text()
    for path in re.findall(r"`((?:deploy|docs)/[\w./-]+\.\w+)`", guide):
        assert (ROOT / path).exists(), path
    rules = (ROOT / "deploy" / "prometheus" / "rules.yml").read_text()
    for alert in re.findall(r"\bSalesHub[A-Z]\w+", guide):
        assert f"alert: {alert}" in rules, alert
    settings = "".join(p.read_text() for p in (ROOT / "core" / "settings").glob("*.py"))
    compose = (ROOT / "docker-compose.yml").read_text()
    commands = {"BGREWRITEAOF", "COMPOSE_PROJECT_NAME"}  # Redis's and Compose's, not ours
    for var in set(re.findall(r"`([A-Z][A-Z0-9_]{3,})`", guide)) - commands:
        assert f'"{var}"' in settings or var in compose, var
