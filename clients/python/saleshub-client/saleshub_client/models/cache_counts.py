from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="CacheCounts")


@_attrs_define
class CacheCounts:
    """Cache counters (of every process since the counters began) and the hit rate.

    Attributes:
        bypassed (int):
        bytes_saved (int):
        bytes_stored (int):
        computations (int):
        dropped_stale_writes (int):
        early_refreshes (int):
        errors (int):
        hit_rate (float | None):
        hits (int):
        lock_waits (int):
        misses (int):
        stale (int):
        stores (int):
    """

    bypassed: int
    bytes_saved: int
    bytes_stored: int
    computations: int
    dropped_stale_writes: int
    early_refreshes: int
    errors: int
    hit_rate: float | None
    hits: int
    lock_waits: int
    misses: int
    stale: int
    stores: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        bypassed = self.bypassed

        bytes_saved = self.bytes_saved

        bytes_stored = self.bytes_stored

        computations = self.computations

        dropped_stale_writes = self.dropped_stale_writes

        early_refreshes = self.early_refreshes

        errors = self.errors

        hit_rate: float | None
        hit_rate = self.hit_rate

        hits = self.hits

        lock_waits = self.lock_waits

        misses = self.misses

        stale = self.stale

        stores = self.stores

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "bypassed": bypassed,
                "bytes_saved": bytes_saved,
                "bytes_stored": bytes_stored,
                "computations": computations,
                "dropped_stale_writes": dropped_stale_writes,
                "early_refreshes": early_refreshes,
                "errors": errors,
                "hit_rate": hit_rate,
                "hits": hits,
                "lock_waits": lock_waits,
                "misses": misses,
                "stale": stale,
                "stores": stores,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        bypassed = d.pop("bypassed")

        bytes_saved = d.pop("bytes_saved")

        bytes_stored = d.pop("bytes_stored")

        computations = d.pop("computations")

        dropped_stale_writes = d.pop("dropped_stale_writes")

        early_refreshes = d.pop("early_refreshes")

        errors = d.pop("errors")

        def _parse_hit_rate(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        hit_rate = _parse_hit_rate(d.pop("hit_rate"))

        hits = d.pop("hits")

        lock_waits = d.pop("lock_waits")

        misses = d.pop("misses")

        stale = d.pop("stale")

        stores = d.pop("stores")

        cache_counts = cls(
            bypassed=bypassed,
            bytes_saved=bytes_saved,
            bytes_stored=bytes_stored,
            computations=computations,
            dropped_stale_writes=dropped_stale_writes,
            early_refreshes=early_refreshes,
            errors=errors,
            hit_rate=hit_rate,
            hits=hits,
            lock_waits=lock_waits,
            misses=misses,
            stale=stale,
            stores=stores,
        )

        cache_counts.additional_properties = d
        return cache_counts

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
