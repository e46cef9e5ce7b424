from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.cache_histogram_buckets import CacheHistogramBuckets


T = TypeVar("T", bound="CacheHistogram")


@_attrs_define
class CacheHistogram:
    """
    Attributes:
        buckets (CacheHistogramBuckets): upper bound in ms (or +Inf) to count
    """

    buckets: CacheHistogramBuckets
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        buckets = self.buckets.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "buckets": buckets,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.cache_histogram_buckets import CacheHistogramBuckets  # noqa: PLC0415

        d = dict(src_dict)
        buckets = CacheHistogramBuckets.from_dict(d.pop("buckets"))

        cache_histogram = cls(
            buckets=buckets,
        )

        cache_histogram.additional_properties = d
        return cache_histogram

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
