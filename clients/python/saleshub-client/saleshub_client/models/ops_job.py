from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.job_status import JobStatus

T = TypeVar("T", bound="OpsJob")


@_attrs_define
class OpsJob:
    """A job of any org, as the explorer lists it.

    Attributes:
        actor (str):
        attempts (int):
        created_at (datetime.datetime):
        error (None | str):
        finished_at (datetime.datetime | None):
        id (str):
        org_id (int | None):
        progress (int):
        queue (str):
        schedule_id (None | str):
        started_at (datetime.datetime | None):
        status (JobStatus): Where a job is in its life; ``failed`` spent its retries, ``dead`` was stopped by us.
        type_ (str):
    """

    actor: str
    attempts: int
    created_at: datetime.datetime
    error: None | str
    finished_at: datetime.datetime | None
    id: str
    org_id: int | None
    progress: int
    queue: str
    schedule_id: None | str
    started_at: datetime.datetime | None
    status: JobStatus
    type_: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        actor = self.actor

        attempts = self.attempts

        created_at = self.created_at.isoformat()

        error: None | str
        error = self.error

        finished_at: None | str
        if isinstance(self.finished_at, datetime.datetime):
            finished_at = self.finished_at.isoformat()
        else:
            finished_at = self.finished_at

        id = self.id

        org_id: int | None
        org_id = self.org_id

        progress = self.progress

        queue = self.queue

        schedule_id: None | str
        schedule_id = self.schedule_id

        started_at: None | str
        if isinstance(self.started_at, datetime.datetime):
            started_at = self.started_at.isoformat()
        else:
            started_at = self.started_at

        status = self.status.value

        type_ = self.type_

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "actor": actor,
                "attempts": attempts,
                "created_at": created_at,
                "error": error,
                "finished_at": finished_at,
                "id": id,
                "org_id": org_id,
                "progress": progress,
                "queue": queue,
                "schedule_id": schedule_id,
                "started_at": started_at,
                "status": status,
                "type": type_,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        actor = d.pop("actor")

        attempts = d.pop("attempts")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        def _parse_error(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        error = _parse_error(d.pop("error"))

        def _parse_finished_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                finished_at_type_0 = datetime.datetime.fromisoformat(data)

                return finished_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        finished_at = _parse_finished_at(d.pop("finished_at"))

        id = d.pop("id")

        def _parse_org_id(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        org_id = _parse_org_id(d.pop("org_id"))

        progress = d.pop("progress")

        queue = d.pop("queue")

        def _parse_schedule_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        schedule_id = _parse_schedule_id(d.pop("schedule_id"))

        def _parse_started_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                started_at_type_0 = datetime.datetime.fromisoformat(data)

                return started_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        started_at = _parse_started_at(d.pop("started_at"))

        status = JobStatus(d.pop("status"))

        type_ = d.pop("type")

        ops_job = cls(
            actor=actor,
            attempts=attempts,
            created_at=created_at,
            error=error,
            finished_at=finished_at,
            id=id,
            org_id=org_id,
            progress=progress,
            queue=queue,
            schedule_id=schedule_id,
            started_at=started_at,
            status=status,
            type_=type_,
        )

        ops_job.additional_properties = d
        return ops_job

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
