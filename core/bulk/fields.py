"""What each importable type accepts, and the checks one row must pass.

Rows are checked here, in Python, while the file streams into the staging table: each
value comes out in a form its SQL cast cannot refuse (ISO dates, plain decimals, ``true``
or ``false``), so the set-based upsert never fails on one row. Links to other rows
(``company_id``, ``owner_id``…) are checked in SQL, per chunk (core.bulk.upsert).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from models import ACTIVITY_KINDS, LEAD_STATUSES, STAGES

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
CURRENCY = re.compile(r"^[A-Z]{3}$")
TRUE = frozenset({"true", "t", "yes", "y", "1"})
FALSE = frozenset({"false", "f", "no", "n", "0"})
MAX_BIGINT = 2**63 - 1


@dataclass(frozen=True)
class Field:
    """One importable field.

    Parameters:
      name: column name; kind: text, email, enum, decimal, date, datetime, bool, int, ref.
      required: a row without it is rejected; max_len: longest text accepted.
      choices: the values of an enum; ref: the table a ``ref`` points into.
      default: SQL literal used on insert when the value is missing (NOT NULL columns).
      cast: SQL type the staged text is cast to.
    """

    name: str
    kind: str = "text"
    required: bool = False
    max_len: int | None = None
    choices: tuple[str, ...] = ()
    ref: str | None = None
    default: str | None = None

    @property
    def cast(self) -> str:
        return {
            "decimal": "numeric", "date": "date", "datetime": "timestamptz", "bool": "boolean",
            "int": "integer", "ref": "bigint",
        }.get(self.kind, "text")  # fmt: skip


@dataclass(frozen=True)
class ImportType:
    """An importable type: its table, search kind (if indexed) and fields."""

    name: str
    table: str
    search_kind: str | None
    fields: tuple[Field, ...]
    keys: tuple[str, ...]

    def field(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)


def _owner() -> Field:
    return Field("owner_id", "ref", ref="users")


TYPES: dict[str, ImportType] = {
    t.name: t
    for t in (
        ImportType("contacts", "contacts", "contact", (
            Field("first_name", required=True, max_len=100), Field("last_name", max_len=100),
            Field("email", "email", max_len=320), Field("phone", max_len=50),
            Field("title", max_len=200), Field("company_id", "ref", ref="companies"), _owner(),
        ), keys=("email", "phone")),
        ImportType("companies", "companies", "company", (
            Field("name", required=True, max_len=200), Field("domain", max_len=253),
            Field("industry", max_len=100), Field("size", max_len=50),
            Field("city", max_len=100), Field("country", max_len=100), _owner(),
        ), keys=("domain", "name")),
        ImportType("deals", "deals", "deal", (
            Field("title", required=True, max_len=200), Field("amount", "decimal"),
            Field("currency", "currency", default="'USD'"),
            Field("stage", "enum", choices=STAGES, default="'lead'"),
            Field("close_date", "date"), Field("company_id", "ref", ref="companies"),
            Field("contact_id", "ref", ref="contacts"), _owner(),
        ), keys=("title",)),
        ImportType("leads", "leads", "lead", (
            Field("name", required=True, max_len=200), Field("email", "email", max_len=320),
            Field("company_name", max_len=200), Field("source", max_len=100),
            Field("status", "enum", choices=LEAD_STATUSES, default="'new'"),
            Field("score", "int"), _owner(),
        ), keys=("email", "name")),
        ImportType("activities", "activities", None, (
            Field("kind", "enum", required=True, choices=ACTIVITY_KINDS),
            Field("subject", required=True, max_len=300), Field("body", max_len=100_000),
            Field("due_at", "datetime"), Field("done", "bool", default="false"),
            Field("contact_id", "ref", ref="contacts"), Field("company_id", "ref", ref="companies"),
            Field("deal_id", "ref", ref="deals"), Field("lead_id", "ref", ref="leads"), _owner(),
        ), keys=("subject",)),
    )
}  # fmt: skip


def _convert(field: Field, value: str) -> tuple[Any, str | None]:
    """``value`` as the staged form of ``field``, or the reason it is refused."""
    kind = field.kind
    if field.max_len is not None and len(value) > field.max_len:
        return None, f"longer than {field.max_len} characters"
    if kind in ("text",):
        return value, None
    if kind == "email":
        return (value, None) if EMAIL.match(value) else (None, "not an email address")
    if kind == "currency":
        code = value.upper()
        return (code, None) if CURRENCY.match(code) else (None, "not an ISO 4217 currency code")
    if kind == "enum":
        low = value.lower()
        if low in field.choices:
            return low, None
        return None, f"not one of {', '.join(field.choices)}"
    if kind == "bool":
        low = value.lower()
        if low in TRUE or low in FALSE:
            return ("true" if low in TRUE else "false"), None
        return None, "not true or false"
    if kind in ("int", "ref"):
        try:
            number = int(value)
        except ValueError:
            return None, "not a whole number"
        limit = 2**31 - 1 if kind == "int" else MAX_BIGINT
        if not (-limit <= number <= limit) or (kind == "ref" and number < 1):
            return None, "out of range"
        return str(number), None
    if kind == "decimal":
        try:
            amount = Decimal(value.replace(",", "")) if value.count(",") else Decimal(value)
        except InvalidOperation:
            return None, "not a decimal number"
        if not amount.is_finite() or abs(amount) >= Decimal(10) ** 16:
            return None, "out of range"
        return str(amount.quantize(Decimal("0.01"))), None
    if kind == "date":
        try:
            return date.fromisoformat(value).isoformat(), None
        except ValueError:
            return None, "not a date (YYYY-MM-DD)"
    if kind == "datetime":
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return None, "not a date and time (ISO 8601)"
        return moment.isoformat(), None
    raise AssertionError(f"unknown field kind {kind}")


Checker = Callable[[Sequence[Any]], tuple[dict[str, Any], list[tuple[str, str]]]]
_NUL = "contains a NUL character"
_BAD_BYTES = "not valid in the file's encoding (try encoding=latin-1)"


def checker(kind: ImportType, fields: tuple[Field, ...]) -> Checker:
    """:func:`check_row` for one import's fields, decided once: the returned function takes
    the raw values in ``fields`` order (``None`` for a missing one).

    The split checks every row of a file with it: building a dict of the row and asking
    each field's kind per value cost about as much as reading the CSV (docs/decisions/0032).
    """
    # (name, required, max_len of a plain text field or None, field to convert or None)
    specs = [
        (f.name, f.required, f.max_len if f.kind == "text" else None,
         None if f.kind == "text" else f)
        for f in fields
    ]  # fmt: skip
    absent = [(f.name, "required") for f in kind.fields if f.required and f not in fields]

    def check(raws: Sequence[Any]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        clean: dict[str, Any] = {}
        problems: list[tuple[str, str]] = []
        for (name, required, text_max, other), raw in zip(specs, raws, strict=True):
            if raw.__class__ is str:
                value = raw.strip()
            elif raw is None:
                value = ""
            else:
                value = (("true" if raw else "false") if raw is True or raw is False
                         else str(raw)).strip()  # fmt: skip
            if not value:
                if required:
                    problems.append((name, "required"))
                else:
                    clean[name] = None
                continue
            if "\x00" in value:
                problems.append((name, _NUL))
                continue
            if "\ufffd" in value:
                problems.append((name, _BAD_BYTES))
                continue
            if other is None:
                if text_max is not None and len(value) > text_max:
                    problems.append((name, f"longer than {text_max} characters"))
                else:
                    clean[name] = value
                continue
            converted, reason = _convert(other, value)
            if reason is not None:
                problems.append((name, reason))
            else:
                clean[name] = converted
        if absent:
            problems.extend(absent)
        return clean, problems

    return check


def check_row(
    kind: ImportType, fields: tuple[Field, ...], values: dict[str, Any]
) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """The staged form of one row's ``values`` (field → raw value), and its rejections."""
    return checker(kind, fields)([values.get(f.name) for f in fields])
