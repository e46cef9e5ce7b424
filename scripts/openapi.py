"""Print SalesHub's OpenAPI document, stably formatted (``make client`` reads it).

Needs no running service: the document comes from the URL map and the pydantic models,
and the app connects to nothing until a request needs it.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def document() -> dict[str, object]:
    """The document ``GET /openapi.json`` answers."""
    from core.settings import DEV_SECRET_KEY, Settings
    from web import create_app

    # Unreachable on purpose: a closed port answers at once, and nothing is read from it.
    nowhere = "redis://127.0.0.1:9/0"
    settings = Settings(
        environment="openapi",
        log_level="ERROR",
        broker={"url": nowhere},
        cache={"url": nowhere},
        web={"access_log": False},
        secrets={"keys": (DEV_SECRET_KEY,)},  # nothing is encrypted: the document only
    )
    logging.disable(logging.WARNING)
    app = create_app(settings, websockets=False)
    doc: dict[str, object] = app.test_client().get("/openapi.json").json
    return doc


if __name__ == "__main__":
    json.dump(document(), sys.stdout, indent=2, sort_keys=True)
    sys.stdout.write("\n")
