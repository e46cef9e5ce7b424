"""The peers bench/peers.py measures SalesHub against, one module each.

Every module here runs only in the bench environment (``.venv-bench``, from
``requirements-bench.txt``), never in the project's. Each defines a no-op task whose one
effect is ``INCR {prefix}:done`` (and, for a probe job, ``RPUSH {prefix}:lat`` of its
enqueue→start delay), so every peer does the same work per job. They read
``BENCH_PEER_URL`` and ``BENCH_PEER_PREFIX`` at import: they are loaded only by the peer's
own worker command, started by :mod:`bench.support.peers.driver`.
"""
