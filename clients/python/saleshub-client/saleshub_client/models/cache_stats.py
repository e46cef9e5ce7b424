from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.cache_stats_scope_type_0 import CacheStatsScopeType0
from ..models.cache_stats_status import CacheStatsStatus
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.cache_histogram import CacheHistogram
    from ..models.cache_memory import CacheMemory
    from ..models.cache_stats_namespaces_type_0 import CacheStatsNamespacesType0


T = TypeVar("T", bound="CacheStats")


@_attrs_define
class CacheStats:
    """The cache's figures; while it is ``down``, only ``error`` and ``enabled``.

    Attributes:
        enabled (bool):
        status (CacheStatsStatus):
        bypassed (int | None | Unset):
        bytes_saved (int | None | Unset):
        bytes_stored (int | None | Unset):
        computations (int | None | Unset):
        dropped_stale_writes (int | None | Unset):
        early_refreshes (int | None | Unset):
        error (None | str | Unset):
        errors (int | None | Unset):
        hit_rate (float | None | Unset):
        hits (int | None | Unset):
        keys (int | None | Unset): platform scope only
        latency_ms (CacheHistogram | None | Unset):
        lock_waits (int | None | Unset):
        memory (CacheMemory | None | Unset): platform scope only
        misses (int | None | Unset):
        namespaces (CacheStatsNamespacesType0 | None | Unset):
        scope (CacheStatsScopeType0 | None | Unset):
        stale (int | None | Unset):
        stores (int | None | Unset):
    """

    enabled: bool
    status: CacheStatsStatus
    bypassed: int | None | Unset = UNSET
    bytes_saved: int | None | Unset = UNSET
    bytes_stored: int | None | Unset = UNSET
    computations: int | None | Unset = UNSET
    dropped_stale_writes: int | None | Unset = UNSET
    early_refreshes: int | None | Unset = UNSET
    error: None | str | Unset = UNSET
    errors: int | None | Unset = UNSET
    hit_rate: float | None | Unset = UNSET
    hits: int | None | Unset = UNSET
    keys: int | None | Unset = UNSET
    latency_ms: CacheHistogram | None | Unset = UNSET
    lock_waits: int | None | Unset = UNSET
    memory: CacheMemory | None | Unset = UNSET
    misses: int | None | Unset = UNSET
    namespaces: CacheStatsNamespacesType0 | None | Unset = UNSET
    scope: CacheStatsScopeType0 | None | Unset = UNSET
    stale: int | None | Unset = UNSET
    stores: int | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.cache_histogram import CacheHistogram  # noqa: PLC0415
        from ..models.cache_memory import CacheMemory  # noqa: PLC0415
        from ..models.cache_stats_namespaces_type_0 import CacheStatsNamespacesType0  # noqa: PLC0415

        enabled = self.enabled

        status = self.status.value

        bypassed: int | None | Unset
        if isinstance(self.bypassed, Unset):
            bypassed = UNSET
        else:
            bypassed = self.bypassed

        bytes_saved: int | None | Unset
        if isinstance(self.bytes_saved, Unset):
            bytes_saved = UNSET
        else:
            bytes_saved = self.bytes_saved

        bytes_stored: int | None | Unset
        if isinstance(self.bytes_stored, Unset):
            bytes_stored = UNSET
        else:
            bytes_stored = self.bytes_stored

        computations: int | None | Unset
        if isinstance(self.computations, Unset):
            computations = UNSET
        else:
            computations = self.computations

        dropped_stale_writes: int | None | Unset
        if isinstance(self.dropped_stale_writes, Unset):
            dropped_stale_writes = UNSET
        else:
            dropped_stale_writes = self.dropped_stale_writes

        early_refreshes: int | None | Unset
        if isinstance(self.early_refreshes, Unset):
            early_refreshes = UNSET
        else:
            early_refreshes = self.early_refreshes

        error: None | str | Unset
        if isinstance(self.error, Unset):
            error = UNSET
        else:
            error = self.error

        errors: int | None | Unset
        if isinstance(self.errors, Unset):
            errors = UNSET
        else:
            errors = self.errors

        hit_rate: float | None | Unset
        if isinstance(self.hit_rate, Unset):
            hit_rate = UNSET
        else:
            hit_rate = self.hit_rate

        hits: int | None | Unset
        if isinstance(self.hits, Unset):
            hits = UNSET
        else:
            hits = self.hits

        keys: int | None | Unset
        if isinstance(self.keys, Unset):
            keys = UNSET
        else:
            keys = self.keys

        latency_ms: dict[str, Any] | None | Unset
        if isinstance(self.latency_ms, Unset):
            latency_ms = UNSET
        elif isinstance(self.latency_ms, CacheHistogram):
            latency_ms = self.latency_ms.to_dict()
        else:
            latency_ms = self.latency_ms

        lock_waits: int | None | Unset
        if isinstance(self.lock_waits, Unset):
            lock_waits = UNSET
        else:
            lock_waits = self.lock_waits

        memory: dict[str, Any] | None | Unset
        if isinstance(self.memory, Unset):
            memory = UNSET
        elif isinstance(self.memory, CacheMemory):
            memory = self.memory.to_dict()
        else:
            memory = self.memory

        misses: int | None | Unset
        if isinstance(self.misses, Unset):
            misses = UNSET
        else:
            misses = self.misses

        namespaces: dict[str, Any] | None | Unset
        if isinstance(self.namespaces, Unset):
            namespaces = UNSET
        elif isinstance(self.namespaces, CacheStatsNamespacesType0):
            namespaces = self.namespaces.to_dict()
        else:
            namespaces = self.namespaces

        scope: None | str | Unset
        if isinstance(self.scope, Unset):
            scope = UNSET
        elif isinstance(self.scope, CacheStatsScopeType0):
            scope = self.scope.value
        else:
            scope = self.scope

        stale: int | None | Unset
        if isinstance(self.stale, Unset):
            stale = UNSET
        else:
            stale = self.stale

        stores: int | None | Unset
        if isinstance(self.stores, Unset):
            stores = UNSET
        else:
            stores = self.stores

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "enabled": enabled,
                "status": status,
            }
        )
        if bypassed is not UNSET:
            field_dict["bypassed"] = bypassed
        if bytes_saved is not UNSET:
            field_dict["bytes_saved"] = bytes_saved
        if bytes_stored is not UNSET:
            field_dict["bytes_stored"] = bytes_stored
        if computations is not UNSET:
            field_dict["computations"] = computations
        if dropped_stale_writes is not UNSET:
            field_dict["dropped_stale_writes"] = dropped_stale_writes
        if early_refreshes is not UNSET:
            field_dict["early_refreshes"] = early_refreshes
        if error is not UNSET:
            field_dict["error"] = error
        if errors is not UNSET:
            field_dict["errors"] = errors
        if hit_rate is not UNSET:
            field_dict["hit_rate"] = hit_rate
        if hits is not UNSET:
            field_dict["hits"] = hits
        if keys is not UNSET:
            field_dict["keys"] = keys
        if latency_ms is not UNSET:
            field_dict["latency_ms"] = latency_ms
        if lock_waits is not UNSET:
            field_dict["lock_waits"] = lock_waits
        if memory is not UNSET:
            field_dict["memory"] = memory
        if misses is not UNSET:
            field_dict["misses"] = misses
        if namespaces is not UNSET:
            field_dict["namespaces"] = namespaces
        if scope is not UNSET:
            field_dict["scope"] = scope
        if stale is not UNSET:
            field_dict["stale"] = stale
        if stores is not UNSET:
            field_dict["stores"] = stores

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.cache_histogram import CacheHistogram  # noqa: PLC0415
        from ..models.cache_memory import CacheMemory  # noqa: PLC0415
        from ..models.cache_stats_namespaces_type_0 import CacheStatsNamespacesType0  # noqa: PLC0415

        d = dict(src_dict)
        enabled = d.pop("enabled")

        status = CacheStatsStatus(d.pop("status"))

        def _parse_bypassed(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        bypassed = _parse_bypassed(d.pop("bypassed", UNSET))

        def _parse_bytes_saved(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        bytes_saved = _parse_bytes_saved(d.pop("bytes_saved", UNSET))

        def _parse_bytes_stored(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        bytes_stored = _parse_bytes_stored(d.pop("bytes_stored", UNSET))

        def _parse_computations(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        computations = _parse_computations(d.pop("computations", UNSET))

        def _parse_dropped_stale_writes(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        dropped_stale_writes = _parse_dropped_stale_writes(d.pop("dropped_stale_writes", UNSET))

        def _parse_early_refreshes(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        early_refreshes = _parse_early_refreshes(d.pop("early_refreshes", UNSET))

        def _parse_error(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        error = _parse_error(d.pop("error", UNSET))

        def _parse_errors(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        errors = _parse_errors(d.pop("errors", UNSET))

        def _parse_hit_rate(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        hit_rate = _parse_hit_rate(d.pop("hit_rate", UNSET))

        def _parse_hits(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        hits = _parse_hits(d.pop("hits", UNSET))

        def _parse_keys(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        keys = _parse_keys(d.pop("keys", UNSET))

        def _parse_latency_ms(data: object) -> CacheHistogram | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                latency_ms_type_0 = CacheHistogram.from_dict(data)

                return latency_ms_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(CacheHistogram | None | Unset, data)

        latency_ms = _parse_latency_ms(d.pop("latency_ms", UNSET))

        def _parse_lock_waits(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        lock_waits = _parse_lock_waits(d.pop("lock_waits", UNSET))

        def _parse_memory(data: object) -> CacheMemory | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                memory_type_0 = CacheMemory.from_dict(data)

                return memory_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(CacheMemory | None | Unset, data)

        memory = _parse_memory(d.pop("memory", UNSET))

        def _parse_misses(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        misses = _parse_misses(d.pop("misses", UNSET))

        def _parse_namespaces(data: object) -> CacheStatsNamespacesType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                namespaces_type_0 = CacheStatsNamespacesType0.from_dict(data)

                return namespaces_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(CacheStatsNamespacesType0 | None | Unset, data)

        namespaces = _parse_namespaces(d.pop("namespaces", UNSET))

        def _parse_scope(data: object) -> CacheStatsScopeType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                scope_type_0 = CacheStatsScopeType0(data)

                return scope_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(CacheStatsScopeType0 | None | Unset, data)

        scope = _parse_scope(d.pop("scope", UNSET))

        def _parse_stale(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        stale = _parse_stale(d.pop("stale", UNSET))

        def _parse_stores(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        stores = _parse_stores(d.pop("stores", UNSET))

        cache_stats = cls(
            enabled=enabled,
            status=status,
            bypassed=bypassed,
            bytes_saved=bytes_saved,
            bytes_stored=bytes_stored,
            computations=computations,
            dropped_stale_writes=dropped_stale_writes,
            early_refreshes=early_refreshes,
            error=error,
            errors=errors,
            hit_rate=hit_rate,
            hits=hits,
            keys=keys,
            latency_ms=latency_ms,
            lock_waits=lock_waits,
            memory=memory,
            misses=misses,
            namespaces=namespaces,
            scope=scope,
            stale=stale,
            stores=stores,
        )

        cache_stats.additional_properties = d
        return cache_stats

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
