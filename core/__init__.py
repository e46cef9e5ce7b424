"""Plain, typed functions that the web API, the jobs and the worker processes all call.

One package per concern; a module here may import ``models`` and other ``core`` modules,
never ``web``, ``jobs`` or ``worker`` (actors it needs are passed in as arguments).

- ``settings``: the one typed settings object, grouped, read once per process.
- ``queueing/``: the Dramatiq broker and its middleware, the queues, the transactional
  outbox and its relay, the job ledger and ``job_state`` (every job state transition).
- ``ops/``: queue introspection, dead letters, backpressure, the audit log.
- ``cache/``: the response cache (keys and tags, codec, single-flight, tracking, warming).
- ``search/``: the per-org search index, query pipeline, ranking, query statistics.
- ``notify/``: notification triggers, routing, fan-out and the channels that deliver them.
- ``live/``: the activity stream per org, dashboard deltas, presence across processes.
- ``bulk/``: imports (read, check, stage, upsert in chunks, report) and exports.
- ``access``: changes to users and API keys (role, disabled, revoke) and the last-admin rule.
- ``crypto``: secrets at rest (webhook secrets, the VAPID key), encrypted with ``SECRET_KEYS``.
- ``channels``: events over Redis pub/sub for the websocket hubs.
- ``rollups``: the CRM dashboard figures (pipeline, win rate, leads, activity).
- ``scheduling`` and ``lease``: firing periodic jobs once, under a leader lease.
- ``redis_clients``: Redis clients for the two roles and the broker's safety check.
- ``logs``: logging set up from settings (text or JSON lines, with the request id).
- ``seed``: demo data.
"""
