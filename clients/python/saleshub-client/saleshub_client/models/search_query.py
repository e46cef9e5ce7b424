from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.search_query_stage_type_0 import SearchQueryStageType0
from ..models.search_query_status_type_0 import SearchQueryStatusType0
from ..types import UNSET, Unset

T = TypeVar("T", bound="SearchQuery")


@_attrs_define
class SearchQuery:
    """
    Attributes:
        q (str):
        limit (int | Unset):  Default: 20.
        owner_id (int | None | Unset):
        stage (None | SearchQueryStageType0 | Unset):
        status (None | SearchQueryStatusType0 | Unset):
        types (None | str | Unset):
    """

    q: str
    limit: int | Unset = 20
    owner_id: int | None | Unset = UNSET
    stage: None | SearchQueryStageType0 | Unset = UNSET
    status: None | SearchQueryStatusType0 | Unset = UNSET
    types: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        q = self.q

        limit = self.limit

        owner_id: int | None | Unset
        if isinstance(self.owner_id, Unset):
            owner_id = UNSET
        else:
            owner_id = self.owner_id

        stage: None | str | Unset
        if isinstance(self.stage, Unset):
            stage = UNSET
        elif isinstance(self.stage, SearchQueryStageType0):
            stage = self.stage.value
        else:
            stage = self.stage

        status: None | str | Unset
        if isinstance(self.status, Unset):
            status = UNSET
        elif isinstance(self.status, SearchQueryStatusType0):
            status = self.status.value
        else:
            status = self.status

        types: None | str | Unset
        if isinstance(self.types, Unset):
            types = UNSET
        else:
            types = self.types

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "q": q,
            }
        )
        if limit is not UNSET:
            field_dict["limit"] = limit
        if owner_id is not UNSET:
            field_dict["owner_id"] = owner_id
        if stage is not UNSET:
            field_dict["stage"] = stage
        if status is not UNSET:
            field_dict["status"] = status
        if types is not UNSET:
            field_dict["types"] = types

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        q = d.pop("q")

        limit = d.pop("limit", UNSET)

        def _parse_owner_id(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        owner_id = _parse_owner_id(d.pop("owner_id", UNSET))

        def _parse_stage(data: object) -> None | SearchQueryStageType0 | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                stage_type_0 = SearchQueryStageType0(data)

                return stage_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | SearchQueryStageType0 | Unset, data)

        stage = _parse_stage(d.pop("stage", UNSET))

        def _parse_status(data: object) -> None | SearchQueryStatusType0 | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                status_type_0 = SearchQueryStatusType0(data)

                return status_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | SearchQueryStatusType0 | Unset, data)

        status = _parse_status(d.pop("status", UNSET))

        def _parse_types(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        types = _parse_types(d.pop("types", UNSET))

        search_query = cls(
            q=q,
            limit=limit,
            owner_id=owner_id,
            stage=stage,
            status=status,
            types=types,
        )

        return search_query
