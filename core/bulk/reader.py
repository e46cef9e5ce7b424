"""Reading an uploaded file: its encoding, its CSV dialect, and its rows one at a time.

Nothing here holds the file in memory: detection reads a sample, rows are yielded as they
are parsed. Row numbers are the ones a spreadsheet shows: the CSV header is row 1; in
NDJSON the row number is the line number.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

SAMPLE_BYTES = 1 << 20
DELIMITERS = ",;\t|"
# Past csv's 128 KiB default a long note would stop the whole read; a field this large is
# still refused by the row checks (max_len).
csv.field_size_limit(16 << 20)


class UnreadableFile(ValueError):
    """The file cannot be read as the format it claims (no header, bad options)."""


@dataclass(frozen=True)
class Format:
    """How to read a file.

    Parameters:
      kind: ``csv`` or ``ndjson``; encoding: ``utf-8``, ``utf-8-sig`` or ``latin-1``.
      delimiter, quotechar: the CSV dialect (ignored for NDJSON).
    """

    kind: str
    encoding: str
    delimiter: str = ","
    quotechar: str = '"'

    def as_json(self) -> dict[str, str]:
        return {"format": self.kind, "encoding": self.encoding, "delimiter": self.delimiter,
                "quotechar": self.quotechar}  # fmt: skip


def detect_encoding(sample: bytes) -> str:
    """UTF-8 with a BOM, UTF-8, or else Latin-1 (which decodes any byte)."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        # The sample may end inside a character: decode incrementally, not final.
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
    except UnicodeDecodeError:
        return "latin-1"
    return "utf-8"


def detect(path: Path, *, kind: str | None = None, **given: str | None) -> Format:
    """The file's format: what is ``given`` (encoding, delimiter, quotechar), the rest guessed."""
    with path.open("rb") as f:
        sample = f.read(SAMPLE_BYTES)
    if not sample.strip():
        raise UnreadableFile("the file is empty")
    encoding = given.get("encoding") or detect_encoding(sample)
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise UnreadableFile(f"unknown encoding {encoding!r}") from None
    text = sample.decode(encoding, errors="replace")
    if kind is None:
        kind = "ndjson" if text.lstrip("\ufeff \r\n\t").startswith("{") else "csv"
    if kind == "ndjson":
        return Format("ndjson", encoding)
    delimiter = given.get("delimiter") or None
    quotechar = given.get("quotechar") or None
    if delimiter is None or quotechar is None:
        head = "\n".join(text.splitlines()[:50])
        try:
            dialect = csv.Sniffer().sniff(head, delimiters=DELIMITERS)
            delimiter = delimiter or dialect.delimiter
            quotechar = quotechar or dialect.quotechar or '"'
        except csv.Error:
            delimiter, quotechar = delimiter or ",", quotechar or '"'
    if len(delimiter) != 1 or len(quotechar) != 1:
        raise UnreadableFile("delimiter and quotechar must be one character each")
    return Format("csv", encoding, delimiter, quotechar)


def _open(path: Path, fmt: Format) -> io.TextIOWrapper:
    # "replace": a stray byte becomes U+FFFD and rejects its row, not the file.
    return path.open(encoding=fmt.encoding, errors="replace", newline="")


def header(path: Path, fmt: Format) -> list[str]:
    """The CSV header (or the first NDJSON object's keys)."""
    with _open(path, fmt) as f:
        if fmt.kind == "ndjson":
            for line in f:
                if line.strip():
                    try:
                        first = orjson.loads(line)
                    except orjson.JSONDecodeError:
                        raise UnreadableFile("the first line is not JSON") from None
                    if not isinstance(first, dict):
                        raise UnreadableFile("the first line is not a JSON object")
                    return [str(k) for k in first]
            raise UnreadableFile("the file has no rows")
        row = next(csv.reader(f, delimiter=fmt.delimiter, quotechar=fmt.quotechar), None)
    if not row or not any(cell.strip() for cell in row):
        raise UnreadableFile("the file has no header row")
    return [cell.strip().lstrip("\ufeff") for cell in row]


Row = tuple[int, dict[str, Any] | None, str | None]


def rows(path: Path, fmt: Format) -> Iterator[Row]:
    """``(row number, values by column, None)``, or ``(row number, None, reason)``."""
    with _open(path, fmt) as f:
        if fmt.kind == "ndjson":
            yield from _ndjson(f)
        else:
            yield from _csv(f, fmt)


def _ndjson(f: io.TextIOWrapper) -> Iterator[Row]:
    for number, line in enumerate(f, start=1):
        if not line.strip():
            continue
        try:
            value = orjson.loads(line)
        except orjson.JSONDecodeError:
            yield number, None, "not valid JSON"
            continue
        if not isinstance(value, dict):
            yield number, None, "not a JSON object"
            continue
        yield number, value, None


def _csv(f: io.TextIOWrapper, fmt: Format) -> Iterator[Row]:
    reader = csv.reader(f, delimiter=fmt.delimiter, quotechar=fmt.quotechar)
    columns: list[str] | None = None
    number = 0
    while True:
        number += 1
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield number, None, f"unreadable: {exc}"
            continue
        if columns is None:
            columns = [cell.strip().lstrip("\ufeff") for cell in record]
            continue
        if not record or (len(record) == 1 and not record[0].strip()):
            continue  # a blank line
        if len(record) != len(columns):
            yield number, None, f"has {len(record)} fields; the header has {len(columns)}"
            continue
        yield number, dict(zip(columns, record, strict=True)), None
