from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.canaries_items_item import CanariesItemsItem


T = TypeVar("T", bound="Canaries")


@_attrs_define
class Canaries:
    """Each queue's last canary job (``queue``, ``age_s`` and its timings, in seconds).

    Attributes:
        interval_s (float):
        items (list[CanariesItemsItem]):
    """

    interval_s: float
    items: list[CanariesItemsItem]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        interval_s = self.interval_s

        items = []
        for items_item_data in self.items:
            items_item = items_item_data.to_dict()
            items.append(items_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "interval_s": interval_s,
                "items": items,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.canaries_items_item import CanariesItemsItem  # noqa: PLC0415

        d = dict(src_dict)
        interval_s = d.pop("interval_s")

        items = []
        _items = d.pop("items")
        for items_item_data in _items:
            items_item = CanariesItemsItem.from_dict(items_item_data)

            items.append(items_item)

        canaries = cls(
            interval_s=interval_s,
            items=items,
        )

        canaries.additional_properties = d
        return canaries

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
