from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.job_status import JobStatus
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.attempt import Attempt
    from ..models.ops_batch import OpsBatch
    from ..models.ops_job_detail_params import OpsJobDetailParams
    from ..models.ops_job_message import OpsJobMessage


T = TypeVar("T", bound="OpsJobDetail")


@_attrs_define
class OpsJobDetail:
    """One job: params, result, its message and the attempts timeline; ``batch`` if it is
    a batch, ``parent_batch`` if it is a member of one.

        Attributes:
            actor (str):
            attempts (int):
            attempts_timeline (list[Attempt]):
            cancelable (bool):
            created_at (datetime.datetime):
            created_by (int | None):
            dedupe_key (None | str):
            dispatched_at (datetime.datetime | None):
            error (None | str):
            finished_at (datetime.datetime | None):
            id (str):
            message (OpsJobMessage):
            org_id (int | None):
            params (OpsJobDetailParams):
            progress (int):
            queue (str):
            result (Any):
            retryable (bool):
            schedule_id (None | str):
            started_at (datetime.datetime | None):
            status (JobStatus): Where a job is in its life; ``failed`` spent its retries, ``dead`` was stopped by us.
            type_ (str):
            updated_at (datetime.datetime):
            batch (None | OpsBatch | Unset):
            parent_batch (None | OpsBatch | Unset):
    """

    actor: str
    attempts: int
    attempts_timeline: list[Attempt]
    cancelable: bool
    created_at: datetime.datetime
    created_by: int | None
    dedupe_key: None | str
    dispatched_at: datetime.datetime | None
    error: None | str
    finished_at: datetime.datetime | None
    id: str
    message: OpsJobMessage
    org_id: int | None
    params: OpsJobDetailParams
    progress: int
    queue: str
    result: Any
    retryable: bool
    schedule_id: None | str
    started_at: datetime.datetime | None
    status: JobStatus
    type_: str
    updated_at: datetime.datetime
    batch: None | OpsBatch | Unset = UNSET
    parent_batch: None | OpsBatch | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.ops_batch import OpsBatch  # noqa: PLC0415

        actor = self.actor

        attempts = self.attempts

        attempts_timeline = []
        for attempts_timeline_item_data in self.attempts_timeline:
            attempts_timeline_item = attempts_timeline_item_data.to_dict()
            attempts_timeline.append(attempts_timeline_item)

        cancelable = self.cancelable

        created_at = self.created_at.isoformat()

        created_by: int | None
        created_by = self.created_by

        dedupe_key: None | str
        dedupe_key = self.dedupe_key

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

        id = self.id

        message = self.message.to_dict()

        org_id: int | None
        org_id = self.org_id

        params = self.params.to_dict()

        progress = self.progress

        queue = self.queue

        result = self.result

        retryable = self.retryable

        schedule_id: None | str
        schedule_id = self.schedule_id

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
        elif isinstance(self.batch, OpsBatch):
            batch = self.batch.to_dict()
        else:
            batch = self.batch

        parent_batch: dict[str, Any] | None | Unset
        if isinstance(self.parent_batch, Unset):
            parent_batch = UNSET
        elif isinstance(self.parent_batch, OpsBatch):
            parent_batch = self.parent_batch.to_dict()
        else:
            parent_batch = self.parent_batch

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "actor": actor,
                "attempts": attempts,
                "attempts_timeline": attempts_timeline,
                "cancelable": cancelable,
                "created_at": created_at,
                "created_by": created_by,
                "dedupe_key": dedupe_key,
                "dispatched_at": dispatched_at,
                "error": error,
                "finished_at": finished_at,
                "id": id,
                "message": message,
                "org_id": org_id,
                "params": params,
                "progress": progress,
                "queue": queue,
                "result": result,
                "retryable": retryable,
                "schedule_id": schedule_id,
                "started_at": started_at,
                "status": status,
                "type": type_,
                "updated_at": updated_at,
            }
        )
        if batch is not UNSET:
            field_dict["batch"] = batch
        if parent_batch is not UNSET:
            field_dict["parent_batch"] = parent_batch

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.attempt import Attempt  # noqa: PLC0415
        from ..models.ops_batch import OpsBatch  # noqa: PLC0415
        from ..models.ops_job_detail_params import OpsJobDetailParams  # noqa: PLC0415
        from ..models.ops_job_message import OpsJobMessage  # noqa: PLC0415

        d = dict(src_dict)
        actor = d.pop("actor")

        attempts = d.pop("attempts")

        attempts_timeline = []
        _attempts_timeline = d.pop("attempts_timeline")
        for attempts_timeline_item_data in _attempts_timeline:
            attempts_timeline_item = Attempt.from_dict(attempts_timeline_item_data)

            attempts_timeline.append(attempts_timeline_item)

        cancelable = d.pop("cancelable")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        def _parse_created_by(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        created_by = _parse_created_by(d.pop("created_by"))

        def _parse_dedupe_key(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        dedupe_key = _parse_dedupe_key(d.pop("dedupe_key"))

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

        id = d.pop("id")

        message = OpsJobMessage.from_dict(d.pop("message"))

        def _parse_org_id(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        org_id = _parse_org_id(d.pop("org_id"))

        params = OpsJobDetailParams.from_dict(d.pop("params"))

        progress = d.pop("progress")

        queue = d.pop("queue")

        result = d.pop("result")

        retryable = d.pop("retryable")

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

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        def _parse_batch(data: object) -> None | OpsBatch | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                batch_type_0 = OpsBatch.from_dict(data)

                return batch_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | OpsBatch | Unset, data)

        batch = _parse_batch(d.pop("batch", UNSET))

        def _parse_parent_batch(data: object) -> None | OpsBatch | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                parent_batch_type_0 = OpsBatch.from_dict(data)

                return parent_batch_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | OpsBatch | Unset, data)

        parent_batch = _parse_parent_batch(d.pop("parent_batch", UNSET))

        ops_job_detail = cls(
            actor=actor,
            attempts=attempts,
            attempts_timeline=attempts_timeline,
            cancelable=cancelable,
            created_at=created_at,
            created_by=created_by,
            dedupe_key=dedupe_key,
            dispatched_at=dispatched_at,
            error=error,
            finished_at=finished_at,
            id=id,
            message=message,
            org_id=org_id,
            params=params,
            progress=progress,
            queue=queue,
            result=result,
            retryable=retryable,
            schedule_id=schedule_id,
            started_at=started_at,
            status=status,
            type_=type_,
            updated_at=updated_at,
            batch=batch,
            parent_batch=parent_batch,
        )

        ops_job_detail.additional_properties = d
        return ops_job_detail

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
