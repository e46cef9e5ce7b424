"""The cache on the cache Redis: tag-versioned values, bounded calls, graceful failure.

Correctness rules (docs/decisions/0003-cache-keys.md):

- A value is stored with the versions its tags had *before* it was computed, and is valid
  only while they are unchanged. A committed write gives its tags new random versions
  (:meth:`Cache.bump`), so every process's next read misses: read-your-writes.
- A store is conditional on those versions inside Redis, so a slow computation (or a warm
  job) that read old rows can never overwrite or outlive a newer write.
- A missing tag version (evicted, flushed) gets a fresh random one: nothing stored earlier
  can match it.
- Every Redis call is bounded by ``timeout_s``; a failure opens a breaker for ``breaker_s``
  during which reads go straight to PostgreSQL. Bumps that failed are retried before this
  process reads from the cache again.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import random
import secrets
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Self

import orjson
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from core.cache import scripts
from core.cache.codec import CODEC_IDS, CorruptEntry, Entry, pack, stamps_of, unpack
from core.cache.keys import CacheKey, KeySpace
from core.cache.stats import Stats
from core.settings import CacheSettings

log = logging.getLogger(__name__)

HIT, MISS, STALE = "HIT", "MISS", "STALE"
TAG_TTL_MS = 86_400_000
Stamps = dict[str, str]


class Uncacheable(Exception):
    """Raised by a computation whose result must be returned but not stored."""

    def __init__(self, value: Any) -> None:
        super().__init__("uncacheable result")
        self.value = value


@dataclass(frozen=True)
class Result:
    """What :meth:`Cache.fetch` answers.

    Parameters:
      payload: the value's bytes.
      etag: a strong validator of ``payload``.
      state: ``HIT``, ``MISS`` or ``STALE``.
    """

    payload: bytes
    etag: str
    state: str


def connect(url: str, timeout_s: float) -> redis.Redis:
    """A cache Redis client whose every call fails within about ``timeout_s``."""
    return redis.Redis.from_url(
        url,
        socket_timeout=timeout_s,
        socket_connect_timeout=timeout_s,
        # One immediate reconnect (a pooled connection may predate a Redis restart); a
        # timeout is never retried.
        retry=Retry(NoBackoff(), 1, supported_errors=(redis.ConnectionError,)),
    )


def _section(names: Sequence[str], versions: dict[bytes, bytes | None]) -> bytes | None:
    """The tag section an entry valid now would carry (see ``core.cache.codec.tag_section``).

    ``names`` are sorted already.
    """
    lines = []
    for name in names:
        version = versions[name.encode()]
        if version is None:
            return None
        lines.append(name.encode() + b" " + version + b"\n")
    return b"".join(lines)


class CacheBase:
    """Tag-versioned values of one environment, without the read-through (``core.cache.service``).

    Parameters:
      client: the cache Redis, with short timeouts (see :func:`connect`).
      config: TTLs, compression, timeouts.
      environment: part of every key.
    """

    def __init__(self, client: redis.Redis, config: CacheSettings, *, environment: str) -> None:
        self.client = client
        self.config = config
        self.keys = KeySpace(config.namespace, environment)
        self.stats = Stats(self.keys.stats)
        self._snapshot = client.register_script(scripts.SNAPSHOT)
        self._store = client.register_script(scripts.STORE)
        self._release = client.register_script(scripts.RELEASE)
        self._codec = CODEC_IDS[config.codec]
        self._down_until = 0.0
        self._pending: dict[int, set[str]] = {}
        self._guard = threading.Lock()

    @classmethod
    def from_url(cls, url: str, config: CacheSettings, *, environment: str) -> Self:
        """A service with its own bounded client on ``url``."""
        return cls(connect(url, config.timeout_s), config, environment=environment)

    def close(self) -> None:
        """Close the client's connections."""
        self.client.close()

    def key(self, org_id: int, name: str, params: dict[str, Any] | str | None = None) -> CacheKey:
        """The key of ``name`` with ``params`` in ``org_id``."""
        return self.keys.key(org_id, name, params)

    # -- health ------------------------------------------------------------------------

    def _failed(self, exc: Exception, namespace: str) -> None:
        self.stats.incr(namespace, "errors")
        opened = time.monotonic() >= self._down_until
        self._down_until = time.monotonic() + self.config.breaker_s
        if opened:
            log.warning("cache Redis failed (%s); serving from PostgreSQL", exc.__class__.__name__)

    def report(self, org_id: int | None = None) -> dict[str, Any]:
        """Every process's counters, plus the cache Redis's keys and memory.

        With ``org_id``, that org's counters alone: the key count and memory are the whole
        platform's, so they are left out.
        """
        self.stats.flush(self.client)
        if org_id is not None:
            return self.stats.read(self.client, org_id=org_id)
        doc = self.stats.read(self.client)
        memory: dict[str, Any] = self.client.info("memory")
        doc["keys"] = self.client.dbsize()
        doc["memory"] = {
            "used_bytes": memory.get("used_memory"),
            "max_bytes": memory.get("maxmemory"),
            "policy": memory.get("maxmemory_policy"),
        }
        return doc

    def usable(self, org_id: int | None = None) -> bool:
        """Whether reads may use the cache now (enabled, reachable, no bump outstanding)."""
        if not self.config.enabled or time.monotonic() < self._down_until:
            return False
        if self._pending:
            with self._guard:
                pending = {org: set(tags) for org, tags in self._pending.items()}
            for org, tags in pending.items():
                # Until they land, another thread must not read what they invalidate.
                if not self.bump(org, tags):
                    return False
                with self._guard:
                    left = self._pending.pop(org, set()) - tags
                    if left:
                        self._pending[org] = left
        return True

    def _maybe_flush_stats(self) -> None:
        if self.stats.due():
            with contextlib.suppress(redis.RedisError):  # counts wait for the next flush
                self.stats.flush(self.client)

    # -- tags --------------------------------------------------------------------------

    def bump(self, org_id: int, tags: Iterable[str], *, strict: bool = False) -> bool:
        """Give ``tags`` of ``org_id`` new versions; every value depending on them is stale.

        On failure the tags are kept and bumped before this process reads again (or, with
        ``strict``, the error is raised).
        """
        tags = set(tags)
        if not tags:
            return True
        if time.monotonic() < self._down_until and not strict:
            self._defer(org_id, tags)
            return False
        try:
            pipe = self.client.pipeline(transaction=False)
            for tag in tags:
                pipe.set(self.keys.tag(org_id, tag), secrets.token_hex(8), px=TAG_TTL_MS)
            pipe.execute()
        except redis.RedisError as exc:
            if strict:
                raise
            self._defer(org_id, tags)
            self._failed(exc, "tags")
            return False
        return True

    def _defer(self, org_id: int, tags: set[str]) -> None:
        with self._guard:
            self._pending.setdefault(org_id, set()).update(tags)

    def snapshot(self, wanted: Iterable[tuple[int, Sequence[str]]]) -> list[Stamps]:
        """The current versions of each (org, tags), creating missing ones; one round trip."""
        groups = [[self.keys.tag(org_id, t) for t in tags] for org_id, tags in wanted]
        names = list(dict.fromkeys(n for group in groups for n in group))
        versions: dict[str, str] = {}
        if names:
            # Versions created now: a random prefix per call, so never one seen before.
            reply = self._snapshot(keys=names, args=[secrets.token_hex(8) + ".", TAG_TTL_MS])
            versions = {n: v.decode() for n, v in zip(names, reply, strict=True)}
        return [{n: versions[n] for n in group} for group in groups]

    # -- plain values ------------------------------------------------------------------

    def _ttls(self, soft_ttl: float | None, hard_ttl: float | None) -> tuple[int, int]:
        """(soft expiry in epoch ms, hard TTL in ms), both jittered."""
        j = self.config.jitter
        hard = (hard_ttl or self.config.hard_ttl_s) * (1 + random.uniform(0, j))
        soft = min((soft_ttl or self.config.soft_ttl_s) * (1 + random.uniform(-j, j)), hard)
        return int((time.time() + soft) * 1000), max(1, int(hard * 1000))

    def entry(
        self,
        payload: bytes,
        stamps: Stamps,
        *,
        delta_ms: int = 0,
        soft_ttl: float | None = None,
        hard_ttl: float | None = None,
    ) -> tuple[bytes, int]:
        """(packed entry, TTL in ms) of ``payload`` computed under tag versions ``stamps``."""
        soft_ms, ttl = self._ttls(soft_ttl, hard_ttl)
        value = pack(
            payload,
            stamps=stamps,
            soft_expiry_ms=soft_ms,
            delta_ms=delta_ms,
            codec=self._codec,
            min_bytes=self.config.compress_min_bytes,
            level=self.config.zstd_level,
        )
        return value, ttl

    def lookup(
        self, keys: Sequence[CacheKey], tags: Sequence[Sequence[str]] | None = None
    ) -> list[Entry | None]:
        """The valid entries of ``keys`` (``None`` for absent or invalidated); raises on errors.

        With the ``tags`` each key was stored with, this is one ``MGET`` of the entries and
        their tag versions; tags not given cost a second one.
        """
        if not keys:
            return []
        start = time.perf_counter()
        pairs = zip(keys, tags or (), strict=False)  # no tags: read them from the entries
        wanted = [self._tag_names(k.org_id, tuple(ts)) for k, ts in pairs]
        if len(wanted) == 1:
            names = list(wanted[0])
        else:
            names = list(dict.fromkeys(name for group in wanted for name in group))
        n = len(keys)
        if random.random() < self.config.hit_sample:
            # Hit counts for warming, sampled: most lookups pay for nothing but the MGET.
            pipe = self.client.pipeline(transaction=False)
            pipe.mget([k.entry for k in keys] + names)
            for k in keys:
                pipe.zincrby(k.hits, 1 / self.config.hit_sample, k.member)
            self.stats.count_hot(
                pipe, [(k.org_id, k.member) for k in keys], 1 / self.config.hit_sample
            )
            reply = pipe.execute()[0]
        else:
            reply = self.client.mget([k.entry for k in keys] + names)
        versions: dict[bytes, bytes | None] = {}
        for name, version in zip(names, reply[n:], strict=True):
            versions[name.encode()] = version
        out: list[Entry | None] = []
        for i, raw in enumerate(reply[:n]):
            expected = _section(wanted[i], versions) if i < len(wanted) else None
            if raw is None or not (
                raw[2 : 2 + int.from_bytes(raw[:2], "big")] == expected
                or self._still_valid(raw, versions)
            ):
                out.append(None)
                continue
            try:
                out.append(unpack(raw))
            except CorruptEntry:
                out.append(None)
        self.stats.observe(time.perf_counter() - start, org_id=keys[0].org_id)
        return out

    @functools.lru_cache(maxsize=4096)  # noqa: B019 - one service per process, bounded
    def _tag_names(self, org_id: int, tags: tuple[str, ...]) -> tuple[str, ...]:
        """The version keys of ``tags``, sorted as in an entry's tag section."""
        return tuple(sorted(self.keys.tag(org_id, t) for t in tags))

    def _still_valid(self, raw: bytes, versions: dict[bytes, bytes | None]) -> bool:
        """Check an entry whose tags were not (all) given: their versions cost a round trip."""
        stamps = stamps_of(raw)
        unknown = [t for t in stamps if t not in versions]
        if unknown:
            fetched: list[bytes | None] = self.client.mget(unknown)  # type: ignore[assignment]
            versions.update(zip(unknown, fetched, strict=True))
        return all(versions[t] == v for t, v in stamps.items())

    def store(self, items: Sequence[tuple[CacheKey, bytes, int]]) -> list[bool]:
        """Store packed entries (key, entry, TTL ms) whose tags are unchanged; raises on errors."""
        if not items:
            return []
        args: list[Any] = []
        for _key, value, ttl in items:
            args += [ttl, value]
        stored = [bool(x) for x in self._store(keys=[k.entry for k, _, _ in items], args=args)]
        for (key, _value, _ttl), ok in zip(items, stored, strict=True):
            self.stats.incr(key.name, "stores" if ok else "dropped_stale_writes", org_id=key.org_id)
        return stored

    def get_many(
        self, keys: Sequence[CacheKey], tags: Sequence[Sequence[str]] | None = None
    ) -> list[Any]:
        """The JSON values of ``keys`` (``None`` where absent or stale); never raises.

        Pass the ``tags`` each was stored with to save a round trip.
        """
        if not keys or not self.usable():
            return [None] * len(keys)
        try:
            entries = self.lookup(keys, tags)
        except redis.RedisError as exc:
            self._failed(exc, keys[0].name)
            return [None] * len(keys)
        for key, entry in zip(keys, entries, strict=True):
            self.stats.incr(key.name, "hits" if entry else "misses", org_id=key.org_id)
        return [None if e is None else orjson.loads(e.payload) for e in entries]

    def get(self, key: CacheKey, tags: Sequence[str] | None = None) -> Any:
        """The JSON value of ``key``, or ``None``."""
        return self.get_many([key], None if tags is None else [tags])[0]

    def set_many(
        self,
        items: Sequence[tuple[CacheKey, Any, Sequence[str]]],
        *,
        soft_ttl: float | None = None,
        hard_ttl: float | None = None,
    ) -> int:
        """Store JSON values (key, value, tags) in two round trips; return how many landed.

        The tags' versions are read now: a caller that computed the values earlier should
        use :meth:`fetch` or :meth:`snapshot` before computing instead.
        """
        if not items or not self.usable():
            return 0
        try:
            tagged = [(k.org_id, tags) for k, _, tags in items if tags]
            snaps = iter(self.snapshot(tagged)) if tagged else iter(())
            packed = []
            for key, value, tags in items:
                stamps = next(snaps) if tags else {}
                entry, ttl = self.entry(
                    orjson.dumps(value), stamps, soft_ttl=soft_ttl, hard_ttl=hard_ttl
                )
                packed.append((key, entry, ttl))
            return sum(self.store(packed))
        except redis.RedisError as exc:
            self._failed(exc, items[0][0].name)
            return 0

    def set(self, key: CacheKey, value: Any, tags: Sequence[str] = (), **ttl: float) -> bool:
        """Store one JSON value; see :meth:`set_many`."""
        return self.set_many([(key, value, tags)], **ttl) == 1

    # -- bulk invalidation -------------------------------------------------------------

    def invalidate_pattern(self, org_id: int, pattern: str, *, batch: int = 500) -> int:
        """Delete ``org_id``'s entries whose ``name:params`` match ``pattern`` (SCAN + UNLINK)."""
        deleted = 0
        chunk: list[bytes] = []
        match = self.keys.entry_pattern(org_id, pattern)
        for name in self.client.scan_iter(match=match, count=1000):
            chunk.append(name)
            if len(chunk) >= batch:
                deleted += self.client.unlink(*chunk)
                chunk = []
        if chunk:
            deleted += self.client.unlink(*chunk)
        return int(deleted)
