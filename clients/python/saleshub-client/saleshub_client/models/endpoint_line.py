from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="EndpointLine")


@_attrs_define
class EndpointLine:
    """A webhook endpoint's calls in flight (slots kept for deliveries just taken off its
    line included) and deliveries waiting in its line; ``org_id`` is null for an endpoint
    deleted since.

        Attributes:
            cap (int):
            id (int):
            in_flight (int):
            org_id (int | None):
            waiting (int):
    """

    cap: int
    id: int
    in_flight: int
    org_id: int | None
    waiting: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        cap = self.cap

        id = self.id

        in_flight = self.in_flight

        org_id: int | None
        org_id = self.org_id

        waiting = self.waiting

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "cap": cap,
                "id": id,
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

        id = d.pop("id")

        in_flight = d.pop("in_flight")

        def _parse_org_id(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        org_id = _parse_org_id(d.pop("org_id"))

        waiting = d.pop("waiting")

        endpoint_line = cls(
            cap=cap,
            id=id,
            in_flight=in_flight,
            org_id=org_id,
            waiting=waiting,
        )

        endpoint_line.additional_properties = d
        return endpoint_line

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
