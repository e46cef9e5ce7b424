from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="Company")


@_attrs_define
class Company:
    """
    Attributes:
        city (None | str):
        country (None | str):
        created_at (datetime.datetime):
        domain (None | str):
        id (int):
        industry (None | str):
        name (str):
        owner_id (int | None):
        size (None | str):
        updated_at (datetime.datetime):
    """

    city: None | str
    country: None | str
    created_at: datetime.datetime
    domain: None | str
    id: int
    industry: None | str
    name: str
    owner_id: int | None
    size: None | str
    updated_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        city: None | str
        city = self.city

        country: None | str
        country = self.country

        created_at = self.created_at.isoformat()

        domain: None | str
        domain = self.domain

        id = self.id

        industry: None | str
        industry = self.industry

        name = self.name

        owner_id: int | None
        owner_id = self.owner_id

        size: None | str
        size = self.size

        updated_at = self.updated_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "city": city,
                "country": country,
                "created_at": created_at,
                "domain": domain,
                "id": id,
                "industry": industry,
                "name": name,
                "owner_id": owner_id,
                "size": size,
                "updated_at": updated_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_city(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        city = _parse_city(d.pop("city"))

        def _parse_country(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        country = _parse_country(d.pop("country"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        def _parse_domain(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        domain = _parse_domain(d.pop("domain"))

        id = d.pop("id")

        def _parse_industry(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        industry = _parse_industry(d.pop("industry"))

        name = d.pop("name")

        def _parse_owner_id(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        owner_id = _parse_owner_id(d.pop("owner_id"))

        def _parse_size(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        size = _parse_size(d.pop("size"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        company = cls(
            city=city,
            country=country,
            created_at=created_at,
            domain=domain,
            id=id,
            industry=industry,
            name=name,
            owner_id=owner_id,
            size=size,
            updated_at=updated_at,
        )

        company.additional_properties = d
        return company

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
