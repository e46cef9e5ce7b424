"""The split's staging, one chunk per transaction: rows, rejections, repeated keys, its job.

Each chunk's rows are COPYed while the file is read and committed with the chunk's job
(``stage_chunk``), so the chunk's upsert runs while the split reads the rest of the file
(docs/decisions/0037). What a chunk commits:

- its rows in ``import_rows`` and its refused rows in ``import_rejections``;
- the rows whose key repeats an earlier row's (in this chunk or one committed before)
  rejected, and its new keys in ``import_keys`` (``upsert.reject_repeated_keys``);
- fresh statistics of ``import_rows``, so the chunk plans for its real size;
- its job, ``imports.chunks_staged`` + 1 and the import's ``rows_read`` / ``rejected``.

Every chunk transaction starts by locking the import's row (``FOR NO KEY UPDATE``: the
chunks' own inserts, whose foreign key takes ``FOR KEY SHARE``, are not blocked) and reading
``chunks_staged``: a chunk committed before (by an earlier delivery of the split, or by
another one running at the same time) is read again but not written. The file is read from
its start every time, so the keys and row numbers are the same in every delivery.
"""

from __future__ import annotations

import sys
import uuid
from collections.abc import Callable
from contextlib import ExitStack
from typing import Any

from sqlalchemy.orm import Session

from core.bulk import upsert
from models import Import

COPY_BLOCK = 1 << 20


def copy_text(value: str) -> str:
    """``value`` as a field of COPY's text format."""
    return (
        value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    )


class Stager:
    """Stages one import's rows, chunk by chunk, each chunk in a transaction of its own.

    Parameters:
      session: the split's session; it is committed after every chunk.
      import_id: the import.
      key: the upsert key (repeated keys are rejected), or None.
      chunk_rows: rows per chunk (by row number: chunk n holds rows n*size to (n+1)*size-1).
      stage_chunk: adds chunk ``n``'s job to the import's batch, in the session's transaction.
    """

    def __init__(self, session: Session, import_id: uuid.UUID, *, key: str | None,
                 chunk_rows: int,
                 stage_chunk: Callable[[Session, Import, int], None]) -> None:  # fmt: skip
        self.session, self.import_id, self.key = session, import_id, key
        self.size, self.stage_chunk = chunk_rows, stage_chunk
        self.ident = str(import_id)
        self.chunk_no = 0
        self._stack: ExitStack | None = None
        self._copy: Any = None
        self._row: Import | None = None
        self._skip = False
        self._block: list[str] = []
        self._bytes = 0
        self._rejections: list[str] = []
        self._read = self._bad = 0

    def _begin(self) -> None:
        row = self.session.get(
            Import, self.import_id, with_for_update={"key_share": True}, populate_existing=True
        )  # fmt: skip
        assert row is not None, "an import is deleted only with its org"
        self._row = row
        self._skip = self.chunk_no < row.chunks_staged or row.status != "queued"
        if self._skip:
            return
        conn = self.session.connection().connection.driver_connection
        assert conn is not None  # psycopg's connection, in the session's transaction
        self._stack = ExitStack()
        cur = self._stack.enter_context(conn.cursor())
        self._copy = self._stack.enter_context(
            cur.copy("COPY import_rows (import_id, row_no, data) FROM STDIN")
        )  # fmt: skip

    def at(self, number: int) -> None:
        """Row ``number`` comes next: commit every chunk that ends before it."""
        while number >= (self.chunk_no + 1) * self.size:
            self.end_chunk()
        if self._row is None:
            self._begin()
        self._read += 1

    def add(self, number: int, data: str) -> None:
        """Stage row ``number`` (its JSON, escaped for COPY) in the current chunk."""
        if self._skip:
            return
        line = f"{self.ident}\t{number}\t{data}\n"
        self._block.append(line)
        self._bytes += len(line)
        if self._bytes >= COPY_BLOCK:
            self._copy.write("".join(self._block))
            self._block, self._bytes = [], 0

    def reject(self, number: int, problems: list[tuple[str, str]]) -> None:
        """Refuse row ``number`` for ``problems`` (column, reason)."""
        self._bad += 1
        if self._skip:
            return
        for column, reason in problems:
            self._rejections.append(
                f"{self.ident}\t{number}\t{copy_text(column)}\t{copy_text(reason)}\n"
            )

    def end_chunk(self) -> None:
        """Commit the current chunk (rows, rejections, keys, statistics, its job); next."""
        if self._row is None:
            self._begin()
        row = self._row
        assert row is not None
        if not self._skip:
            assert self._stack is not None
            if self._block:
                self._copy.write("".join(self._block))
            self._stack.close()  # ends the COPY
            self._block, self._bytes, self._stack, self._copy = [], 0, None, None
            conn = self.session.connection().connection.driver_connection
            assert conn is not None
            if self._rejections:
                with conn.cursor() as cur, cur.copy(
                    'COPY import_rejections (import_id, row_no, "column", reason) FROM STDIN'
                ) as copy:  # fmt: skip
                    copy.write("".join(self._rejections))
            lo, hi = self.chunk_no * self.size, (self.chunk_no + 1) * self.size
            if self.key is not None:
                self._bad += upsert.reject_repeated_keys(
                    self.session, self.import_id, self.key, lo, hi
                )
            # In this transaction, so the chunk (sent after commit) plans with its rows in.
            upsert.analyze_staging(self.session)
            self.stage_chunk(self.session, row, self.chunk_no)
            row.chunks_staged = self.chunk_no + 1
            row.rows_read += self._read
            row.rejected += self._bad
        self.session.commit()
        self._rejections, self._read, self._bad = [], 0, 0
        self._row = None
        self.chunk_no += 1

    def abort(self) -> None:
        """End a COPY left open by the error being raised (the caller rolls back)."""
        if self._stack is not None:
            stack, self._stack, self._copy = self._stack, None, None
            stack.__exit__(*sys.exc_info())  # psycopg fails the COPY instead of ending it
