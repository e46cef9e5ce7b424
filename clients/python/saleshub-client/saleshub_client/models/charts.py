from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.charts_actors_item import ChartsActorsItem
    from ..models.charts_depth import ChartsDepth
    from ..models.charts_latency import ChartsLatency
    from ..models.charts_throughput import ChartsThroughput


T = TypeVar("T", bound="Charts")


@_attrs_define
class Charts:
    """Series on the time axis ``t`` (seconds): throughput, latency and depth per queue.

    Attributes:
        actors (list[ChartsActorsItem]):
        depth (ChartsDepth):
        latency (ChartsLatency):
        queues (list[str]):
        range_ (str):
        step_s (int):
        t (list[int]):
        throughput (ChartsThroughput):
    """

    actors: list[ChartsActorsItem]
    depth: ChartsDepth
    latency: ChartsLatency
    queues: list[str]
    range_: str
    step_s: int
    t: list[int]
    throughput: ChartsThroughput
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        actors = []
        for actors_item_data in self.actors:
            actors_item = actors_item_data.to_dict()
            actors.append(actors_item)

        depth = self.depth.to_dict()

        latency = self.latency.to_dict()

        queues = self.queues

        range_ = self.range_

        step_s = self.step_s

        t = self.t

        throughput = self.throughput.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "actors": actors,
                "depth": depth,
                "latency": latency,
                "queues": queues,
                "range": range_,
                "step_s": step_s,
                "t": t,
                "throughput": throughput,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.charts_actors_item import ChartsActorsItem  # noqa: PLC0415
        from ..models.charts_depth import ChartsDepth  # noqa: PLC0415
        from ..models.charts_latency import ChartsLatency  # noqa: PLC0415
        from ..models.charts_throughput import ChartsThroughput  # noqa: PLC0415

        d = dict(src_dict)
        actors = []
        _actors = d.pop("actors")
        for actors_item_data in _actors:
            actors_item = ChartsActorsItem.from_dict(actors_item_data)

            actors.append(actors_item)

        depth = ChartsDepth.from_dict(d.pop("depth"))

        latency = ChartsLatency.from_dict(d.pop("latency"))

        queues = cast(list[str], d.pop("queues"))

        range_ = d.pop("range")

        step_s = d.pop("step_s")

        t = cast(list[int], d.pop("t"))

        throughput = ChartsThroughput.from_dict(d.pop("throughput"))

        charts = cls(
            actors=actors,
            depth=depth,
            latency=latency,
            queues=queues,
            range_=range_,
            step_s=step_s,
            t=t,
            throughput=throughput,
        )

        charts.additional_properties = d
        return charts

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
