"""Search: an index per org in PostgreSQL kept by jobs, fuzzy multi-entity queries.

See docs/decisions/0004-search-pipeline.md for the design and its measurements.
"""

from core.search.indexer import check_health, fanout, index_many, reindex_org
from core.search.query import Filters, Result, parse, search
from core.search.query_stats import record, report, rollup
from core.search.suggest import suggest
from core.search.vocab import CACHE

__all__ = [
    "CACHE",
    "Filters",
    "Result",
    "check_health",
    "fanout",
    "index_many",
    "parse",
    "record",
    "reindex_org",
    "report",
    "rollup",
    "search",
    "suggest",
]
