from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.deal_in_list_sort import DealInListSort
from ..models.deal_in_list_stage_type_0 import DealInListStageType0
from ..types import UNSET, Unset

T = TypeVar("T", bound="DealInList")


@_attrs_define
class DealInList:
    """
    Attributes:
        company_id (int | None | Unset):
        contact_id (int | None | Unset):
        cursor (None | str | Unset):
        limit (int | Unset):  Default: 50.
        owner_id (int | None | Unset):
        sort (DealInListSort | Unset):  Default: DealInListSort.VALUE_1.
        stage (DealInListStageType0 | None | Unset):
    """

    company_id: int | None | Unset = UNSET
    contact_id: int | None | Unset = UNSET
    cursor: None | str | Unset = UNSET
    limit: int | Unset = 50
    owner_id: int | None | Unset = UNSET
    sort: DealInListSort | Unset = DealInListSort.VALUE_1
    stage: DealInListStageType0 | None | Unset = UNSET

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

        limit = self.limit

        owner_id: int | None | Unset
        if isinstance(self.owner_id, Unset):
            owner_id = UNSET
        else:
            owner_id = self.owner_id

        sort: str | Unset = UNSET
        if not isinstance(self.sort, Unset):
            sort = self.sort.value

        stage: None | str | Unset
        if isinstance(self.stage, Unset):
            stage = UNSET
        elif isinstance(self.stage, DealInListStageType0):
            stage = self.stage.value
        else:
            stage = self.stage

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if company_id is not UNSET:
            field_dict["company_id"] = company_id
        if contact_id is not UNSET:
            field_dict["contact_id"] = contact_id
        if cursor is not UNSET:
            field_dict["cursor"] = cursor
        if limit is not UNSET:
            field_dict["limit"] = limit
        if owner_id is not UNSET:
            field_dict["owner_id"] = owner_id
        if sort is not UNSET:
            field_dict["sort"] = sort
        if stage is not UNSET:
            field_dict["stage"] = stage

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

        limit = d.pop("limit", UNSET)

        def _parse_owner_id(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        owner_id = _parse_owner_id(d.pop("owner_id", UNSET))

        _sort = d.pop("sort", UNSET)
        sort: DealInListSort | Unset
        if isinstance(_sort, Unset):
            sort = UNSET
        else:
            sort = DealInListSort(_sort)

        def _parse_stage(data: object) -> DealInListStageType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                stage_type_0 = DealInListStageType0(data)

                return stage_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(DealInListStageType0 | None | Unset, data)

        stage = _parse_stage(d.pop("stage", UNSET))

        deal_in_list = cls(
            company_id=company_id,
            contact_id=contact_id,
            cursor=cursor,
            limit=limit,
            owner_id=owner_id,
            sort=sort,
            stage=stage,
        )

        return deal_in_list
