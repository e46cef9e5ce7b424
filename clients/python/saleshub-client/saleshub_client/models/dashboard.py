from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.dashboard_source import DashboardSource

if TYPE_CHECKING:
    from ..models.dashboard_pipeline import DashboardPipeline
    from ..models.day_count import DayCount


T = TypeVar("T", bound="Dashboard")


@_attrs_define
class Dashboard:
    """Pipeline by stage, win rate, new leads and activities per day (30 days).

    Attributes:
        activities_per_day (list[DayCount]):
        computed_at (datetime.datetime | None):
        new_leads_per_day (list[DayCount]):
        pipeline (DashboardPipeline):
        source (DashboardSource):
        win_rate (float | None):
    """

    activities_per_day: list[DayCount]
    computed_at: datetime.datetime | None
    new_leads_per_day: list[DayCount]
    pipeline: DashboardPipeline
    source: DashboardSource
    win_rate: float | None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        activities_per_day = []
        for activities_per_day_item_data in self.activities_per_day:
            activities_per_day_item = activities_per_day_item_data.to_dict()
            activities_per_day.append(activities_per_day_item)

        computed_at: None | str
        if isinstance(self.computed_at, datetime.datetime):
            computed_at = self.computed_at.isoformat()
        else:
            computed_at = self.computed_at

        new_leads_per_day = []
        for new_leads_per_day_item_data in self.new_leads_per_day:
            new_leads_per_day_item = new_leads_per_day_item_data.to_dict()
            new_leads_per_day.append(new_leads_per_day_item)

        pipeline = self.pipeline.to_dict()

        source = self.source.value

        win_rate: float | None
        win_rate = self.win_rate

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "activities_per_day": activities_per_day,
                "computed_at": computed_at,
                "new_leads_per_day": new_leads_per_day,
                "pipeline": pipeline,
                "source": source,
                "win_rate": win_rate,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.dashboard_pipeline import DashboardPipeline  # noqa: PLC0415
        from ..models.day_count import DayCount  # noqa: PLC0415

        d = dict(src_dict)
        activities_per_day = []
        _activities_per_day = d.pop("activities_per_day")
        for activities_per_day_item_data in _activities_per_day:
            activities_per_day_item = DayCount.from_dict(activities_per_day_item_data)

            activities_per_day.append(activities_per_day_item)

        def _parse_computed_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                computed_at_type_0 = datetime.datetime.fromisoformat(data)

                return computed_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        computed_at = _parse_computed_at(d.pop("computed_at"))

        new_leads_per_day = []
        _new_leads_per_day = d.pop("new_leads_per_day")
        for new_leads_per_day_item_data in _new_leads_per_day:
            new_leads_per_day_item = DayCount.from_dict(new_leads_per_day_item_data)

            new_leads_per_day.append(new_leads_per_day_item)

        pipeline = DashboardPipeline.from_dict(d.pop("pipeline"))

        source = DashboardSource(d.pop("source"))

        def _parse_win_rate(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        win_rate = _parse_win_rate(d.pop("win_rate"))

        dashboard = cls(
            activities_per_day=activities_per_day,
            computed_at=computed_at,
            new_leads_per_day=new_leads_per_day,
            pipeline=pipeline,
            source=source,
            win_rate=win_rate,
        )

        dashboard.additional_properties = d
        return dashboard

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
