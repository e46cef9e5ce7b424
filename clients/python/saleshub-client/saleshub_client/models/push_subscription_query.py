from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="PushSubscriptionQuery")


@_attrs_define
class PushSubscriptionQuery:
    """
    Attributes:
        endpoint (str):
    """

    endpoint: str

    def to_dict(self) -> dict[str, Any]:
        endpoint = self.endpoint

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "endpoint": endpoint,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        endpoint = d.pop("endpoint")

        push_subscription_query = cls(
            endpoint=endpoint,
        )

        return push_subscription_query
