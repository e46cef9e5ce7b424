from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="CacheMemory")


@_attrs_define
class CacheMemory:
    """
    Attributes:
        max_bytes (int | None):
        policy (None | str):
        used_bytes (int | None):
    """

    max_bytes: int | None
    policy: None | str
    used_bytes: int | None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        max_bytes: int | None
        max_bytes = self.max_bytes

        policy: None | str
        policy = self.policy

        used_bytes: int | None
        used_bytes = self.used_bytes

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "max_bytes": max_bytes,
                "policy": policy,
                "used_bytes": used_bytes,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_max_bytes(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        max_bytes = _parse_max_bytes(d.pop("max_bytes"))

        def _parse_policy(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        policy = _parse_policy(d.pop("policy"))

        def _parse_used_bytes(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        used_bytes = _parse_used_bytes(d.pop("used_bytes"))

        cache_memory = cls(
            max_bytes=max_bytes,
            policy=policy,
            used_bytes=used_bytes,
        )

        cache_memory.additional_properties = d
        return cache_memory

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
