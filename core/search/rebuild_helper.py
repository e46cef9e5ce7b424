"""The helper process of a large rebuild (``core.search.parallel``): rebuild the ranges
given on stdin as JSON, report each batch and then the word counts as JSON lines on stdout.

A module of its own, not imported by ``core.search``, so ``python -m`` runs it only once.
"""

from __future__ import annotations

import sys
from collections import Counter

import orjson

from core.search.rebuild import build_part
from models.db import make_engine, make_sessionmaker


def main() -> int:
    """The helper: rebuild the ranges given on stdin, report on stdout."""
    args = orjson.loads(sys.stdin.buffer.read())
    engine = make_engine(args["url"], pool_size=4)  # the reader's and writers' connections
    out = sys.stdout.buffer

    def batch_done(n: int) -> None:
        out.write(orjson.dumps({"done": n}) + b"\n")
        out.flush()

    try:
        terms: Counter[str] = Counter()
        with make_sessionmaker(engine)() as session:
            if args["scope"] is not None:
                session.info["org_id"] = args["scope"]
            ranges = {kind: (lo, hi) for kind, (lo, hi) in args["ranges"].items()}
            build_part(
                session, args["org_id"], terms, batch_done, batch=args["batch"], ranges=ranges
            )
        out.write(orjson.dumps({"terms": terms}) + b"\n")
        out.flush()
    finally:
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
