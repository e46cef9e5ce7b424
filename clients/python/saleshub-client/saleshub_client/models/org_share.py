from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="OrgShare")


@_attrs_define
class OrgShare:
    """
    Attributes:
        cap (int):
        deferrals (int):
        in_flight (int):
        org_id (int):
        waiting (int):
    """

    cap: int
    deferrals: int
    in_flight: int
    org_id: int
    waiting: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        cap = self.cap

        deferrals = self.deferrals

        in_flight = self.in_flight

        org_id = self.org_id

        waiting = self.waiting

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "cap": cap,
                "deferrals": deferrals,
                "in_flight": in_flight,
                "org_id": org_id,
                "waiting": waiting,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        cap = d.pop("cap")

        deferrals = d.pop("deferrals")

        in_flight = d.pop("in_flight")

        org_id = d.pop("org_id")

        waiting = d.pop("waiting")

        org_share = cls(
            cap=cap,
            deferrals=deferrals,
            in_flight=in_flight,
            org_id=org_id,
            waiting=waiting,
        )

        org_share.additional_properties = d
        return org_share

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
