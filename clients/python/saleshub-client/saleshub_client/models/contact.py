from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="Contact")


@_attrs_define
class Contact:
    """
    Attributes:
        company_id (int | None):
        created_at (datetime.datetime):
        email (None | str):
        first_name (str):
        id (int):
        last_name (None | str):
        owner_id (int | None):
        phone (None | str):
        title (None | str):
        updated_at (datetime.datetime):
    """

    company_id: int | None
    created_at: datetime.datetime
    email: None | str
    first_name: str
    id: int
    last_name: None | str
    owner_id: int | None
    phone: None | str
    title: None | str
    updated_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        company_id: int | None
        company_id = self.company_id

        created_at = self.created_at.isoformat()

        email: None | str
        email = self.email

        first_name = self.first_name

        id = self.id

        last_name: None | str
        last_name = self.last_name

        owner_id: int | None
        owner_id = self.owner_id

        phone: None | str
        phone = self.phone

        title: None | str
        title = self.title

        updated_at = self.updated_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "company_id": company_id,
                "created_at": created_at,
                "email": email,
                "first_name": first_name,
                "id": id,
                "last_name": last_name,
                "owner_id": owner_id,
                "phone": phone,
                "title": title,
                "updated_at": updated_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_company_id(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        company_id = _parse_company_id(d.pop("company_id"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        def _parse_email(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        email = _parse_email(d.pop("email"))

        first_name = d.pop("first_name")

        id = d.pop("id")

        def _parse_last_name(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        last_name = _parse_last_name(d.pop("last_name"))

        def _parse_owner_id(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        owner_id = _parse_owner_id(d.pop("owner_id"))

        def _parse_phone(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        phone = _parse_phone(d.pop("phone"))

        def _parse_title(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        title = _parse_title(d.pop("title"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        contact = cls(
            company_id=company_id,
            created_at=created_at,
            email=email,
            first_name=first_name,
            id=id,
            last_name=last_name,
            owner_id=owner_id,
            phone=phone,
            title=title,
            updated_at=updated_at,
        )

        contact.additional_properties = d
        return contact

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
