"""Where bulk files live: under ``FILES_DIR``, one folder per org, never a client's path."""

from __future__ import annotations

import uuid
from pathlib import Path

from core.settings import Settings


def _root(settings: Settings, org_id: int) -> Path:
    return settings.bulk.files_dir.resolve() / f"org-{int(org_id)}"


def import_dir(settings: Settings, org_id: int, import_id: uuid.UUID) -> Path:
    """The folder of one import (its upload and its rejection report)."""
    return _root(settings, org_id) / "imports" / str(uuid.UUID(str(import_id)))


def upload_path(settings: Settings, org_id: int, import_id: uuid.UUID) -> Path:
    """The uploaded file of an import."""
    return import_dir(settings, org_id, import_id) / "upload"


def report_path(settings: Settings, org_id: int, import_id: uuid.UUID) -> Path:
    """The rejection report (CSV: row, column, reason) of an import."""
    return import_dir(settings, org_id, import_id) / "report.csv"


def export_path(settings: Settings, org_id: int, export_id: uuid.UUID, fmt: str) -> Path:
    """The file of an export."""
    suffix = "ndjson" if fmt == "ndjson" else "csv"
    return _root(settings, org_id) / "exports" / f"{uuid.UUID(str(export_id))}.{suffix}"
