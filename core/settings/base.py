"""What every settings group is built from: a field bound to its variable, the group base."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class SettingsError(ValueError):
    """A setting is missing or malformed."""


def _env(name: str, default: Any, **kwargs: Any) -> Any:
    """A field read from the environment variable ``name``."""
    return Field(default, validation_alias=name, **kwargs)


class _Group(BaseModel):
    # Fields are filled by attribute name in code and by variable name from the environment.
    model_config = ConfigDict(
        frozen=True, extra="ignore", validate_by_name=True, validate_by_alias=True
    )


_ORIGIN = re.compile(r"https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?")


def _split(value: Any) -> Any:
    """``"a, b"`` from the environment as ``("a", "b")``."""
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    return value
