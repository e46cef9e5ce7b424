from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="SuggestQuery")


@_attrs_define
class SuggestQuery:
    """
    Attributes:
        q (str):
        limit (int | Unset):  Default: 10.
        types (None | str | Unset):
    """

    q: str
    limit: int | Unset = 10
    types: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        q = self.q

        limit = self.limit

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
        if types is not UNSET:
            field_dict["types"] = types

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        q = d.pop("q")

        limit = d.pop("limit", UNSET)

        def _parse_types(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        types = _parse_types(d.pop("types", UNSET))

        suggest_query = cls(
            q=q,
            limit=limit,
            types=types,
        )

        return suggest_query
