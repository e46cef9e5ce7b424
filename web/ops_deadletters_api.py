"""``/api/v1/ops/dead-letters``: operators list, count, inspect, retry and purge dead
letters, one by one or by a filter whose count they confirmed."""

from __future__ import annotations

import base64
import binascii
import uuid

import orjson
from flask import Blueprint, Response, request
from pydantic import ConfigDict, Field
from spectree import Response as SpecResponse

from core.ops import deadletters
from core.queueing.queues import Queue
from models import Job
from web import responses_ops
from web.auth import require_role
from web.errors import ApiError, not_found
from web.ext import db, resources
from web.http import json_response
from web.ops_api import audit_action
from web.schemas import Strict, Text
from web.spec import may_answer, returns, spec

bp = Blueprint("ops_dead_letters", __name__, url_prefix="/ops")


class DeadLetterFilter(Strict):
    queue: Queue | None = None
    actor: Text(128) | None = None  # type: ignore[valid-type]
    q: Text(200) | None = None  # type: ignore[valid-type]


class DeadLetterQuery(DeadLetterFilter):
    limit: int = Field(default=50, ge=1, le=500)
    cursor: Text(512) | None = None  # type: ignore[valid-type]


class DeadLetterBulk(DeadLetterFilter):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"queue": "default", "actor": "analytics.rollup", "expected_count": 3}]
        }
    )

    # The count the operator confirmed (from GET /dead-letters/count): a bulk action
    # whose filter now matches another number is refused, so nobody purges more than
    # they were shown.
    expected_count: int = Field(strict=True, ge=0)


def _encode(pos: deadletters.Position | None) -> str | None:
    if pos is None:
        return None
    return base64.urlsafe_b64encode(orjson.dumps(list(pos))).decode().rstrip("=")


def _decode(cursor: str | None) -> deadletters.Position | None:
    if not cursor:
        return None
    try:
        score, queue, rid = orjson.loads(
            base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        )
    except (binascii.Error, ValueError, TypeError):
        raise ApiError(422, "invalid cursor", code="invalid_cursor") from None
    if not (isinstance(score, int | float) and isinstance(queue, str) and isinstance(rid, str)):
        raise ApiError(422, "invalid cursor", code="invalid_cursor")
    return (float(score), queue, rid)


@bp.get("/dead-letters")
@returns(responses_ops.DeadLetterPage)
@spec.validate(query=DeadLetterQuery, tags=["ops"])
@require_role("operator")
def list_dead_letters() -> Response:
    """A page of dead letters, newest first across the queues; ``total`` without an
    actor or text filter (a text filter would have to read them all)."""
    q: DeadLetterQuery = request.context.query  # type: ignore[attr-defined]
    res = resources()
    found, pos = res.ops.page(
        limit=q.limit,
        after=_decode(q.cursor),
        queue=q.queue,
        actor=q.actor,
        text=q.q,
    )
    total = None if (q.actor or q.q) else res.ops.count(queue=q.queue)
    return json_response(
        {"items": [d.public() for d in found], "total": total, "next_cursor": _encode(pos)}
    )


@bp.get("/dead-letters/count")
@returns(responses_ops.DeadLetterCount)
@spec.validate(query=DeadLetterFilter, tags=["ops"])
@require_role("operator")
def count_dead_letters() -> Response:
    """The dry run of a bulk action: how many dead letters the filter matches now."""
    f: DeadLetterFilter = request.context.query  # type: ignore[attr-defined]
    n = resources().ops.count(queue=f.queue, actor=f.actor, text=f.q)
    return json_response({"count": n, **f.model_dump(mode="json")})


def _one(message_id: str) -> deadletters.DeadLetter:
    try:
        job = db().get(Job, uuid.UUID(message_id))
    except ValueError:
        job = None
    letter = resources().ops.get(
        message_id,
        queue=job.queue if job else None,
        redis_id=job.redis_id if job else None,
    )
    if letter is None:
        raise not_found("dead letter")
    return letter


@bp.get("/dead-letters/<uuid:message_id>")
@returns(responses_ops.DeadLetter)
@spec.validate(tags=["ops"])
@require_role("operator")
def get_dead_letter(message_id: uuid.UUID) -> Response:
    return json_response(_one(str(message_id)).public(full=True))


@bp.post("/dead-letters/<uuid:message_id>/retry")
@returns(responses_ops.Retried)
@spec.validate(tags=["ops"])
@require_role("operator")
def retry_dead_letter(message_id: uuid.UUID) -> Response:
    letter = _one(str(message_id))
    audit_action("dead_letter.retry", str(message_id), queue=letter.queue, actor=letter.actor)
    n = deadletters.retry(db(), resources().ops, [letter])
    return json_response({"retried": n})


@bp.delete("/dead-letters/<uuid:message_id>")
@spec.validate(tags=["ops"], resp=SpecResponse(HTTP_204=None))
@require_role("operator")
def delete_dead_letter(message_id: uuid.UUID) -> Response:
    letter = _one(str(message_id))
    audit_action("dead_letter.delete", str(message_id), queue=letter.queue, actor=letter.actor)
    db().commit()
    resources().ops.remove([letter])
    return Response(status=204)


@bp.post("/dead-letters/<any(retry, purge):action>")
@may_answer(409)  # the filter matches another count than the one confirmed
@returns(responses_ops.BulkOutcome)
@spec.validate(json=DeadLetterBulk, tags=["ops"])
@require_role("operator")
def bulk_dead_letters(action: str) -> Response:
    f: DeadLetterBulk = request.context.json  # type: ignore[attr-defined]
    ops = resources().ops
    found = list(ops.matching(queue=f.queue, actor=f.actor, text=f.q))
    if len(found) != f.expected_count:
        raise ApiError(
            409,
            f"the filter matches {len(found)} dead letters now, not {f.expected_count}; "
            "confirm the new count",
            details={"count": len(found)},
        )
    filters = f.model_dump(mode="json", exclude={"expected_count"})
    audit_action(f"dead_letter.{action}_matching", "dead-letters", count=len(found), **filters)
    if action == "retry":
        return json_response({"retried": deadletters.retry(db(), ops, found)})
    db().commit()
    return json_response({"purged": ops.remove(found)})
