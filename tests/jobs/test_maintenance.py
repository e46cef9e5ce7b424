"""Housekeeping: expired idempotency keys and old finished jobs go."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from core.settings import Settings
from jobs import runtime
from jobs.maintenance import cleanup
from models import ApiKey, IdempotencyKey, Job
from models.db import session_scope
from tests.support.factories import Tenant


def _job(status: str, finished_days_ago: int) -> Job:
    return Job(
        id=uuid.uuid4(),
        type="t",
        actor="a",
        queue="default",
        params={},
        message={},
        status=status,
        finished_at=datetime.now(UTC) - timedelta(days=finished_days_ago),
    )


def test_cleanup_removes_only_expired_rows(
    settings: Settings, sessions: sessionmaker[Session], tenant: Tenant
) -> None:
    runtime.init(settings, sessions)
    old = datetime.now(UTC) - timedelta(seconds=settings.web.idempotency_ttl_s + 60)
    with sessions() as s:
        key_id = s.scalars(select(ApiKey.id)).first()
    with session_scope(sessions) as s:
        s.add(
            IdempotencyKey(
                org_id=tenant.org_id,
                api_key_id=key_id,
                key="old",
                request_hash="h",
                status_code=201,
                created_at=old,
            )
        )
        s.add(
            IdempotencyKey(
                org_id=tenant.org_id,
                api_key_id=key_id,
                key="new",
                request_hash="h",
                status_code=201,
            )
        )
        s.add_all([_job("succeeded", 30), _job("succeeded", 1), _job("failed", 30)])
    assert cleanup.fn() == {"idempotency_keys": 1, "jobs": 1}
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(Job)) == 2
        assert s.scalars(select(IdempotencyKey.key)).all() == ["new"]
