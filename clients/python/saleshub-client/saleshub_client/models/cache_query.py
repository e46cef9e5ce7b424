from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..models.cache_query_range import CacheQueryRange
from ..types import UNSET, Unset

T = TypeVar("T", bound="CacheQuery")


@_attrs_define
class CacheQuery:
    """
    Attributes:
        range_ (CacheQueryRange | Unset):  Default: CacheQueryRange.HOUR.
    """

    range_: CacheQueryRange | Unset = CacheQueryRange.HOUR

    def to_dict(self) -> dict[str, Any]:
        range_: str | Unset = UNSET
        if not isinstance(self.range_, Unset):
            range_ = self.range_.value

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if range_ is not UNSET:
            field_dict["range"] = range_

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        _range_ = d.pop("range", UNSET)
        range_: CacheQueryRange | Unset
        if isinstance(_range_, Unset):
            range_ = UNSET
        else:
            range_ = CacheQueryRange(_range_)

        cache_query = cls(
            range_=range_,
        )

        return cache_query
