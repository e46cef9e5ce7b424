from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="InboxQuery")


@_attrs_define
class InboxQuery:
    """
    Attributes:
        cursor (int | None | Unset):
        limit (int | Unset):  Default: 50.
        unread (bool | Unset):  Default: False.
    """

    cursor: int | None | Unset = UNSET
    limit: int | Unset = 50
    unread: bool | Unset = False

    def to_dict(self) -> dict[str, Any]:
        cursor: int | None | Unset
        if isinstance(self.cursor, Unset):
            cursor = UNSET
        else:
            cursor = self.cursor

        limit = self.limit

        unread = self.unread

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if cursor is not UNSET:
            field_dict["cursor"] = cursor
        if limit is not UNSET:
            field_dict["limit"] = limit
        if unread is not UNSET:
            field_dict["unread"] = unread

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_cursor(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        cursor = _parse_cursor(d.pop("cursor", UNSET))

        limit = d.pop("limit", UNSET)

        unread = d.pop("unread", UNSET)

        inbox_query = cls(
            cursor=cursor,
            limit=limit,
            unread=unread,
        )

        return inbox_query
