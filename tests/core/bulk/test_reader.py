"""Reading uploads: encoding, dialect and format detection; rows numbered as a sheet shows."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.bulk.reader import UnreadableFile, detect, field_rows, header, rows


def _write(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "f"
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("data", "encoding", "delimiter"),
    [
        (b"a,b\n1,2\n", "utf-8", ","),
        ("\ufeffa;b\né;2\n".encode(), "utf-8-sig", ";"),
        ("a\tb\né\t2\n".encode("latin-1"), "latin-1", "\t"),
        (b"a|b\n1|2\n", "utf-8", "|"),
    ],
)
def test_detects_encoding_and_delimiter(
    tmp_path: Path, data: bytes, encoding: str, delimiter: str
) -> None:
    fmt = detect(_write(tmp_path, data))
    assert (fmt.kind, fmt.encoding, fmt.delimiter) == ("csv", encoding, delimiter)
    assert header(_write(tmp_path, data), fmt) == ["a", "b"]


def test_given_options_win_and_bad_ones_are_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, b"a;b\n1;2\n")
    assert detect(path, delimiter=",").delimiter == ","
    with pytest.raises(UnreadableFile, match="unknown encoding"):
        detect(path, encoding="klingon")
    with pytest.raises(UnreadableFile, match="empty"):
        detect(_write(tmp_path, b"  \n"))


def test_csv_rows_quoting_and_bad_rows(tmp_path: Path) -> None:
    path = _write(tmp_path, b'a,b\n1,"x, ""y""\nz"\n\n2\n3,4\n')
    fmt = detect(path)
    got = list(rows(path, fmt))
    assert got[0] == (2, {"a": "1", "b": 'x, "y"\nz'}, None)
    assert got[1][0] == 4 and got[1][2] == "has 1 fields; the header has 2"
    assert got[2] == (5, {"a": "3", "b": "4"}, None)


def test_ndjson_rows(tmp_path: Path) -> None:
    path = _write(tmp_path, b'{"a": 1}\n[1]\nnope\n\n{"a": "x"}\n')
    fmt = detect(path)
    assert fmt.kind == "ndjson"
    assert header(path, fmt) == ["a"]
    assert list(rows(path, fmt)) == [
        (1, {"a": 1}, None), (2, None, "not a JSON object"), (3, None, "not valid JSON"),
        (5, {"a": "x"}, None),
    ]  # fmt: skip


def _by_dict(path: Path, mapping: dict[str, str], names: list[str]) -> list[object]:
    """What the split read before ``field_rows``: each row as a dict, then the mapping."""
    out: list[object] = []
    for number, values, problem in rows(path, detect(path)):
        if values is None:
            out.append((number, None, problem))
            continue
        named = {mapping[c]: v for c, v in values.items() if c in mapping}
        out.append((number, [named.get(n) for n in names], None))
    return out


@pytest.mark.parametrize(
    ("data", "mapping"),
    [
        # A repeated column (its last value), two columns of one field, an unmapped column,
        # a field without a column, a short row, a blank line, a quoted line break.
        (b'a,b,a,c,d\n1,2,3,4,5\n"x\ny",q,z,w,v\n6,7\n\n8,9,10,11,12\n',
         {"a": "f1", "c": "f2", "d": "f2"}),
        (b"a,b,c\n1,2,3\n4,5,6\n", {"b": "f1", "a": "f2", "c": "f3"}),
        (b"a,b\n1,2\n", {"b": "f1"}),
        (b'{"a": 1, "b": "x"}\nnot json\n[1]\n{"b": "y", "c": true}\n',
         {"a": "f1", "b": "f2", "c": "f2"}),
    ],
)  # fmt: skip
def test_field_rows_read_what_the_mapping_of_each_row_dict_reads(
    tmp_path: Path, data: bytes, mapping: dict[str, str]
) -> None:
    path = _write(tmp_path, data)
    names = ["f1", "f2", "f3"]
    got = [(n, None if v is None else list(v), p)
           for n, v, p in field_rows(path, detect(path), mapping, names)]  # fmt: skip
    assert got == _by_dict(path, mapping, names)
    assert got  # the cases have rows
