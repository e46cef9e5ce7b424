from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.minute_rates_counts import MinuteRatesCounts


T = TypeVar("T", bound="MinuteRates")


@_attrs_define
class MinuteRates:
    """
    Attributes:
        counts (MinuteRatesCounts):
        minute (int):
    """

    counts: MinuteRatesCounts
    minute: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        counts = self.counts.to_dict()

        minute = self.minute

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "counts": counts,
                "minute": minute,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.minute_rates_counts import MinuteRatesCounts  # noqa: PLC0415

        d = dict(src_dict)
        counts = MinuteRatesCounts.from_dict(d.pop("counts"))

        minute = d.pop("minute")

        minute_rates = cls(
            counts=counts,
            minute=minute,
        )

        minute_rates.additional_properties = d
        return minute_rates

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
