"""A second process for a large rebuild: half of each type's records, built on its own core.

Building documents is Python under one GIL: one process keeps one core busy and the
rebuild waited on it (docs/decisions/0042). A helper process (``python -m
core.search.rebuild_helper``) rebuilds the lower half of each type's ids with its own reader and
writers while the caller rebuilds the upper half; it reports each batch and, at the end, its
word counts, as JSON lines on stdout. Its arguments (the database URL among them) come on
stdin, never on the command line.
"""

from __future__ import annotations

import queue
import subprocess  # nosec B404  # runs this module with the current interpreter
import sys
import threading
from collections import Counter
from pathlib import Path
from typing import IO, Any

import orjson
from sqlalchemy import text
from sqlalchemy.orm import Session

from core.search.documents import TABLES

# Below this many documents a second process costs more (its start, about a second) than
# it saves.
FROM = 50_000
_ROOT = Path(__file__).resolve().parents[2]
NO_LIMIT = 2**63 - 1
Ranges = dict[str, tuple[int, int]]


def split(session: Session, org_id: int, totals: dict[str, int]) -> tuple[Ranges, Ranges]:
    """Per type, the upper half of the ids (the caller's) and the lower half (the helper's)."""
    upper: Ranges = {}
    lower: Ranges = {}
    for kind, table in TABLES.items():
        middle = session.scalar(
            text(f"SELECT id FROM {table} WHERE org_id = :o ORDER BY id OFFSET :k LIMIT 1"),  # noqa: S608  # nosec B608  # constants
            {"o": org_id, "k": totals[kind] // 2},
        )
        if middle is None:
            upper[kind] = (0, NO_LIMIT)
            continue
        lower[kind] = (0, int(middle))
        upper[kind] = (int(middle), NO_LIMIT)
    session.commit()
    return upper, lower


class Helper:
    """The helper process of one rebuild.

    Parameters:
      session: its database URL and org scope are the helper's.
      org_id: the org rebuilt.
      ranges: per type, the ids the helper rebuilds.
      batch: records per batch.
    """

    def __init__(self, session: Session, org_id: int, ranges: Ranges, batch: int) -> None:
        url = session.get_bind().url.render_as_string(hide_password=False)  # type: ignore[union-attr]
        args = {
            "url": url,
            "org_id": org_id,
            "scope": session.info.get("org_id"),
            "ranges": ranges,
            "batch": batch,
        }
        self.proc = subprocess.Popen(  # nosec B603  # our own module
            [sys.executable, "-m", "core.search.rebuild_helper"],
            cwd=_ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            # Its errors go where the caller's go; a pipe nobody reads could fill and block it.
            stderr=None,
        )
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(orjson.dumps(args))
        self.proc.stdin.close()
        self.lines: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self.reader = threading.Thread(target=self._read, args=(self.proc.stdout,), daemon=True)
        self.reader.start()
        self.terms: dict[str, int] = {}

    def _read(self, out: IO[bytes]) -> None:
        for line in out:
            self.lines.put(orjson.loads(line))
        self.lines.put(None)

    def poll(self) -> int:
        """Documents the helper wrote since the last call."""
        done = 0
        while True:
            try:
                item = self.lines.get_nowait()
            except queue.Empty:
                return done
            if item is None:
                self.lines.put(None)
                return done
            done += item.get("done", 0)
            self.terms.update(item.get("terms", {}))

    def finish(self, terms: Counter[str]) -> int:
        """Wait for the helper; add its word counts to ``terms``; the documents not yet
        reported by :meth:`poll`."""
        self.reader.join()
        done = self.poll()
        code = self.proc.wait()
        if code != 0:
            raise RuntimeError(f"search rebuild helper failed with exit code {code}")
        terms.update(self.terms)
        return done

    def close(self) -> None:
        """Stop the helper if it still runs (the caller failed)."""
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        if self.proc.stdout is not None:
            self.proc.stdout.close()
