"""How a cache entry is laid out in Redis, and its compression.

An entry is one Redis string::

    [2 bytes n][n bytes: "<tag key> <stamp>\\n" per tag][header][etag][payload]

The tag section comes first so the lookup script can check, inside Redis, that every tag
still has the version the value was computed under (see ``core.cache.service``). The header says
how the payload is compressed, when the value goes stale, and how long it took to compute
(XFetch needs it). Every codec is always readable, whatever ``CACHE_CODEC`` says now.
"""

from __future__ import annotations

import hashlib
import struct
import threading
import zlib
from typing import NamedTuple

import zstandard

NONE, ZSTD, ZLIB = 0, 1, 2
CODEC_IDS = {"none": NONE, "zstd": ZSTD, "zlib": ZLIB}
_HEADER = struct.Struct(">BQIB")  # codec, soft expiry (epoch ms), compute time (ms), etag length
MAX_TAG_SECTION = 0xFFFF


class CorruptEntry(ValueError):
    """Bytes that are not a cache entry (another writer, or a format change)."""


class Entry(NamedTuple):
    """A decoded cache entry (a named tuple: it is built on every hit).

    Parameters:
      payload: the value's bytes, decompressed.
      etag: a strong validator of ``payload``.
      soft_expiry_ms: epoch milliseconds after which the value is stale.
      delta_ms: how long computing it took.
      stored_bytes: its size in Redis.
    """

    payload: bytes
    etag: str
    soft_expiry_ms: int
    delta_ms: int
    stored_bytes: int


class _Local(threading.local):
    # zstandard's (de)compressor objects must not be shared between threads.
    def __init__(self) -> None:
        self.compressors: dict[int, zstandard.ZstdCompressor] = {}
        self.decompressor = zstandard.ZstdDecompressor()


_local = _Local()


def etag_of(payload: bytes) -> str:
    """A strong ETag (quoted) of ``payload``."""
    return '"' + hashlib.blake2b(payload, digest_size=12).hexdigest() + '"'


def compress(payload: bytes, codec: int, level: int = 1) -> bytes:
    """``payload`` compressed with ``codec``."""
    if codec == ZSTD:
        comp = _local.compressors.get(level)
        if comp is None:
            comp = _local.compressors[level] = zstandard.ZstdCompressor(level=level)
        return comp.compress(payload)
    if codec == ZLIB:
        return zlib.compress(payload, level)
    return payload


def decompress(data: bytes, codec: int) -> bytes:
    """The inverse of :func:`compress`."""
    if codec == ZSTD:
        return _local.decompressor.decompress(data)
    if codec == ZLIB:
        return zlib.decompress(data)
    if codec == NONE:
        return data
    raise CorruptEntry(f"unknown codec {codec}")


def tag_section(stamps: dict[str, str]) -> bytes:
    """The tag section of an entry: each tag's Redis key and the version it had."""
    section = "".join(f"{k} {v}\n" for k, v in sorted(stamps.items())).encode()
    if len(section) > MAX_TAG_SECTION:
        raise ValueError("too many tags on one entry")
    return len(section).to_bytes(2, "big") + section


def pack(
    payload: bytes,
    *,
    stamps: dict[str, str],
    soft_expiry_ms: int,
    delta_ms: int,
    codec: int,
    min_bytes: int,
    level: int = 1,
    etag: str | None = None,
) -> bytes:
    """An entry holding ``payload``, compressed when at least ``min_bytes`` long."""
    etag = etag or etag_of(payload)
    body = payload
    used = NONE
    if codec != NONE and len(payload) >= min_bytes:
        squeezed = compress(payload, codec, level)
        if len(squeezed) < len(payload):
            body, used = squeezed, codec
    tag = etag.encode()
    header = _HEADER.pack(used, soft_expiry_ms, min(delta_ms, 0xFFFFFFFF), len(tag))
    return tag_section(stamps) + header + tag + body


def stamps_of(data: bytes) -> dict[bytes, bytes]:
    """The tag keys and versions an entry was computed under."""
    n = int.from_bytes(data[:2], "big")
    out: dict[bytes, bytes] = {}
    for line in data[2 : 2 + n].split(b"\n")[:-1]:
        name, _, version = line.partition(b" ")
        out[name] = version
    return out


def unpack(data: bytes) -> Entry:
    """Decode an entry made by :func:`pack`."""
    try:
        start = 2 + int.from_bytes(data[:2], "big")
        codec, soft, delta, tag_len = _HEADER.unpack_from(data, start)
        start += _HEADER.size
        etag = data[start : start + tag_len].decode()
        payload = decompress(data[start + tag_len :], codec)
    except (struct.error, UnicodeDecodeError, zlib.error, zstandard.ZstdError) as exc:
        raise CorruptEntry(str(exc)) from None
    return Entry(payload, etag, soft, delta, len(data))
