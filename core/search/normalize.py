"""Text to search tokens: one implementation for indexing and querying.

Case-folded, accents and other combining marks removed (compatibility decomposition, so
``ﬁ`` is ``fi``), letters that do not decompose spelled out (``ł`` is ``l``, ``ß`` is
``ss``), and split on everything that is not a letter or digit, and between letters and
digits (``john.smith42@acme.io`` is ``john smith 42 acme io``). Tokens are letter runs or
digit runs and nothing else, so they are safe inside a quoted ``tsquery``/``tsvector``
literal, and PostgreSQL's text-search parser is never involved.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from functools import cache, lru_cache

MAX_TOKEN = 64
MAX_TOKENS = 256
_SPELLED = {
    "ß": "ss",
    "ẞ": "ss",
    "ø": "o",
    "Ø": "o",
    "ł": "l",
    "Ł": "l",
    "đ": "d",
    "Đ": "d",
    "ð": "d",
    "Ð": "d",
    "æ": "ae",
    "Æ": "ae",
    "œ": "oe",
    "Œ": "oe",
    "\u0131": "i",  # dotless i
    "þ": "th",
    "Þ": "th",
    "ħ": "h",
    "Ħ": "h",
    "ŧ": "t",
    "Ŧ": "t",
    "ŀ": "l",
    "Ŀ": "l",
}
_TOKEN = re.compile(r"[^\W\d_]+|\d+")


@cache
def _table() -> dict[int, str | None]:
    # Every combining mark (Mn, Mc, Me) goes; built once per process, on first use.
    table: dict[int, str | None] = {
        cp: None
        for cp in range(sys.maxunicode + 1)
        if unicodedata.category(chr(cp)).startswith("M")
    }
    table.update({ord(k): v for k, v in _SPELLED.items()})
    return table


def fold(text: str) -> str:
    """``text`` decomposed, without marks, spelled-out letters, case-folded."""
    if text.isascii():
        # The same answer, five times sooner: ASCII has no marks, nothing to decompose or
        # spell out, and its case folding is lower(). Most of a bulk import's values are.
        return text.lower()
    return unicodedata.normalize("NFKD", text).translate(_table()).casefold()


@lru_cache(maxsize=65_536)
def tokens(text: str) -> tuple[str, ...]:
    """The search tokens of ``text`` (at most ``MAX_TOKENS``, each at most ``MAX_TOKEN``)."""
    found = _TOKEN.findall(fold(text))[:MAX_TOKENS]
    if found and max(map(len, found)) > MAX_TOKEN:  # rare: truncate only then
        return tuple([t[:MAX_TOKEN] for t in found])
    return tuple(found)


def key(text: str) -> str:
    """The tokens of ``text`` joined by single spaces: the prefix-lookup key of a title."""
    return " ".join(tokens(text))[:200]


def spans(text: str) -> list[tuple[str, list[int]]]:
    """Each token of ``text`` with, per character of the token, its index in ``text``.

    Slower than :func:`tokens`; used for highlight offsets of the few results shown.
    """
    out: list[tuple[str, list[int]]] = []
    chars: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(text):
        for c in fold(ch):
            chars.append(c)
            where.append(i)
    folded = "".join(chars)
    for m in _TOKEN.finditer(folded):
        token = m.group()[:MAX_TOKEN]
        out.append((token, where[m.start() : m.start() + len(token)]))
        if len(out) >= MAX_TOKENS:
            break
    return out


def highlight(text: str, wanted: dict[int, int]) -> list[list[int]]:
    """``[start, end)`` ranges of ``text`` for token index -> matched length (a prefix)."""
    ranges: list[list[int]] = []
    for index, (token, where) in enumerate(spans(text)):
        length = wanted.get(index)
        if length is None:
            continue
        length = max(1, min(length, len(token)))
        ranges.append([where[0], where[length - 1] + 1])
    return ranges


def typo_budget(token: str) -> int:
    """Typos forgiven in a word (Meilisearch's defaults): 1 from 5 characters, 2 from 9."""
    n = len(token)
    return 2 if n >= 9 else 1 if n >= 5 else 0


def is_word(token: str) -> bool:
    """A token worth typo correction: letters, at least 4 of them."""
    return len(token) >= 4 and not token[0].isdigit()
