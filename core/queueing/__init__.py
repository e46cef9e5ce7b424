"""Queueing: the Dramatiq broker and its middleware, the outbox, the relay and the ledger.

- ``broker``: the broker, configured once per process, and the ``actor`` decorator;
- ``consumer``: our Redis broker class and its consumer, woken by a pub/sub wake-up when a
  message arrives and honouring paused queues (the one module on Dramatiq's internals);
- ``queues``: the one definition of SalesHub's queues;
- ``outbox`` stages jobs in the caller's transaction, ``relay`` sends them after commit;
- ``job_state``: every job state transition (stage, start, progress, succeed, fail, dead,
  cancel, clean up); ``ledger``/``ledger_store`` record them from the worker;
- ``batches``: jobs grouped under one callback that runs once when every member is final
  (counters kept by PostgreSQL triggers in the members' own transactions);
- ``pause``: pausing and resuming queues;
- ``heartbeat``, ``minute_stats``, ``status_feed``, ``flusher``, ``log_context`` (a
  message's ids on its log records): middleware.
"""
