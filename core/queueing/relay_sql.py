"""The relay's statements: the claim of staged jobs, their stamp, and the lost-message check.

Kept apart from :mod:`core.queueing.relay` so that module holds the loop alone.
"""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg.pq import ExecStatus

from core.queueing.batches import BATCH_ACTOR
from core.queueing.ledger_conn import raise_if_disconnected, text_array
from models.job import ACTIVE_STATUSES, JobStatus, sql_list

# Age of the oldest due staged job not yet sent, in seconds. A row of a job canceled
# before it was sent stays until the next claim takes it out (a pass at most a second away).
LAG_SQL = """
SELECT extract(epoch FROM now() - min(due_at)) FROM job_outbox WHERE due_at <= now()
"""

# The staged jobs are the rows of ``job_outbox`` (kept by triggers on ``jobs``, migration
# 0013), due first; their jobs are locked with them, so a cancel waits for the batch's
# commit. A debounced job (``run_after``, core.queueing.outbox.stage_unique) is due at that
# time; the relay's once-a-second poll sends it. A row whose job is no longer staged (it
# was canceled, or sent some other way) is only deleted: ``staged`` is false.
# The message as text, parsed here row by row (orjson, a row that fails set aside alone):
# psycopg's JSONB loader would parse the whole batch with the json module, and fail it all.
# The claimed rows leave the outbox in the same statement (one round trip fewer before the
# publish: a quiet system's commit → start, docs/decisions/0043), in the same transaction
# as before: rolled back with it if the broker refuses the batch.
CLAIM = f"""
WITH claimed AS (
  SELECT o.job_id, o.due_at, j.message::text AS message,
         (j.dispatched_at IS NULL AND j.status = '{JobStatus.QUEUED}') IS TRUE AS staged
  FROM job_outbox o JOIN jobs j ON j.id = o.job_id
  WHERE o.due_at <= now()
  ORDER BY o.due_at
  LIMIT %s
  FOR UPDATE SKIP LOCKED
), unstaged AS (
  DELETE FROM job_outbox WHERE job_id = ANY(ARRAY(SELECT job_id FROM claimed))
)
SELECT job_id, message, staged FROM claimed ORDER BY due_at
"""  # noqa: S608  # nosec B608  # a JobStatus value only, no input
# The claim and the stamp, prepared once per connection with SQL ``PREPARE`` so that
# ``BEGIN`` and the claim's ``EXECUTE`` go in one simple-query round trip (psycopg sends a
# transaction's ``BEGIN`` alone): 0.16 ms a pass where it was 0.25 (docs/decisions/0045).
# Under load they are prepared again (:data:`PREPARE`, in the same round trip), so a
# plan made while ``jobs`` was tiny does not outlive a backlog (docs/decisions/0050).
CLAIM_NAME = "saleshub_relay_claim"
MARK_NAME = b"saleshub_relay_mark"
# Sets no indexed column: a heap-only (HOT) update (docs/decisions/0034-job-outbox-table.md).
MARK = """
UPDATE jobs SET dispatched_at = now(), updated_at = now(), redis_id = v.rid, redis_queue = v.q
FROM unnest(%s::uuid[], %s::text[], %s::text[]) AS v(id, rid, q)
WHERE jobs.id = v.id
"""
_MARK_PREPARED = MARK.replace("%s", "$1", 1).replace("%s", "$2", 1).replace("%s", "$3", 1)
# Sent before a pass's ``BEGIN`` in the same round trip: on a new connection, after an
# error, and under load once its plans are ``Relay.replan_s`` old. ``DEALLOCATE ALL``
# makes it safe whatever an earlier, failed pass left prepared; the relay's connections
# have psycopg's own preparing off, so nothing else of theirs is prepared.
PREPARE = (
    "DEALLOCATE ALL;"
    f" PREPARE {CLAIM_NAME}(int) AS {CLAIM.replace('%s', '$1')};"
    f" PREPARE {MARK_NAME.decode()}(text, text, text) AS {_MARK_PREPARED}"
).encode()
SET_ASIDE_SQL = f"""
UPDATE jobs SET status = '{JobStatus.DEAD}', error = v.reason, finished_at = now(),
  updated_at = now()
FROM unnest(%s::uuid[], %s::text[]) AS v(id, reason)
WHERE jobs.id = v.id
"""  # noqa: S608  # nosec B608  # a JobStatus value only, no input
SUSPECTS = f"""
SELECT id, message::text, redis_id, redis_queue FROM jobs
WHERE status IN ({sql_list(ACTIVE_STATUSES)}) AND dispatched_at IS NOT NULL
  AND updated_at < now() - make_interval(secs => %s) AND actor <> '{BATCH_ACTOR}'
ORDER BY updated_at
LIMIT %s
FOR UPDATE SKIP LOCKED
"""  # noqa: S608  # nosec B608  # JobStatus values only, no input


def mark(conn: psycopg.Connection[Any], ids: list[str], rids: list[str], queues: list[str]) -> None:
    """Stamp the sent rows with the prepared :data:`MARK`, in the pass's transaction."""
    params = [text_array(ids), text_array(rids), text_array(queues)]
    res = conn.pgconn.exec_prepared(MARK_NAME, params)
    if res.status != ExecStatus.COMMAND_OK:
        raise_if_disconnected(conn)
        raise psycopg.errors.error_from_result(res, encoding=conn.info.encoding)
