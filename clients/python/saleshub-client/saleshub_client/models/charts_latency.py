from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.charts_latency_additional_property import ChartsLatencyAdditionalProperty


T = TypeVar("T", bound="ChartsLatency")


@_attrs_define
class ChartsLatency:
    additional_properties: dict[str, ChartsLatencyAdditionalProperty] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:

        field_dict: dict[str, Any] = {}
        for prop_name, prop in self.additional_properties.items():
            field_dict[prop_name] = prop.to_dict()

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.charts_latency_additional_property import ChartsLatencyAdditionalProperty  # noqa: PLC0415

        d = dict(src_dict)
        charts_latency = cls()

        additional_properties = {}
        for prop_name, prop_dict in d.items():
            additional_property = ChartsLatencyAdditionalProperty.from_dict(prop_dict)

            additional_properties[prop_name] = additional_property

        charts_latency.additional_properties = additional_properties
        return charts_latency

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> ChartsLatencyAdditionalProperty:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: ChartsLatencyAdditionalProperty) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
