from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="AnalyticsQuery")


@_attrs_define
class AnalyticsQuery:
    """
    Attributes:
        days (int | Unset):  Default: 7.
        top (int | Unset):  Default: 10.
    """

    days: int | Unset = 7
    top: int | Unset = 10

    def to_dict(self) -> dict[str, Any]:
        days = self.days

        top = self.top

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if days is not UNSET:
            field_dict["days"] = days
        if top is not UNSET:
            field_dict["top"] = top

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        days = d.pop("days", UNSET)

        top = d.pop("top", UNSET)

        analytics_query = cls(
            days=days,
            top=top,
        )

        return analytics_query
