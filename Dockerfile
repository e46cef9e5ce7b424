# One image for web, worker, scheduler and migrations (see docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# All runtime deps ship manylinux wheels (psycopg[binary], hiredis, rapidfuzz, orjson):
# no compiler or libpq needed.
COPY requirements.txt ./
RUN pip install -r requirements.txt

RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /app --no-create-home app

COPY --chown=app:app . .

USER app
EXPOSE 8000

CMD ["gunicorn", "--worker-class", "gthread", "--workers", "2", "--threads", "16", \
     "--bind", "0.0.0.0:8000", "web:create_app()"]
