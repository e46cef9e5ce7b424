"""Search documents built from CRM rows: what each type carries, and how it is loaded.

A document's fields have a weight: ``A`` the record's own name, ``B`` the names it is
known by through its links (a contact's company), ``C`` the rest (email, domain, city).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import text
from sqlalchemy.orm import Session

from core.search.normalize import is_word, key, tokens

TABLES = {"company": "companies", "contact": "contacts", "deal": "deals", "lead": "leads"}
# Field -> tsvector weight; the order is the order of positions in the tsvector.
FIELDS: dict[str, tuple[tuple[str, str], ...]] = {
    "company": (("name", "A"), ("domain", "B"), ("industry", "C"), ("city", "C")),
    "contact": (("name", "A"), ("company", "B"), ("email", "C"), ("job_title", "C")),
    "deal": (("title", "A"), ("company", "B"), ("contact", "B"), ("stage", "C")),
    "lead": (("name", "A"), ("company", "B"), ("email", "C"), ("source", "C")),
}
WEIGHT_RANK = {"A": 3, "B": 2, "C": 1}
_WEIGHTS = {kind: dict(spec) for kind, spec in FIELDS.items()}
MAX_POSITIONS = 1000
FIELD_RANK = {
    (kind, name): WEIGHT_RANK[weight] for kind, spec in FIELDS.items() for name, weight in spec
}

# Each type's document columns and joins, without a WHERE; the statements below (and
# core.search.rebuild's range reads) add their own.
SOURCE_SELECT = {
    "company": """
        SELECT s.id, s.owner_id, s.updated_at, s.name, s.domain, s.industry, s.city,
               s.country, NULL::bigint AS company_id, NULL::bigint AS contact_id
        FROM companies s""",
    "contact": """
        SELECT s.id, s.owner_id, s.updated_at, s.first_name, s.last_name, s.email, s.title,
               co.name AS company, s.company_id, NULL::bigint AS contact_id
        FROM contacts s
        LEFT JOIN companies co ON co.id = s.company_id AND co.org_id = s.org_id""",
    "deal": """
        SELECT s.id, s.owner_id, s.updated_at, s.title, s.stage, s.amount, s.currency,
               co.name AS company, ct.first_name, ct.last_name, s.company_id, s.contact_id
        FROM deals s
        LEFT JOIN companies co ON co.id = s.company_id AND co.org_id = s.org_id
        LEFT JOIN contacts ct ON ct.id = s.contact_id AND ct.org_id = s.org_id""",
    "lead": """
        SELECT s.id, s.owner_id, s.updated_at, s.name, s.email, s.company_name, s.source,
               s.status, NULL::bigint AS company_id, NULL::bigint AS contact_id
        FROM leads s""",
}
_BY_IDS = {
    kind: text(f"{sql} WHERE s.org_id = :org AND s.id = ANY(CAST(:ids AS bigint[]))")
    for kind, sql in SOURCE_SELECT.items()
}
_BY_RANGE = {
    kind: text(f"{sql} WHERE s.org_id = :org AND s.id > :after ORDER BY s.id LIMIT :n")
    for kind, sql in SOURCE_SELECT.items()
}


@dataclass
class Doc:
    """One document, ready to write.

    Parameters:
      entity_type: ``company``, ``contact``, ``deal`` or ``lead``.
      entity_id: the record's id.
      fields: raw field values (display and highlight offsets), in weight order.
      deleted: a tombstone: the record is gone.
    """

    entity_type: str
    entity_id: int
    title: str = ""
    subtitle: str | None = None
    fields: dict[str, str] = field(default_factory=dict)
    owner_id: int | None = None
    stage: str | None = None
    status: str | None = None
    company_id: int | None = None
    contact_id: int | None = None
    source_updated_at: datetime | None = None
    deleted: bool = False
    _tokens: list[tuple[str, tuple[str, ...]]] | None = field(default=None, repr=False)

    def field_tokens(self) -> list[tuple[str, tuple[str, ...]]]:
        """Each non-empty field with its tokens (computed once)."""
        if self._tokens is None:
            self._tokens = []
            for name, _weight in FIELDS[self.entity_type]:
                toks = tokens(self.fields.get(name) or "")
                if toks:
                    self._tokens.append((name, toks))
        return self._tokens

    def keys(self) -> str:
        """``field tok tok`` lines: the normalized fields re-ranking reads."""
        return "\n".join([f"{name} {' '.join(toks)}" for name, toks in self.field_tokens()])

    def tsvector(self) -> str:
        """A ``tsvector`` literal of every token with its position and weight."""
        weights = _WEIGHTS[self.entity_type]
        parts: list[str] = []
        for name, toks in self.field_tokens():
            weight = weights[name]
            start = len(parts) + 1
            room = MAX_POSITIONS - len(parts)
            # A list, not a generator, for extend: this runs for every field indexed.
            parts += [f"'{tok}':{i}{weight}" for i, tok in enumerate(toks[:room], start)]
        return " ".join(parts)

    def terms(self) -> set[str]:
        """The words of this document that belong in the typo vocabulary."""
        if self.deleted:
            return set()
        # is_word, inlined: this runs for every token of every document indexed.
        return {
            t
            for _name, toks in self.field_tokens()
            for t in toks
            if len(t) >= 4 and not t[0].isdigit()
        }

    def row(self, version: int) -> tuple[Any, ...]:
        """The column values (after ``org_id``) in ``store.COLUMNS`` order."""
        live = not self.deleted
        return (
            self.entity_type,
            self.entity_id,
            version,
            self.deleted,
            self.title,
            self.subtitle,
            key(self.title) if live else "",
            self.keys() if live else "",
            orjson.dumps(self.fields).decode(),
            self.tsvector() if live else "",
            self.owner_id,
            self.stage,
            self.status,
            self.company_id,
            self.contact_id,
            self.source_updated_at,
        )


def terms_of_keys(keys: str) -> set[str]:
    """The vocabulary words of a stored ``keys`` value."""
    return {t for line in keys.splitlines() for t in line.split()[1:] if is_word(t)}


def _join(*parts: Any, sep: str = " ") -> str:
    # A loop, not a generator: this runs several times for every document indexed.
    out = []
    for part in parts:
        if part is not None and (stripped := str(part).strip()):
            out.append(stripped)
    return sep.join(out)


def _clean(values: Mapping[str, Any]) -> dict[str, str]:
    # JSON-safe display strings; empty ones are left out.
    return {k: str(v).replace("\x00", "") for k, v in values.items() if v not in (None, "")}


def build(kind: str, r: Any) -> Doc:
    """The document of one source row (a mapping from the ``SOURCE_SELECT`` statement)."""
    doc = Doc(
        kind,
        r["id"],
        owner_id=r["owner_id"],
        company_id=r["company_id"],
        contact_id=r["contact_id"],
        source_updated_at=r["updated_at"],
    )
    if kind == "company":
        doc.title = r["name"]
        doc.subtitle = _join(r["domain"], _join(r["city"], r["country"], sep=", "), sep=" · ")
        doc.fields = _clean(
            {
                "name": r["name"],
                "domain": r["domain"],
                "industry": r["industry"],
                "city": _join(r["city"], r["country"]),
            }
        )
    elif kind == "contact":
        doc.title = _join(r["first_name"], r["last_name"])
        doc.subtitle = _join(r["title"], r["company"], sep=" · ") or r["email"]
        doc.fields = _clean(
            {
                "name": doc.title,
                "company": r["company"],
                "email": r["email"],
                "job_title": r["title"],
            }
        )
    elif kind == "deal":
        contact = _join(r["first_name"], r["last_name"])
        amount = f"{r['amount']:.2f} {r['currency']}" if r["amount"] is not None else None
        doc.title = r["title"]
        doc.subtitle = _join(r["company"], r["stage"], amount, sep=" · ")
        doc.stage = r["stage"]
        doc.fields = _clean(
            {"title": r["title"], "company": r["company"], "contact": contact, "stage": r["stage"]}
        )
    else:
        doc.title = r["name"]
        doc.subtitle = _join(r["company_name"], r["status"], sep=" · ")
        doc.status = r["status"]
        doc.fields = _clean(
            {
                "name": r["name"],
                "company": r["company_name"],
                "email": r["email"],
                "source": r["source"],
            }
        )
    return doc


def load(session: Session, org_id: int, kind: str, ids: Sequence[int]) -> dict[int, Doc]:
    """Documents of the ``kind`` records ``ids`` of ``org_id`` that exist."""
    rows = session.execute(_BY_IDS[kind], {"org": org_id, "ids": list(ids)}).mappings()
    return {r["id"]: build(kind, r) for r in rows}


def load_range(session: Session, org_id: int, kind: str, after: int, n: int) -> list[Doc]:
    """Up to ``n`` documents of ``kind`` with ids above ``after``, in id order."""
    rows = session.execute(_BY_RANGE[kind], {"org": org_id, "after": after, "n": n}).mappings()
    return [build(kind, r) for r in rows]


def tombstones(kind: str, ids: Iterable[int]) -> list[Doc]:
    """Documents that say the records ``ids`` are gone."""
    return [Doc(kind, i, deleted=True) for i in ids]
