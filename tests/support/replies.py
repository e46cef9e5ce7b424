"""Redis replies as the types tests compare them with (redis-py types them as unions)."""

from __future__ import annotations


def blob(reply: object) -> bytes:
    """A Redis reply that must be bytes (our clients do not decode)."""
    assert isinstance(reply, bytes), reply
    return reply


def text(reply: object) -> str:
    """A Redis reply that must be bytes, as text."""
    return blob(reply).decode()
