from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="NotificationDelivery")


@_attrs_define
class NotificationDelivery:
    """
    Attributes:
        attempts (int):
        channel (str):
        id (int):
        last_error (None | str):
        notification_id (int):
        reason (None | str):
        send_after (datetime.datetime | None):
        status (str):
        user_id (int):
    """

    attempts: int
    channel: str
    id: int
    last_error: None | str
    notification_id: int
    reason: None | str
    send_after: datetime.datetime | None
    status: str
    user_id: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        attempts = self.attempts

        channel = self.channel

        id = self.id

        last_error: None | str
        last_error = self.last_error

        notification_id = self.notification_id

        reason: None | str
        reason = self.reason

        send_after: None | str
        if isinstance(self.send_after, datetime.datetime):
            send_after = self.send_after.isoformat()
        else:
            send_after = self.send_after

        status = self.status

        user_id = self.user_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "attempts": attempts,
                "channel": channel,
                "id": id,
                "last_error": last_error,
                "notification_id": notification_id,
                "reason": reason,
                "send_after": send_after,
                "status": status,
                "user_id": user_id,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        attempts = d.pop("attempts")

        channel = d.pop("channel")

        id = d.pop("id")

        def _parse_last_error(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        last_error = _parse_last_error(d.pop("last_error"))

        notification_id = d.pop("notification_id")

        def _parse_reason(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        reason = _parse_reason(d.pop("reason"))

        def _parse_send_after(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                send_after_type_0 = datetime.datetime.fromisoformat(data)

                return send_after_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        send_after = _parse_send_after(d.pop("send_after"))

        status = d.pop("status")

        user_id = d.pop("user_id")

        notification_delivery = cls(
            attempts=attempts,
            channel=channel,
            id=id,
            last_error=last_error,
            notification_id=notification_id,
            reason=reason,
            send_after=send_after,
            status=status,
            user_id=user_id,
        )

        notification_delivery.additional_properties = d
        return notification_delivery

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
