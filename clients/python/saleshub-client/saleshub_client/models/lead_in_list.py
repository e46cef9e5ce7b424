from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.lead_in_list_sort import LeadInListSort
from ..models.lead_in_list_status_type_0 import LeadInListStatusType0
from ..types import UNSET, Unset

T = TypeVar("T", bound="LeadInList")


@_attrs_define
class LeadInList:
    """
    Attributes:
        cursor (None | str | Unset):
        limit (int | Unset):  Default: 50.
        owner_id (int | None | Unset):
        sort (LeadInListSort | Unset):  Default: LeadInListSort.VALUE_1.
        source (None | str | Unset):
        status (LeadInListStatusType0 | None | Unset):
    """

    cursor: None | str | Unset = UNSET
    limit: int | Unset = 50
    owner_id: int | None | Unset = UNSET
    sort: LeadInListSort | Unset = LeadInListSort.VALUE_1
    source: None | str | Unset = UNSET
    status: LeadInListStatusType0 | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        cursor: None | str | Unset
        if isinstance(self.cursor, Unset):
            cursor = UNSET
        else:
            cursor = self.cursor

        limit = self.limit

        owner_id: int | None | Unset
        if isinstance(self.owner_id, Unset):
            owner_id = UNSET
        else:
            owner_id = self.owner_id

        sort: str | Unset = UNSET
        if not isinstance(self.sort, Unset):
            sort = self.sort.value

        source: None | str | Unset
        if isinstance(self.source, Unset):
            source = UNSET
        else:
            source = self.source

        status: None | str | Unset
        if isinstance(self.status, Unset):
            status = UNSET
        elif isinstance(self.status, LeadInListStatusType0):
            status = self.status.value
        else:
            status = self.status

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if cursor is not UNSET:
            field_dict["cursor"] = cursor
        if limit is not UNSET:
            field_dict["limit"] = limit
        if owner_id is not UNSET:
            field_dict["owner_id"] = owner_id
        if sort is not UNSET:
            field_dict["sort"] = sort
        if source is not UNSET:
            field_dict["source"] = source
        if status is not UNSET:
            field_dict["status"] = status

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_cursor(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        cursor = _parse_cursor(d.pop("cursor", UNSET))

        limit = d.pop("limit", UNSET)

        def _parse_owner_id(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        owner_id = _parse_owner_id(d.pop("owner_id", UNSET))

        _sort = d.pop("sort", UNSET)
        sort: LeadInListSort | Unset
        if isinstance(_sort, Unset):
            sort = UNSET
        else:
            sort = LeadInListSort(_sort)

        def _parse_source(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        source = _parse_source(d.pop("source", UNSET))

        def _parse_status(data: object) -> LeadInListStatusType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                status_type_0 = LeadInListStatusType0(data)

                return status_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(LeadInListStatusType0 | None | Unset, data)

        status = _parse_status(d.pop("status", UNSET))

        lead_in_list = cls(
            cursor=cursor,
            limit=limit,
            owner_id=owner_id,
            sort=sort,
            source=source,
            status=status,
        )

        return lead_in_list
