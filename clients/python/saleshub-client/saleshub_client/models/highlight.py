from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="Highlight")


@_attrs_define
class Highlight:
    """Where the words matched in one field: ``[start, end)`` offsets.

    Attributes:
        field (str):
        ranges (list[list[int]]):
        value (str):
    """

    field: str
    ranges: list[list[int]]
    value: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        field = self.field

        ranges = []
        for ranges_item_data in self.ranges:
            ranges_item = ranges_item_data

            ranges.append(ranges_item)

        value = self.value

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "field": field,
                "ranges": ranges,
                "value": value,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        field = d.pop("field")

        ranges = []
        _ranges = d.pop("ranges")
        for ranges_item_data in _ranges:
            ranges_item = cast(list[int], ranges_item_data)

            ranges.append(ranges_item)

        value = d.pop("value")

        highlight = cls(
            field=field,
            ranges=ranges,
            value=value,
        )

        highlight.additional_properties = d
        return highlight

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
