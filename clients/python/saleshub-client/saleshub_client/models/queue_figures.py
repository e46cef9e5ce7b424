from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="QueueFigures")


@_attrs_define
class QueueFigures:
    """
    Attributes:
        dead (int):
        delayed (int):
        failed_last_minute (int):
        in_flight (int):
        name (str):
        oldest_age_seconds (float | None):
        paused (bool):
        pool (str):
        processed_last_minute (int):
        ready (int):
    """

    dead: int
    delayed: int
    failed_last_minute: int
    in_flight: int
    name: str
    oldest_age_seconds: float | None
    paused: bool
    pool: str
    processed_last_minute: int
    ready: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        dead = self.dead

        delayed = self.delayed

        failed_last_minute = self.failed_last_minute

        in_flight = self.in_flight

        name = self.name

        oldest_age_seconds: float | None
        oldest_age_seconds = self.oldest_age_seconds

        paused = self.paused

        pool = self.pool

        processed_last_minute = self.processed_last_minute

        ready = self.ready

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "dead": dead,
                "delayed": delayed,
                "failed_last_minute": failed_last_minute,
                "in_flight": in_flight,
                "name": name,
                "oldest_age_seconds": oldest_age_seconds,
                "paused": paused,
                "pool": pool,
                "processed_last_minute": processed_last_minute,
                "ready": ready,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        dead = d.pop("dead")

        delayed = d.pop("delayed")

        failed_last_minute = d.pop("failed_last_minute")

        in_flight = d.pop("in_flight")

        name = d.pop("name")

        def _parse_oldest_age_seconds(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        oldest_age_seconds = _parse_oldest_age_seconds(d.pop("oldest_age_seconds"))

        paused = d.pop("paused")

        pool = d.pop("pool")

        processed_last_minute = d.pop("processed_last_minute")

        ready = d.pop("ready")

        queue_figures = cls(
            dead=dead,
            delayed=delayed,
            failed_last_minute=failed_last_minute,
            in_flight=in_flight,
            name=name,
            oldest_age_seconds=oldest_age_seconds,
            paused=paused,
            pool=pool,
            processed_last_minute=processed_last_minute,
            ready=ready,
        )

        queue_figures.additional_properties = d
        return queue_figures

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
