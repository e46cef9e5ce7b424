"""Reading PostgreSQL plans in tests: which scans a plan makes of a table."""

from __future__ import annotations

from typing import Any


def scans_of(explained: Any, relation: str) -> set[tuple[str, str]]:
    """The (node type, index name) of every scan of ``relation`` in ``EXPLAIN (FORMAT
    JSON)``'s output (its one row's first column)."""
    scans: set[tuple[str, str]] = set()

    def walk(node: dict[str, Any]) -> None:
        if node.get("Relation Name") == relation and "Scan" in node["Node Type"]:
            scans.add((node["Node Type"], node.get("Index Name", "")))
        for child in node.get("Plans", []):
            walk(child)

    walk(explained[0]["Plan"])
    return scans
