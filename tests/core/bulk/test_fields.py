"""Row checks: every accepted value is in a form its SQL cast takes; every refusal says why."""

from __future__ import annotations

import pytest

from core.bulk.fields import TYPES, check_row, checker


@pytest.mark.parametrize(
    ("type_name", "values", "clean", "problems"),
    [
        ("deals", {"title": "Big", "amount": "1,200.5", "stage": "WON", "currency": "eur"},
         {"amount": "1200.50", "stage": "won", "currency": "EUR"}, []),
        ("deals", {"title": "x", "amount": "lots"}, {}, [("amount", "not a decimal number")]),
        ("deals", {"title": "x", "amount": "1e20"}, {}, [("amount", "out of range")]),
        ("deals", {"title": "x", "close_date": "31/12/2026"}, {},
         [("close_date", "not a date (YYYY-MM-DD)")]),
        ("deals", {"title": "x", "stage": "maybe"}, {},
         [("stage", "not one of lead, qualified, proposal, negotiation, won, lost")]),
        ("activities", {"kind": "call", "subject": "s", "done": "YES",
                        "due_at": "2026-01-02T03:04"},
         {"done": "true", "due_at": "2026-01-02T03:04:00"}, []),
        ("activities", {"kind": "call", "subject": "s", "done": "perhaps"}, {},
         [("done", "not true or false")]),
        ("leads", {"name": "n", "score": "9999999999"}, {}, [("score", "out of range")]),
        ("leads", {"name": "n", "owner_id": "0"}, {}, [("owner_id", "out of range")]),
        ("contacts", {"first_name": "a\x00b"}, {}, [("first_name", "contains a NUL character")]),
        ("contacts", {"first_name": "x" * 101}, {},
         [("first_name", "longer than 100 characters")]),
        ("contacts", {"first_name": "  "}, {}, [("first_name", "required")]),
        ("contacts", {"first_name": "Jos\ufffd"}, {},
         [("first_name", "not valid in the file's encoding (try encoding=latin-1)")]),
        ("contacts", {"first_name": 12, "email": None}, {"first_name": "12", "email": None}, []),
    ],
)  # fmt: skip
def test_check_row(
    type_name: str, values: dict[str, object], clean: dict[str, object],
    problems: list[tuple[str, str]],
) -> None:  # fmt: skip
    kind = TYPES[type_name]
    fields = tuple(f for f in kind.fields if f.name in values or f.required)
    got, found = check_row(kind, fields, values)
    assert found == problems
    for name, value in clean.items():
        assert got[name] == value


def test_a_required_field_without_a_column_is_reported() -> None:
    kind = TYPES["contacts"]
    _, problems = check_row(kind, (kind.fields[1],), {"last_name": "x"})
    assert problems == [("first_name", "required")]


def test_a_checker_takes_the_values_in_field_order_and_is_reusable() -> None:
    kind = TYPES["deals"]
    fields = (kind.fields[0], kind.fields[1], kind.fields[3])  # title, amount, stage
    check = checker(kind, fields)
    assert check(["  Big ", "1,200.5", "WON"]) == (
        {"title": "Big", "amount": "1200.50", "stage": "won"},
        [],
    )
    assert check([None, "x", ""]) == (
        {"stage": None},
        [("title", "required"), ("amount", "not a decimal number")],
    )
    assert check(["t", 12, True]) == (
        {"title": "t", "amount": "12.00"},
        [("stage", "not one of lead, qualified, proposal, negotiation, won, lost")],
    )
    with pytest.raises(ValueError):
        check(["only one value"])
