from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="RotateIn")


@_attrs_define
class RotateIn:
    """
    Attributes:
        overlap_s (int | None | Unset):
    """

    overlap_s: int | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        overlap_s: int | None | Unset
        if isinstance(self.overlap_s, Unset):
            overlap_s = UNSET
        else:
            overlap_s = self.overlap_s

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if overlap_s is not UNSET:
            field_dict["overlap_s"] = overlap_s

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_overlap_s(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        overlap_s = _parse_overlap_s(d.pop("overlap_s", UNSET))

        rotate_in = cls(
            overlap_s=overlap_s,
        )

        return rotate_in
