# syntax=docker/dockerfile:1
# One image for web, realtime, worker, scheduler and migrations (see docker-compose.yml).
# Three stages: the console's and /docs' browser assets from npm, the Python dependencies
# from the hashed lock, and a slim runtime that holds neither npm nor a compiler.

FROM node:22-slim AS assets
WORKDIR /src/web/console
COPY web/console/package.json web/console/package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error

FROM python:3.11-slim AS deps
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
# All runtime deps ship manylinux wheels (psycopg[binary], hiredis, rapidfuzz, orjson,
# gevent): no compiler or libpq needed. --require-hashes: exactly the locked files.
COPY requirements.txt /tmp/requirements.txt
RUN python -m venv /opt/venv \
    && /opt/venv/bin/pip install --require-hashes -r /tmp/requirements.txt

FROM python:3.11-slim AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/venv/bin:$PATH \
    METRICS_DIR=/tmp/saleshub-metrics
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /app --no-create-home app
WORKDIR /app
COPY --from=deps /opt/venv /opt/venv
# The code belongs to root and is read-only for the app user; .dockerignore keeps tests/,
# bench/, clients/, docs/ and local state out.
COPY . .
COPY --from=assets /src/web/console/node_modules web/console/node_modules
USER 10001:10001
EXPOSE 8000 8001
# The web process's own answer (503 when PostgreSQL or Redis is down). docker-compose.yml
# gives realtime its port and worker/scheduler their own checks.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request as u; u.urlopen('http://127.0.0.1:8000/health', timeout=4)"]
CMD ["python", "-m", "worker.supervise", "gunicorn", "--worker-class", "gthread", \
     "--workers", "2", "--threads", "16", "--bind", "0.0.0.0:8000", \
     "web:create_app(websockets=False)"]
