# SalesHub developer entry points.
#
#   make run      venv + private services + migrations + demo data, then web/realtime/worker/delivery/scheduler
#                 (BROKER=rabbitmq: job messages on a private RabbitMQ node instead of Redis)
#   make test     venv + private services (RabbitMQ boots meanwhile), then pytest on 2 workers
#                 (PYTEST_ARGS="-k foo -x", TEST_WORKERS=0 for one process)
#   make lock     re-resolve pyproject.toml and requirements-bench.in into the requirements*.txt locks (hashes)
#   make client   regenerate the typed Python client in clients/python from the OpenAPI document
#   make fuzz     a long Schemathesis run against a live test server (FUZZ_EXAMPLES=200)
#   make lint     ruff check, ruff format --check, mypy, bandit (medium and high), hadolint
#   make fmt      ruff format + ruff check --fix
#   make bench    services + migrations, then every bench/*.py (but chaos.py)
#   make chaos-short  the short chaos run alone (3 minutes at most; make test runs it too)
#   make chaos    fault-injection run on its own stack under var/chaos (SEED=, CHAOS_ARGS=)
#   make stop     stop the private PostgreSQL/Redis/RabbitMQ under var/ (data kept)
#   make clean    stop them and DELETE var/ (database, broker queues, demo API key)
#
# Private services live under var/ and are reused between runs; scripts/services.sh
# writes their URLs to .env. They never use the system PostgreSQL/Redis.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
PYTEST_ARGS ?=
# make run's job broker: redis (default) or rabbitmq (BROKER_KIND for every process).
BROKER ?= redis
# What bandit scans (tests assert, which is their job); it fails on medium and high findings.
BANDIT_PATHS := core jobs models web worker migrations bench scripts
# Load .env (written by scripts/services.sh) into the environment of a recipe line.
# (gunicorn 27 otherwise binds one control socket per user, $$HOME/.gunicorn/gunicorn.ctl,
# shared by every gunicorn on the machine; `run` disables it unless GUNICORN_CMD_ARGS is set.)
LOAD_ENV := set -a; . ./.env; set +a;

.PHONY: help venv lock console browser promtool compose services migrate demo run test fuzz client lint fmt bench chaos chaos-short stop clean

help:
	@sed -n 's/^#   //p' $(firstword $(MAKEFILE_LIST))

venv: $(VENV)/.stamp

$(VENV)/.stamp: requirements.txt requirements-dev.txt
	@if [ ! -x $(BIN)/python ]; then \
	  echo "creating $(VENV) with $(PYTHON)"; \
	  if ! $(PYTHON) -m venv $(VENV); then \
	    echo "python3 -m venv failed; installing Debian's python3-venv"; \
	    rm -rf $(VENV); \
	    SUDO=; [ "$$(id -u)" -eq 0 ] || SUDO=sudo; \
	    $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -q; \
	    $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-venv \
	      "python3.$$($(PYTHON) -c 'import sys; print(sys.version_info[1])')-venv" \
	      || $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-venv; \
	    $(PYTHON) -m venv $(VENV); \
	  fi; \
	fi
	$(BIN)/python -m pip install -q --require-hashes -r requirements-dev.txt
	@touch $@

# Dependencies are declared in pyproject.toml (runtime, and the dev and bench extras); this
# resolves them with uv into two locks with hashes: requirements.txt (runtime: the image)
# and requirements-dev.txt (runtime + dev + bench, held to the runtime lock's versions:
# what make venv installs), and requirements-bench.in (the peers, Locust and py-spy, never in
# .venv) into requirements-bench.txt, which bench/support/bench_env.py installs into
# .venv-bench. Versions already locked are kept unless LOCK_ARGS=--upgrade.
LOCK_ARGS ?=
UV_COMPILE = $(BIN)/uv pip compile pyproject.toml --python-version 3.11 --generate-hashes \
	--quiet $(LOCK_ARGS)
lock:
	@[ -x $(BIN)/uv ] || $(BIN)/python -m pip install -q "uv==0.13.8"
	$(UV_COMPILE) -o requirements.txt
	$(UV_COMPILE) --extra dev --extra bench --constraint requirements.txt -o requirements-dev.txt
	$(BIN)/uv pip compile requirements-bench.in --python-version 3.11 --generate-hashes --quiet \
	  $(LOCK_ARGS) -o requirements-bench.txt

# The ops console's chart library, from the npm registry (no CDN at run time).
console: web/console/node_modules/.stamp

web/console/node_modules/.stamp: web/console/package.json web/console/package-lock.json
	@command -v npm >/dev/null || { SUDO=; [ "$$(id -u)" -eq 0 ] || SUDO=sudo; \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -q; \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q nodejs npm; }
	npm ci --prefix web/console --no-audit --no-fund --loglevel=error
	@touch $@

# Debian's headless Chromium and its driver, for the console's browser test.
browser:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || { \
	  SUDO=; [ "$$(id -u)" -eq 0 ] || SUDO=sudo; \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -q; \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium chromium-driver; }

# Debian's prometheus package, for promtool (`promtool check metrics|rules` in the tests).
promtool:
	@command -v promtool >/dev/null || { SUDO=; [ "$$(id -u)" -eq 0 ] || SUDO=sudo; \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -q; \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
	    prometheus; }

# A Compose implementation for `config` in tests/test_packaging.py (no engine needed): the
# docker CLI's plugin when it has one, else Debian's docker-compose 1.29.
compose:
	@docker compose version >/dev/null 2>&1 || command -v docker-compose >/dev/null || { \
	  SUDO=; [ "$$(id -u)" -eq 0 ] || SUDO=sudo; \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -q; \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
	    docker-compose; }

