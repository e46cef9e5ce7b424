"""Cache key names, canonical parameters, and which tags a value depends on or a write bumps.

Every name carries the environment; entry names also carry the schema version (a deploy
that changes an answer's shape starts from fresh keys) and the organization. Tags are
per organization, so one org's writes never touch another's versions.

Tags, as a value depends on them:
  ``{table}:{id}``      the row behind a detail answer;
  ``rows:{table}``      any row of ``table`` changed without its id being known: links nulled
                        by a delete elsewhere, or a bulk statement;
  ``list:{table}``      any row of ``table`` (lists);
  ``dashboard``         the dashboard's inputs (deals, leads, activities, rollups).
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from typing import Any

import orjson

from core.settings import VERSION
from models import Base

# Bump when the shape of a cached answer changes without the app version changing.
SCHEMA_VERSION = 1
MAX_READABLE_PARAMS = 120
DASHBOARD = "dashboard"
DASHBOARD_TABLES = frozenset({"deals", "leads", "activities", "analytics_snapshots"})
# Writes to these tables invalidate cached answers (others are never cached).
TRACKED_TABLES = frozenset(
    {"companies", "contacts", "deals", "leads", "activities", "users", "analytics_snapshots"}
)


def canonical(params: dict[str, Any]) -> str:
    """``params`` as sorted compact JSON: equal parameters, equal strings."""
    return orjson.dumps(params, option=orjson.OPT_SORT_KEYS).decode()


@dataclass(frozen=True)
class CacheKey:
    """The Redis names of one cached answer.

    Parameters:
      org_id: the organization the answer belongs to.
      name: what is cached, e.g. ``contacts.list``.
      params: canonical JSON of the parameters that change the answer.
      entry: the value's key.
      lock: its single-flight lock.
      hits: the org's hit counter (a sorted set); ``member`` is this key's member in it.
    """

    org_id: int
    name: str
    params: str
    entry: str
    lock: str
    hits: str
    member: str


@dataclass(frozen=True)
class KeySpace:
    """Names under one namespace and environment.

    Parameters:
      namespace: prefix of every key (``CACHE_NAMESPACE``).
      environment: keeps environments sharing a Redis apart.
    """

    namespace: str
    environment: str

    @property
    def base(self) -> str:
        return f"{self.namespace}:{self.environment}"

    @property
    def schema(self) -> str:
        return f"{VERSION}.{SCHEMA_VERSION}"

    def key(self, org_id: int, name: str, params: dict[str, Any] | str | None = None) -> CacheKey:
        """The key of ``name`` with ``params`` for ``org_id``."""
        text = params if isinstance(params, str) else canonical(params or {})
        part = text
        if len(text) > MAX_READABLE_PARAMS:
            part = "#" + hashlib.blake2b(text.encode(), digest_size=16).hexdigest()
        suffix = f"{self.schema}:{org_id}:{name}:{part}"
        return CacheKey(
            org_id=org_id,
            name=name,
            params=text,
            entry=f"{self.base}:e:{suffix}",
            lock=f"{self.base}:l:{suffix}",
            hits=self.hits(org_id),
            member=f"{name} {text}",
        )

    def hits(self, org_id: int) -> str:
        """The sorted set counting hits per key of ``org_id``."""
        return f"{self.base}:h:{self.schema}:{org_id}"

    def tag(self, org_id: int, tag: str) -> str:
        """The version key of ``tag`` in ``org_id``."""
        return f"{self.base}:t:{org_id}:{tag}"

    def entry_pattern(self, org_id: int, pattern: str) -> str:
        """A SCAN pattern for ``org_id``'s entries whose ``name:params`` match ``pattern``."""
        return f"{_glob_escape(f'{self.base}:e:{self.schema}:{org_id}:')}{pattern}"

    @property
    def stats(self) -> str:
        return f"{self.base}:s"


def parse_member(member: str) -> tuple[str, str]:
    """(name, params) of a hit-counter member."""
    name, _, params = member.partition(" ")
    return name, params


def _glob_escape(text: str) -> str:
    return "".join("\\" + ch if ch in "*?[]\\" else ch for ch in text)


def detail_tags(table: str, row_id: int) -> list[str]:
    """Tags of a detail answer of row ``row_id`` of ``table``."""
    return [f"{table}:{row_id}", f"rows:{table}"]


def list_tags(table: str) -> list[str]:
    """Tags of any list answer of ``table``."""
    return [f"list:{table}"]


@functools.cache
def _referencing() -> dict[str, frozenset[str]]:
    """Table -> tables with a foreign key to it that a delete nulls or cascades into."""
    out: dict[str, set[str]] = {}
    for table in Base.metadata.sorted_tables:
        for fk in table.foreign_keys:
            if fk.ondelete and fk.ondelete.upper() in ("SET NULL", "CASCADE"):
                out.setdefault(fk.column.table.name, set()).add(table.name)
    return {k: frozenset(v & TRACKED_TABLES) for k, v in out.items()}


def write_tags(table: str, row_id: int | None, *, deleted: bool = False) -> set[str]:
    """The tags a committed write to ``table`` (row ``row_id`` if known) must bump."""
    tags = {f"list:{table}", f"{table}:{row_id}" if row_id is not None else f"rows:{table}"}
    if table in DASHBOARD_TABLES:
        tags.add(DASHBOARD)
    if deleted or row_id is None:
        # The database nulls (or deletes) links to this row in other tables behind our back.
        for other in _referencing().get(table, ()):
            tags.update((f"list:{other}", f"rows:{other}"))
            if other in DASHBOARD_TABLES:
                tags.add(DASHBOARD)
    return tags
