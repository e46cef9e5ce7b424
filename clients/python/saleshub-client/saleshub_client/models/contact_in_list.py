from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.contact_in_list_sort import ContactInListSort
from ..types import UNSET, Unset

T = TypeVar("T", bound="ContactInList")


@_attrs_define
class ContactInList:
    """
    Attributes:
        company_id (int | None | Unset):
        cursor (None | str | Unset):
        email (None | str | Unset):
        limit (int | Unset):  Default: 50.
        owner_id (int | None | Unset):
        sort (ContactInListSort | Unset):  Default: ContactInListSort.VALUE_1.
    """

    company_id: int | None | Unset = UNSET
    cursor: None | str | Unset = UNSET
    email: None | str | Unset = UNSET
    limit: int | Unset = 50
    owner_id: int | None | Unset = UNSET
    sort: ContactInListSort | Unset = ContactInListSort.VALUE_1

    def to_dict(self) -> dict[str, Any]:
        company_id: int | None | Unset
        if isinstance(self.company_id, Unset):
            company_id = UNSET
        else:
            company_id = self.company_id

        cursor: None | str | Unset
        if isinstance(self.cursor, Unset):
            cursor = UNSET
        else:
            cursor = self.cursor

        email: None | str | Unset
        if isinstance(self.email, Unset):
            email = UNSET
        else:
            email = self.email

        limit = self.limit

        owner_id: int | None | Unset
        if isinstance(self.owner_id, Unset):
            owner_id = UNSET
        else:
            owner_id = self.owner_id

        sort: str | Unset = UNSET
        if not isinstance(self.sort, Unset):
            sort = self.sort.value

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if company_id is not UNSET:
            field_dict["company_id"] = company_id
        if cursor is not UNSET:
            field_dict["cursor"] = cursor
        if email is not UNSET:
            field_dict["email"] = email
        if limit is not UNSET:
            field_dict["limit"] = limit
        if owner_id is not UNSET:
            field_dict["owner_id"] = owner_id
        if sort is not UNSET:
            field_dict["sort"] = sort

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_company_id(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        company_id = _parse_company_id(d.pop("company_id", UNSET))

        def _parse_cursor(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        cursor = _parse_cursor(d.pop("cursor", UNSET))

        def _parse_email(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        email = _parse_email(d.pop("email", UNSET))

        limit = d.pop("limit", UNSET)

        def _parse_owner_id(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        owner_id = _parse_owner_id(d.pop("owner_id", UNSET))

        _sort = d.pop("sort", UNSET)
        sort: ContactInListSort | Unset
        if isinstance(_sort, Unset):
            sort = UNSET
        else:
            sort = ContactInListSort(_sort)

        contact_in_list = cls(
            company_id=company_id,
            cursor=cursor,
            email=email,
            limit=limit,
            owner_id=owner_id,
            sort=sort,
        )

        return contact_in_list