# RabbitMQ takes ~15 s to boot here: make test lets it boot while pytest starts (the tests
# that need it wait for it); make run BROKER=rabbitmq waits for it.
services:
	@scripts/services.sh ensure-packages
	@RABBITMQ=$(if $(filter rabbitmq,$(BROKER)),wait,$(if $(filter test,$(MAKECMDGOALS)),background,no)) \
	  scripts/services.sh start

migrate: venv services
	$(LOAD_ENV) $(BIN)/alembic upgrade head

demo: migrate
	@mkdir -p var
	@$(LOAD_ENV) \
	out="$$($(BIN)/flask users create --org Demo --email ops@demo.local \
	        --role operator --if-missing)"; \
	printf '%s\n' "$$out"; \
	key="$$(printf '%s\n' "$$out" | tail -n 1)"; \
	if printf '%s' "$$key" | grep -Eq '^[A-Za-z0-9._~+/=:-]{16,}$$'; then \
	  (umask 077; printf '%s\n' "$$key" > var/demo-api-key); \
	fi
	$(LOAD_ENV) $(BIN)/flask seed --demo
	@echo "================================================================"
	@if [ -s var/demo-api-key ]; then \
	  echo "  Demo API key (ops@demo.local, operator): $$(cat var/demo-api-key)"; \
	  echo "  saved in var/demo-api-key"; \
	else \
	  echo "  No new demo API key printed (user already existed?); none saved in var/demo-api-key"; \
	fi
	@echo "================================================================"

run: venv console services migrate demo
	@echo "================================================================"
	@echo "  API     http://127.0.0.1:$(PORT)"
	@echo "  Docs    http://127.0.0.1:$(PORT)/docs"
	@echo "  Health  http://127.0.0.1:$(PORT)/health"
	@echo "  Sockets ws://127.0.0.1:$${REALTIME_PORT:-8001}/ws  (realtime process; /health says websocket_url)"
	@if [ -s var/demo-api-key ]; then echo "  API key $$(cat var/demo-api-key)"; fi
	@echo "  Ctrl-C stops web, realtime, worker, delivery and scheduler. PostgreSQL and Redis under var/"
	@echo "  stay up for reuse: 'make stop' stops them, 'make clean' deletes their data."
	@echo "================================================================"
	@$(LOAD_ENV) PATH="$(CURDIR)/$(BIN):$$PATH" BROKER_KIND=$(BROKER) \
	  GUNICORN_CMD_ARGS="$${GUNICORN_CMD_ARGS:---no-control-socket}" \
	  PUBLIC_URL="$${PUBLIC_URL:-http://127.0.0.1:$(PORT)}" \
	  exec $(BIN)/honcho start -f Procfile -e .env -p $(PORT)

# Three pytest-xdist workers on the two cores (a test waits on the processes it starts
# for much of its time), a test file each at a time (module fixtures stay on one worker);
# each past the first gets its own database, Redis servers and RabbitMQ vhost
# (tests/support/xdist.py). Measured 2026-12-08 on a slow day: 854 s with three, 938 s
# with two. TEST_WORKERS=0 runs everything in one process.
TEST_WORKERS ?= 3
test: venv console browser promtool compose services
	$(LOAD_ENV) $(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

chaos-short: venv services
	$(LOAD_ENV) $(BIN)/pytest -m chaos --no-cov tests/bench/test_chaos.py

# The same test as `make test` runs (few examples), with many more: every default check,
# every phase (examples, coverage, fuzzing, stateful). Set FUZZ_SECONDS to bound it by time.
FUZZ_EXAMPLES ?= 200
fuzz: venv services
	$(LOAD_ENV) FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/pytest tests/web/test_contract_fuzz.py \
	  --no-cov -p no:cacheprovider -q

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/bandit -q -ll -c pyproject.toml -r $(BANDIT_PATHS)
	$(BIN)/hadolint Dockerfile

fmt: venv
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: venv services migrate
	@shopt -s nullglob; files=(); for f in bench/*.py; do [ "$$f" = bench/chaos.py ] || files+=("$$f"); done; \
	if [ $${#files[@]} -eq 0 ]; then echo "no bench/*.py"; exit 0; fi; \
	$(LOAD_ENV) \
	for f in "$${files[@]}"; do \
	  echo "# $$f" >&2; \
	  $(BIN)/python "$$f"; \
	done

# Jepsen-style: 20,000 probes under 30 seeded faults on a stack of its own (bench/chaos.py);
# prints one JSON line per figure, the faults on stderr, the whole report in var/chaos.
chaos: venv
	@scripts/services.sh ensure-packages
	$(BIN)/python bench/chaos.py $(if $(SEED),--seed $(SEED)) $(CHAOS_ARGS)

stop:
	@scripts/services.sh stop

# Deletes all local data: the database, broker queues and the demo API key.
clean: stop
	rm -rf var

# The typed Python client (clients/python/saleshub-client), generated by openapi-python-client
# from the document the app serves (clients/python/openapi.json). Run after changing a route;
# tests/clients/test_python_client.py fails while the committed client is out of date.
client: venv
	$(BIN)/python scripts/openapi.py > clients/python/openapi.json
	rm -rf clients/python/saleshub-client
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/openapi-python-client generate \
	  --path clients/python/openapi.json --config clients/python/config.yml --meta setup \
	  --output-path clients/python/saleshub-client --overwrite
