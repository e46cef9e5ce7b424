"""Bulk data: imports (read, check, stage, upsert in chunks, report) and exports.

- ``fields``: what each importable type accepts, and the per-row checks;
- ``reader``: encoding, delimiter and quoting detection; CSV and NDJSON rows;
- ``files``: org-scoped paths of uploads, reports and exports;
- ``upsert``: the set-based statements of one chunk;
- ``imports``: the pipeline (split, chunk, finish); ``exports``: streaming an export.
"""
