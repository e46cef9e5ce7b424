from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.activity_in_list_kind_type_0 import ActivityInListKindType0
from ..models.activity_in_list_sort import ActivityInListSort
from ..types import UNSET, Unset

T = TypeVar("T", bound="ActivityInList")


@_attrs_define
class ActivityInList:
    """
    Attributes:
        company_id (int | None | Unset):
        contact_id (int | None | Unset):
        cursor (None | str | Unset):
        deal_id (int | None | Unset):
        done (bool | None | Unset):
        kind (ActivityInListKindType0 | None | Unset):
        lead_id (int | None | Unset):
        limit (int | Unset):  Default: 50.
        owner_id (int | None | Unset):
        sort (ActivityInListSort | Unset):  Default: ActivityInListSort.VALUE_1.
    """

    company_id: int | None | Unset = UNSET
    contact_id: int | None | Unset = UNSET
    cursor: None | str | Unset = UNSET
    deal_id: int | None | Unset = UNSET
    done: bool | None | Unset = UNSET
    kind: ActivityInListKindType0 | None | Unset = UNSET
    lead_id: int | None | Unset = UNSET
    limit: int | Unset = 50
    owner_id: int | None | Unset = UNSET
    sort: ActivityInListSort | Unset = ActivityInListSort.VALUE_1

    def to_dict(self) -> dict[str, Any]:
        company_id: int | None | Unset
        if isinstance(self.company_id, Unset):
            company_id = UNSET
        else:
            company_id = self.company_id

        contact_id: int | None | Unset
        if isinstance(self.contact_id, Unset):
            contact_id = UNSET
        else:
            contact_id = self.contact_id

        cursor: None | str | Unset
        if isinstance(self.cursor, Unset):
            cursor = UNSET
        else:
            cursor = self.cursor

        deal_id: int | None | Unset
        if isinstance(self.deal_id, Unset):
            deal_id = UNSET
        else:
            deal_id = self.deal_id

        done: bool | None | Unset
        if isinstance(self.done, Unset):
            done = UNSET
        else:
            done = self.done

        kind: None | str | Unset
        if isinstance(self.kind, Unset):
            kind = UNSET
        elif isinstance(self.kind, ActivityInListKindType0):
            kind = self.kind.value
        else:
            kind = self.kind

        lead_id: int | None | Unset
        if isinstance(self.lead_id, Unset):
            lead_id = UNSET
        else:
            lead_id = self.lead_id

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
        if contact_id is not UNSET:
            field_dict["contact_id"] = contact_id
        if cursor is not UNSET:
            field_dict["cursor"] = cursor
        if deal_id is not UNSET:
            field_dict["deal_id"] = deal_id
        if done is not UNSET:
            field_dict["done"] = done
        if kind is not UNSET:
            field_dict["kind"] = kind
        if lead_id is not UNSET:
            field_dict["lead_id"] = lead_id
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

        def _parse_contact_id(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        contact_id = _parse_contact_id(d.pop("contact_id", UNSET))

        def _parse_cursor(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        cursor = _parse_cursor(d.pop("cursor", UNSET))

        def _parse_deal_id(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        deal_id = _parse_deal_id(d.pop("deal_id", UNSET))

        def _parse_done(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        done = _parse_done(d.pop("done", UNSET))

        def _parse_kind(data: object) -> ActivityInListKindType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                kind_type_0 = ActivityInListKindType0(data)

                return kind_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(ActivityInListKindType0 | None | Unset, data)

        kind = _parse_kind(d.pop("kind", UNSET))

        def _parse_lead_id(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        lead_id = _parse_lead_id(d.pop("lead_id", UNSET))

        limit = d.pop("limit", UNSET)

        def _parse_owner_id(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        owner_id = _parse_owner_id(d.pop("owner_id", UNSET))

        _sort = d.pop("sort", UNSET)
        sort: ActivityInListSort | Unset
        if isinstance(_sort, Unset):
            sort = UNSET
        else:
            sort = ActivityInListSort(_sort)

        activity_in_list = cls(
            company_id=company_id,
            contact_id=contact_id,
            cursor=cursor,
            deal_id=deal_id,
            done=done,
            kind=kind,
            lead_id=lead_id,
            limit=limit,
            owner_id=owner_id,
            sort=sort,
        )

        return activity_in_list
