from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.company_in_list_sort import CompanyInListSort
from ..types import UNSET, Unset

T = TypeVar("T", bound="CompanyInList")


@_attrs_define
class CompanyInList:
    """
    Attributes:
        country (None | str | Unset):
        cursor (None | str | Unset):
        domain (None | str | Unset):
        industry (None | str | Unset):
        limit (int | Unset):  Default: 50.
        owner_id (int | None | Unset):
        sort (CompanyInListSort | Unset):  Default: CompanyInListSort.VALUE_1.
    """

    country: None | str | Unset = UNSET
    cursor: None | str | Unset = UNSET
    domain: None | str | Unset = UNSET
    industry: None | str | Unset = UNSET
    limit: int | Unset = 50
    owner_id: int | None | Unset = UNSET
    sort: CompanyInListSort | Unset = CompanyInListSort.VALUE_1

    def to_dict(self) -> dict[str, Any]:
        country: None | str | Unset
        if isinstance(self.country, Unset):
            country = UNSET
        else:
            country = self.country

        cursor: None | str | Unset
        if isinstance(self.cursor, Unset):
            cursor = UNSET
        else:
            cursor = self.cursor

        domain: None | str | Unset
        if isinstance(self.domain, Unset):
            domain = UNSET
        else:
            domain = self.domain

        industry: None | str | Unset
        if isinstance(self.industry, Unset):
            industry = UNSET
        else:
            industry = self.industry

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
        if country is not UNSET:
            field_dict["country"] = country
        if cursor is not UNSET:
            field_dict["cursor"] = cursor
        if domain is not UNSET:
            field_dict["domain"] = domain
        if industry is not UNSET:
            field_dict["industry"] = industry
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

        def _parse_country(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        country = _parse_country(d.pop("country", UNSET))

        def _parse_cursor(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        cursor = _parse_cursor(d.pop("cursor", UNSET))

        def _parse_domain(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        domain = _parse_domain(d.pop("domain", UNSET))

        def _parse_industry(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        industry = _parse_industry(d.pop("industry", UNSET))

        limit = d.pop("limit", UNSET)

        def _parse_owner_id(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        owner_id = _parse_owner_id(d.pop("owner_id", UNSET))

        _sort = d.pop("sort", UNSET)
        sort: CompanyInListSort | Unset
        if isinstance(_sort, Unset):
            sort = UNSET
        else:
            sort = CompanyInListSort(_sort)

        company_in_list = cls(
            country=country,
            cursor=cursor,
            domain=domain,
            industry=industry,
            limit=limit,
            owner_id=owner_id,
            sort=sort,
        )

        return company_in_list
