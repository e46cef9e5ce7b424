"""Reading an uploaded file: its encoding, its CSV dialect, and its rows one at a time.

Nothing here holds the file in memory: detection reads a sample, rows are yielded as they
are parsed. Row numbers are the ones a spreadsheet shows: the CSV header is row 1; in
NDJSON the row number is the line number.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from operator import itemgetter
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
FieldRow = tuple[int, Sequence[Any] | None, str | None]
# Given the CSV header, what to make of each record of it.
Shape = Callable[[list[str]], Callable[[list[str]], Any]]


def _as_dict(columns: list[str]) -> Callable[[list[str]], dict[str, str]]:
    return lambda record: dict(zip(columns, record, strict=True))


def rows(path: Path, fmt: Format) -> Iterator[Row]:
    """``(row number, values by column, None)``, or ``(row number, None, reason)``."""
    with _open(path, fmt) as f:
        if fmt.kind == "ndjson":
            yield from _ndjson(f)
        else:
            yield from _csv(f, fmt, _as_dict)


def field_rows(path: Path, fmt: Format, mapping: dict[str, str],
               names: Sequence[str]) -> Iterator[FieldRow]:  # fmt: skip
    """:func:`rows`, each row as the values of the fields ``names`` in that order (``None``
    where no column maps to one), through ``mapping`` (column → field).

    The same values as ``{mapping[c]: v for c, v in values.items() if c in mapping}`` of
    each row (a later column mapped to the same field wins), without building either dict
    per CSV row: the columns are looked up once, from the header.
    """
    with _open(path, fmt) as f:
        if fmt.kind == "ndjson":
            for number, values, problem in _ndjson(f):
                if values is None:
                    yield number, None, problem
                    continue
                named = {mapping[c]: v for c, v in values.items() if c in mapping}
                yield number, [named.get(n) for n in names], None
        else:
            yield from _csv(f, fmt, lambda columns: _picker(columns, mapping, names))


def _picker(columns: list[str], mapping: dict[str, str],
            names: Sequence[str]) -> Callable[[list[str]], Sequence[Any]]:  # fmt: skip
    # As ``dict(zip(columns, record))`` then the mapping: a repeated column's last value, in
    # its first place; of two columns of one field, the later of those places wins.
    where: dict[str, int] = {}
    for column, i in dict(zip(columns, range(len(columns)), strict=True)).items():
        if column in mapping:
            where[mapping[column]] = i
    index = [where.get(n) for n in names]
    found = [i for i in index if i is not None]
    if len(found) == len(index) > 1:
        return itemgetter(*found)  # every field has a column: one C call per row
    return lambda record: [record[i] if i is not None else None for i in index]


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


def _csv(f: io.TextIOWrapper, fmt: Format, shape: Shape) -> Iterator[tuple[int, Any, str | None]]:
    reader = csv.reader(f, delimiter=fmt.delimiter, quotechar=fmt.quotechar)
    columns: list[str] | None = None
    make: Callable[[list[str]], Any] = list
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
            make = shape(columns)
            continue
        if not record or (len(record) == 1 and not record[0].strip()):
            continue  # a blank line
        if len(record) != len(columns):
            yield number, None, f"has {len(record)} fields; the header has {len(columns)}"
            continue
        yield number, make(record), None
