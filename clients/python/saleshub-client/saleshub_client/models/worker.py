from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.worker_running_item import WorkerRunningItem


T = TypeVar("T", bound="Worker")


@_attrs_define
class Worker:
    """A live worker (its own metadata besides these), with the jobs it runs now.

    Attributes:
        id (str):
        in_flight (int):
        last_heartbeat_age_seconds (float):
        running (list[WorkerRunningItem]):
    """

    id: str
    in_flight: int
    last_heartbeat_age_seconds: float
    running: list[WorkerRunningItem]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        in_flight = self.in_flight

        last_heartbeat_age_seconds = self.last_heartbeat_age_seconds

        running = []
        for running_item_data in self.running:
            running_item = running_item_data.to_dict()
            running.append(running_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "in_flight": in_flight,
                "last_heartbeat_age_seconds": last_heartbeat_age_seconds,
                "running": running,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.worker_running_item import WorkerRunningItem  # noqa: PLC0415

        d = dict(src_dict)
        id = d.pop("id")

        in_flight = d.pop("in_flight")

        last_heartbeat_age_seconds = d.pop("last_heartbeat_age_seconds")

        running = []
        _running = d.pop("running")
        for running_item_data in _running:
            running_item = WorkerRunningItem.from_dict(running_item_data)

            running.append(running_item)

        worker = cls(
            id=id,
            in_flight=in_flight,
            last_heartbeat_age_seconds=last_heartbeat_age_seconds,
            running=running,
        )

        worker.additional_properties = d
        return worker

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
