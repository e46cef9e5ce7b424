from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.schedule_entry_last_fires_item import ScheduleEntryLastFiresItem


T = TypeVar("T", bound="ScheduleEntry")


@_attrs_define
class ScheduleEntry:
    """
    Attributes:
        actor (str):
        every_s (float):
        id (str):
        job_type (str):
        last_fires (list[ScheduleEntryLastFiresItem]):
        last_run (datetime.datetime | None):
        last_status (None | str):
        next_run (float):
        paused (bool):
        per_org (bool):
        queue (str):
        trigger (str):
    """

    actor: str
    every_s: float
    id: str
    job_type: str
    last_fires: list[ScheduleEntryLastFiresItem]
    last_run: datetime.datetime | None
    last_status: None | str
    next_run: float
    paused: bool
    per_org: bool
    queue: str
    trigger: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        actor = self.actor

        every_s = self.every_s

        id = self.id

        job_type = self.job_type

        last_fires = []
        for last_fires_item_data in self.last_fires:
            last_fires_item = last_fires_item_data.to_dict()
            last_fires.append(last_fires_item)

        last_run: None | str
        if isinstance(self.last_run, datetime.datetime):
            last_run = self.last_run.isoformat()
        else:
            last_run = self.last_run

        last_status: None | str
        last_status = self.last_status

        next_run = self.next_run

        paused = self.paused

        per_org = self.per_org

        queue = self.queue

        trigger = self.trigger

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "actor": actor,
                "every_s": every_s,
                "id": id,
                "job_type": job_type,
                "last_fires": last_fires,
                "last_run": last_run,
                "last_status": last_status,
                "next_run": next_run,
                "paused": paused,
                "per_org": per_org,
                "queue": queue,
                "trigger": trigger,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.schedule_entry_last_fires_item import ScheduleEntryLastFiresItem  # noqa: PLC0415

        d = dict(src_dict)
        actor = d.pop("actor")

        every_s = d.pop("every_s")

        id = d.pop("id")

        job_type = d.pop("job_type")

        last_fires = []
        _last_fires = d.pop("last_fires")
        for last_fires_item_data in _last_fires:
            last_fires_item = ScheduleEntryLastFiresItem.from_dict(last_fires_item_data)

            last_fires.append(last_fires_item)

        def _parse_last_run(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                last_run_type_0 = datetime.datetime.fromisoformat(data)

                return last_run_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        last_run = _parse_last_run(d.pop("last_run"))

        def _parse_last_status(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        last_status = _parse_last_status(d.pop("last_status"))

        next_run = d.pop("next_run")

        paused = d.pop("paused")

        per_org = d.pop("per_org")

        queue = d.pop("queue")

        trigger = d.pop("trigger")

        schedule_entry = cls(
            actor=actor,
            every_s=every_s,
            id=id,
            job_type=job_type,
            last_fires=last_fires,
            last_run=last_run,
            last_status=last_status,
            next_run=next_run,
            paused=paused,
            per_org=per_org,
            queue=queue,
            trigger=trigger,
        )

        schedule_entry.additional_properties = d
        return schedule_entry

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
