from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.minute_rates import MinuteRates
    from ..models.queue_figures import QueueFigures
    from ..models.worker import Worker


T = TypeVar("T", bound="Overview")


@_attrs_define
class Overview:
    """Queues, live workers and the last hour's per-minute counts.

    Attributes:
        queues (list[QueueFigures]):
        rates (list[MinuteRates]):
        ts (float):
        workers (list[Worker]):
    """

    queues: list[QueueFigures]
    rates: list[MinuteRates]
    ts: float
    workers: list[Worker]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        queues = []
        for queues_item_data in self.queues:
            queues_item = queues_item_data.to_dict()
            queues.append(queues_item)

        rates = []
        for rates_item_data in self.rates:
            rates_item = rates_item_data.to_dict()
            rates.append(rates_item)

        ts = self.ts

        workers = []
        for workers_item_data in self.workers:
            workers_item = workers_item_data.to_dict()
            workers.append(workers_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "queues": queues,
                "rates": rates,
                "ts": ts,
                "workers": workers,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.minute_rates import MinuteRates  # noqa: PLC0415
        from ..models.queue_figures import QueueFigures  # noqa: PLC0415
        from ..models.worker import Worker  # noqa: PLC0415

        d = dict(src_dict)
        queues = []
        _queues = d.pop("queues")
        for queues_item_data in _queues:
            queues_item = QueueFigures.from_dict(queues_item_data)

            queues.append(queues_item)

        rates = []
        _rates = d.pop("rates")
        for rates_item_data in _rates:
            rates_item = MinuteRates.from_dict(rates_item_data)

            rates.append(rates_item)

        ts = d.pop("ts")

        workers = []
        _workers = d.pop("workers")
        for workers_item_data in _workers:
            workers_item = Worker.from_dict(workers_item_data)

            workers.append(workers_item)

        overview = cls(
            queues=queues,
            rates=rates,
            ts=ts,
            workers=workers,
        )

        overview.additional_properties = d
        return overview

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
