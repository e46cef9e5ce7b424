"""The cache's knobs: read from the environment once, into one typed object."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from core.settings import Settings, SettingsError

CODECS = ("zstd", "zlib", "none")
_OFF = ("0", "false", "no", "off")


@dataclass(frozen=True)
class CacheConfig:
    """How the response cache behaves.

    Parameters:
      enabled: ``False`` serves every read from PostgreSQL (``CACHE_ENABLED=0``).
      soft_ttl_s: after this a value is stale: served while one caller refreshes it.
      hard_ttl_s: after this Redis drops the value.
      jitter: both TTLs are stretched by up to this fraction, so keys written together do
        not expire together.
      compress_min_bytes: values at least this large are compressed.
      codec: ``zstd`` (default, see docs/decisions/0003), ``zlib`` or ``none``.
      timeout_s: bound of every cache Redis call; past it the request uses PostgreSQL.
      breaker_s: after a failed call the cache is skipped this long (no timeout per request).
      lock_ttl_s: a single-flight lock outlives a crashed holder this long.
      lock_wait_s: how long concurrent misses wait for the holder before computing themselves.
      xfetch_beta: XFetch's beta; > 1 refreshes earlier, 0 disables early refresh.
      warm_top_keys: hottest keys per org the ``cache.warm`` job recomputes.
      refresh_on_write: recompute a written row's detail right after its commit.
      hit_sample: share of lookups that count their keys' hits (weighted), for warming.
    """

    enabled: bool = True
    namespace: str = "shc"
    soft_ttl_s: float = 60.0
    hard_ttl_s: float = 600.0
    jitter: float = 0.1
    compress_min_bytes: int = 1024
    codec: str = "zstd"
    zstd_level: int = 1
    timeout_s: float = 0.1
    breaker_s: float = 1.0
    lock_ttl_s: float = 10.0
    lock_wait_s: float = 3.0
    xfetch_beta: float = 1.0
    warm_top_keys: int = 50
    hit_sample: float = 0.1
    refresh_on_write: bool = True

    def __post_init__(self) -> None:
        if self.codec not in CODECS:
            raise SettingsError(f"CACHE_CODEC must be one of {', '.join(CODECS)}")
        if not 0 < self.soft_ttl_s <= self.hard_ttl_s:
            raise SettingsError("need 0 < CACHE_SOFT_TTL_S <= CACHE_HARD_TTL_S")
        if not 0 < self.hit_sample <= 1:
            raise SettingsError("CACHE_HIT_SAMPLE must be in (0, 1]")
        if not 0 <= self.jitter < 1:
            raise SettingsError("CACHE_TTL_JITTER must be in [0, 1)")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> CacheConfig:
        """Build from ``CACHE_*`` variables (default: ``os.environ``)."""
        env = os.environ if env is None else env
        d = cls()

        def num(name: str, default: float) -> float:
            raw = env.get(name)
            if not raw:
                return default
            try:
                return float(raw)
            except ValueError:
                raise SettingsError(f"{name} must be a number, got {raw!r}") from None

        return cls(
            enabled=env.get("CACHE_ENABLED", "1").lower() not in _OFF,
            namespace=env.get("CACHE_NAMESPACE") or d.namespace,
            soft_ttl_s=num("CACHE_SOFT_TTL_S", d.soft_ttl_s),
            hard_ttl_s=num("CACHE_HARD_TTL_S", d.hard_ttl_s),
            jitter=num("CACHE_TTL_JITTER", d.jitter),
            compress_min_bytes=int(num("CACHE_COMPRESS_MIN_BYTES", d.compress_min_bytes)),
            codec=env.get("CACHE_CODEC") or d.codec,
            timeout_s=num("CACHE_TIMEOUT_MS", d.timeout_s * 1000) / 1000,
            lock_wait_s=num("CACHE_LOCK_WAIT_MS", d.lock_wait_s * 1000) / 1000,
            xfetch_beta=num("CACHE_XFETCH_BETA", d.xfetch_beta),
            warm_top_keys=int(num("CACHE_WARM_TOP_KEYS", d.warm_top_keys)),
            hit_sample=num("CACHE_HIT_SAMPLE", d.hit_sample),
            refresh_on_write=env.get("CACHE_REFRESH_ON_WRITE", "1").lower() not in _OFF,
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> CacheConfig:
        """``settings.extra["cache"]`` when given (tests), else the environment."""
        given = settings.extra.get("cache")
        return given if isinstance(given, CacheConfig) else cls.from_env()

    def replace(self, **changes: Any) -> CacheConfig:
        """A copy with ``changes`` applied."""
        return dataclasses.replace(self, **changes)
