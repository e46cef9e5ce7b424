from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.delivery_query_status_type_0 import DeliveryQueryStatusType0
from ..types import UNSET, Unset

T = TypeVar("T", bound="DeliveryQuery")


@_attrs_define
class DeliveryQuery:
    """
    Attributes:
        limit (int | Unset):  Default: 50.
        status (DeliveryQueryStatusType0 | None | Unset):
        user_id (int | None | Unset):
    """

    limit: int | Unset = 50
    status: DeliveryQueryStatusType0 | None | Unset = UNSET
    user_id: int | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        limit = self.limit

        status: None | str | Unset
        if isinstance(self.status, Unset):
            status = UNSET
        elif isinstance(self.status, DeliveryQueryStatusType0):
            status = self.status.value
        else:
            status = self.status

        user_id: int | None | Unset
        if isinstance(self.user_id, Unset):
            user_id = UNSET
        else:
            user_id = self.user_id

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if limit is not UNSET:
            field_dict["limit"] = limit
        if status is not UNSET:
            field_dict["status"] = status
        if user_id is not UNSET:
            field_dict["user_id"] = user_id

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        limit = d.pop("limit", UNSET)

        def _parse_status(data: object) -> DeliveryQueryStatusType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                status_type_0 = DeliveryQueryStatusType0(data)

                return status_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(DeliveryQueryStatusType0 | None | Unset, data)

        status = _parse_status(d.pop("status", UNSET))

        def _parse_user_id(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        user_id = _parse_user_id(d.pop("user_id", UNSET))

        delivery_query = cls(
            limit=limit,
            status=status,
            user_id=user_id,
        )

        return delivery_query
