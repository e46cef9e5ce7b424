from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.job_status import JobStatus
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.batch import Batch
    from ..models.job_params import JobParams
    from ..models.link import Link


T = TypeVar("T", bound="Job")


@_attrs_define
class Job:
    """A job as its org sees it; ``batch`` only on a batch's parent.

    Attributes:
        attempts (int):
        batch_id (None | UUID):
        created_at (datetime.datetime):
        dispatched_at (datetime.datetime | None):
        error (None | str):
        finished_at (datetime.datetime | None):
        id (UUID):
        links (Link): Where to read the item again.
        params (JobParams):
        progress (int):
        queue (str):
        result (Any):
        started_at (datetime.datetime | None):
        status (JobStatus): Where a job is in its life; ``failed`` spent its retries, ``dead`` was stopped by us.
        type_ (str):
        updated_at (datetime.datetime):
        batch (Batch | None | Unset):
        deduplicated (bool | Unset): a queued job of the same key Default: False.
    """

    attempts: int
    batch_id: None | UUID
    created_at: datetime.datetime
    dispatched_at: datetime.datetime | None
    error: None | str
    finished_at: datetime.datetime | None
    id: UUID
    links: Link
    params: JobParams
    progress: int
    queue: str
    result: Any
    started_at: datetime.datetime | None
    status: JobStatus
    type_: str
    updated_at: datetime.datetime
    batch: Batch | None | Unset = UNSET
    deduplicated: bool | Unset = False
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.batch import Batch  # noqa: PLC0415

        attempts = self.attempts

        batch_id: None | str
        if isinstance(self.batch_id, UUID):
            batch_id = str(self.batch_id)
        else:
            batch_id = self.batch_id

        created_at = self.created_at.isoformat()

        dispatched_at: None | str
        if isinstance(self.dispatched_at, datetime.datetime):
            dispatched_at = self.dispatched_at.isoformat()
        else:
            dispatched_at = self.dispatched_at

        error: None | str
        error = self.error

        finished_at: None | str
        if isinstance(self.finished_at, datetime.datetime):
            finished_at = self.finished_at.isoformat()
        else:
            finished_at = self.finished_at

        id = str(self.id)

        links = self.links.to_dict()

        params = self.params.to_dict()

        progress = self.progress

        queue = self.queue

        result = self.result

        started_at: None | str
        if isinstance(self.started_at, datetime.datetime):
            started_at = self.started_at.isoformat()
        else:
            started_at = self.started_at

        status = self.status.value

        type_ = self.type_

        updated_at = self.updated_at.isoformat()

        batch: dict[str, Any] | None | Unset
        if isinstance(self.batch, Unset):
            batch = UNSET
        elif isinstance(self.batch, Batch):
            batch = self.batch.to_dict()
        else:
            batch = self.batch

        deduplicated = self.deduplicated

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "attempts": attempts,
                "batch_id": batch_id,
                "created_at": created_at,
                "dispatched_at": dispatched_at,
                "error": error,
                "finished_at": finished_at,
                "id": id,
                "links": links,
                "params": params,
                "progress": progress,
                "queue": queue,
                "result": result,
                "started_at": started_at,
                "status": status,
                "type": type_,
                "updated_at": updated_at,
            }
        )
        if batch is not UNSET:
            field_dict["batch"] = batch
        if deduplicated is not UNSET:
            field_dict["deduplicated"] = deduplicated

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.batch import Batch  # noqa: PLC0415
        from ..models.job_params import JobParams  # noqa: PLC0415
        from ..models.link import Link  # noqa: PLC0415

        d = dict(src_dict)
        attempts = d.pop("attempts")

        def _parse_batch_id(data: object) -> None | UUID:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                batch_id_type_0 = UUID(data)

                return batch_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | UUID, data)

        batch_id = _parse_batch_id(d.pop("batch_id"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        def _parse_dispatched_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                dispatched_at_type_0 = datetime.datetime.fromisoformat(data)

                return dispatched_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        dispatched_at = _parse_dispatched_at(d.pop("dispatched_at"))

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

        id = UUID(d.pop("id"))

        links = Link.from_dict(d.pop("links"))

        params = JobParams.from_dict(d.pop("params"))

        progress = d.pop("progress")

        queue = d.pop("queue")

        result = d.pop("result")

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

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        def _parse_batch(data: object) -> Batch | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                batch_type_0 = Batch.from_dict(data)

                return batch_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(Batch | None | Unset, data)

        batch = _parse_batch(d.pop("batch", UNSET))

        deduplicated = d.pop("deduplicated", UNSET)

        job = cls(
            attempts=attempts,
            batch_id=batch_id,
            created_at=created_at,
            dispatched_at=dispatched_at,
            error=error,
            finished_at=finished_at,
            id=id,
            links=links,
            params=params,
            progress=progress,
            queue=queue,
            result=result,
            started_at=started_at,
            status=status,
            type_=type_,
            updated_at=updated_at,
            batch=batch,
            deduplicated=deduplicated,
        )

        job.additional_properties = d
        return job

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
