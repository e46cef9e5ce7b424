from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.relay_status import RelayStatus
from ..types import UNSET, Unset

T = TypeVar("T", bound="Relay")


@_attrs_define
class Relay:
    """The outbox relay: its lag and last heartbeat; ``unknown`` if none ever reported.

    Attributes:
        status (RelayStatus):
        error (None | str | Unset):
        lag_error (None | str | Unset):
        lag_s (float | None | Unset):
        last_heartbeat_age_s (float | None | Unset):
        restarts (int | None | Unset):
    """

    status: RelayStatus
    error: None | str | Unset = UNSET
    lag_error: None | str | Unset = UNSET
    lag_s: float | None | Unset = UNSET
    last_heartbeat_age_s: float | None | Unset = UNSET
    restarts: int | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        status = self.status.value

        error: None | str | Unset
        if isinstance(self.error, Unset):
            error = UNSET
        else:
            error = self.error

        lag_error: None | str | Unset
        if isinstance(self.lag_error, Unset):
            lag_error = UNSET
        else:
            lag_error = self.lag_error

        lag_s: float | None | Unset
        if isinstance(self.lag_s, Unset):
            lag_s = UNSET
        else:
            lag_s = self.lag_s

        last_heartbeat_age_s: float | None | Unset
        if isinstance(self.last_heartbeat_age_s, Unset):
            last_heartbeat_age_s = UNSET
        else:
            last_heartbeat_age_s = self.last_heartbeat_age_s

        restarts: int | None | Unset
        if isinstance(self.restarts, Unset):
            restarts = UNSET
        else:
            restarts = self.restarts

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "status": status,
            }
        )
        if error is not UNSET:
            field_dict["error"] = error
        if lag_error is not UNSET:
            field_dict["lag_error"] = lag_error
        if lag_s is not UNSET:
            field_dict["lag_s"] = lag_s
        if last_heartbeat_age_s is not UNSET:
            field_dict["last_heartbeat_age_s"] = last_heartbeat_age_s
        if restarts is not UNSET:
            field_dict["restarts"] = restarts

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        status = RelayStatus(d.pop("status"))

        def _parse_error(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        error = _parse_error(d.pop("error", UNSET))

        def _parse_lag_error(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        lag_error = _parse_lag_error(d.pop("lag_error", UNSET))

        def _parse_lag_s(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        lag_s = _parse_lag_s(d.pop("lag_s", UNSET))

        def _parse_last_heartbeat_age_s(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        last_heartbeat_age_s = _parse_last_heartbeat_age_s(d.pop("last_heartbeat_age_s", UNSET))

        def _parse_restarts(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        restarts = _parse_restarts(d.pop("restarts", UNSET))

        relay = cls(
            status=status,
            error=error,
            lag_error=lag_error,
            lag_s=lag_s,
            last_heartbeat_age_s=last_heartbeat_age_s,
            restarts=restarts,
        )

        relay.additional_properties = d
        return relay

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
