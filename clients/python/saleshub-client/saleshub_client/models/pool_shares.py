from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.org_share import OrgShare


T = TypeVar("T", bound="PoolShares")


@_attrs_define
class PoolShares:
    """
    Attributes:
        cap_per_org (int):
        orgs (list[OrgShare]):
    """

    cap_per_org: int
    orgs: list[OrgShare]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        cap_per_org = self.cap_per_org

        orgs = []
        for orgs_item_data in self.orgs:
            orgs_item = orgs_item_data.to_dict()
            orgs.append(orgs_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "cap_per_org": cap_per_org,
                "orgs": orgs,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.org_share import OrgShare  # noqa: PLC0415

        d = dict(src_dict)
        cap_per_org = d.pop("cap_per_org")

        orgs = []
        _orgs = d.pop("orgs")
        for orgs_item_data in _orgs:
            orgs_item = OrgShare.from_dict(orgs_item_data)

            orgs.append(orgs_item)

        pool_shares = cls(
            cap_per_org=cap_per_org,
            orgs=orgs,
        )

        pool_shares.additional_properties = d
        return pool_shares

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
