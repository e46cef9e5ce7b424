from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="BulkOutcome")


@_attrs_define
class BulkOutcome:
    """``retried`` or ``purged``: how many dead letters the action took.

    Attributes:
        purged (int | None | Unset):
        retried (int | None | Unset):
    """

    purged: int | None | Unset = UNSET
    retried: int | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        purged: int | None | Unset
        if isinstance(self.purged, Unset):
            purged = UNSET
        else:
            purged = self.purged

        retried: int | None | Unset
        if isinstance(self.retried, Unset):
            retried = UNSET
        else:
            retried = self.retried

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if purged is not UNSET:
            field_dict["purged"] = purged
        if retried is not UNSET:
            field_dict["retried"] = retried

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_purged(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        purged = _parse_purged(d.pop("purged", UNSET))

        def _parse_retried(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        retried = _parse_retried(d.pop("retried", UNSET))

        bulk_outcome = cls(
            purged=purged,
            retried=retried,
        )

        bulk_outcome.additional_properties = d
        return bulk_outcome

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
