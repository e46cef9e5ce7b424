"""Entry layout and compression: every codec path round-trips, and is readable by any config."""

from __future__ import annotations

import os

import orjson
import pytest

from core.cache import codec
from core.settings import CacheSettings, Settings, SettingsError

STAMPS = {"shc:test:t:1:contacts:7": "ab12", "shc:test:t:1:rows:contacts": "cd34"}
JSON = orjson.dumps({"items": [{"id": i, "first_name": "Ada", "city": "Lyon"} for i in range(200)]})


def _pack(payload: bytes, codec_id: int, min_bytes: int = 1024) -> bytes:
    return codec.pack(
        payload, stamps=STAMPS, soft_expiry_ms=123, delta_ms=45, codec=codec_id, min_bytes=min_bytes
    )


@pytest.mark.parametrize("name", ["none", "zstd", "zlib"])
def test_every_codec_round_trips(name: str) -> None:
    packed = _pack(JSON, codec.CODEC_IDS[name])
    entry = codec.unpack(packed)
    assert entry.payload == JSON
    assert entry.etag == codec.etag_of(JSON)
    assert (entry.soft_expiry_ms, entry.delta_ms, entry.stored_bytes) == (123, 45, len(packed))
    if name == "none":
        assert len(packed) > len(JSON)
    else:
        assert len(packed) < len(JSON) / 3  # repetitive JSON compresses well


def test_small_and_incompressible_payloads_are_stored_raw() -> None:
    small = b'{"id":1}'
    assert codec.unpack(_pack(small, codec.ZSTD)).payload == small
    assert small in _pack(small, codec.ZSTD)  # below the threshold: not compressed
    noise = os.urandom(4096)  # compression would make it bigger
    packed = _pack(noise, codec.ZSTD)
    assert noise in packed
    assert codec.unpack(packed).payload == noise


def test_the_tag_section_comes_first_for_the_lookup_script() -> None:
    packed = _pack(JSON, codec.ZSTD)
    n = int.from_bytes(packed[:2], "big")
    lines = packed[2 : 2 + n].decode().splitlines()
    assert lines == sorted(f"{k} {v}" for k, v in STAMPS.items())
    untagged = codec.pack(JSON, stamps={}, soft_expiry_ms=0, delta_ms=0, codec=0, min_bytes=0)
    assert untagged[:2] == b"\x00\x00"


def test_corrupt_entries_are_refused() -> None:
    packed = _pack(JSON, codec.ZSTD)
    with pytest.raises(codec.CorruptEntry):
        codec.unpack(packed[:-50])  # truncated zstd frame
    with pytest.raises(codec.CorruptEntry):
        codec.unpack(b"\x00\x00\x07")  # header cut short
    bad_codec = bytearray(_pack(b"x" * 10, codec.NONE))
    bad_codec[2 + int.from_bytes(bad_codec[:2], "big")] = 9  # the codec byte
    with pytest.raises(codec.CorruptEntry, match="codec"):
        codec.unpack(bytes(bad_codec))


def test_config_from_env_and_its_checks() -> None:
    config = Settings.from_env(
        {"CACHE_CODEC": "zlib", "CACHE_TIMEOUT_MS": "20", "CACHE_ENABLED": "off"}
    ).cache
    assert (config.codec, config.timeout_s, config.enabled) == ("zlib", 0.02, False)
    assert Settings.from_env({}).cache == CacheSettings()
    with pytest.raises(SettingsError):
        Settings.from_env({"CACHE_CODEC": "lz4"})
    with pytest.raises(SettingsError):
        Settings.from_env({"CACHE_SOFT_TTL_S": "900"})  # longer than the hard TTL
    with pytest.raises(SettingsError):
        Settings.from_env({"CACHE_TTL_JITTER": "2"})
    with pytest.raises(SettingsError):
        Settings.from_env({"CACHE_TIMEOUT_MS": "soon"})
