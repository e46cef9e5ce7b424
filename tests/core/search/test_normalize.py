"""Normalization: one tokenizer for documents and queries, safe for any Unicode."""

from __future__ import annotations

import random

import pytest

from core.search.normalize import highlight, is_word, key, spans, tokens, typo_budget
from core.search.query import parse


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Jöhn SMITH", ("john", "smith")),
        ("Łukasz Wiśniewski", ("lukasz", "wisniewski")),
        ("Straße", ("strasse",)),
        ("john.smith42@acme.io", ("john", "smith", "42", "acme", "io")),
        ("O'Brien-Smith", ("o", "brien", "smith")),
        ("Ğülşen Çağlar", ("gulsen", "caglar")),
        ("e\u0301cole", ("ecole",)),
        ("ﬁle №7", ("file", "no", "7")),
        ("北京 市", ("北京", "市")),
        ("Søren Ærø", ("soren", "aero")),
        ("😀 🔥", ()),
        ("a\x00b", ("a", "b")),
        ("\u202eabc\u202c", ("abc",)),
        ("", ()),
    ],
)
def test_tokens(text: str, expected: tuple[str, ...]) -> None:
    assert tokens(text) == expected


def test_key_and_budget() -> None:
    assert key("  Jöhn   Smith ") == "john smith"
    assert [typo_budget(w) for w in ("john", "maria", "kowalski", "wisniewski")] == [0, 1, 1, 2]
    assert is_word("anna") and not is_word("ann") and not is_word("1234")


def test_highlight_maps_back_to_the_original_text() -> None:
    assert spans("Jöhn Smith")[0] == ("john", [0, 1, 2, 3])
    # Offsets are into the original string, past decomposed accents and ligatures.
    assert highlight("Zoë ﬁeld-Ærø", {0: 3, 1: 2, 2: 4}) == [[0, 3], [4, 5], [9, 12]]
    assert highlight("Anna Smith", {1: 3}) == [[5, 8]]


def test_parse_marks_the_last_word_as_typed_or_finished() -> None:
    assert parse("john smi").prefix_last
    assert not parse("john smith ").prefix_last
    assert not parse("john smith.").prefix_last
    assert parse("   ").tokens == ()
    assert len(parse(" ".join(["w"] * 50)).tokens) == 10


def test_random_unicode_never_breaks_tokenizing() -> None:
    rng = random.Random(5)
    for _ in range(300):
        text = "".join(chr(rng.randrange(0x110000)) for _ in range(rng.randrange(1, 40)))
        text = "".join(c for c in text if not 0xD800 <= ord(c) <= 0xDFFF)
        toks = tokens(text)
        assert all(t and "'" not in t and "\\" not in t and " " not in t for t in toks)
        assert len(spans(text)) == len(toks)
