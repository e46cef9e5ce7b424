from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.job_status import JobStatus

if TYPE_CHECKING:
    from ..models.ops_batch_callback import OpsBatchCallback
    from ..models.ops_batch_members import OpsBatchMembers


T = TypeVar("T", bound="OpsBatch")


@_attrs_define
class OpsBatch:
    """A batch of any org: the counters and members by status its org sees, and its org,
    parent and callback.

        Attributes:
            callback (None | OpsBatchCallback):
            callback_job_id (None | str):
            callback_staged_at (datetime.datetime | None):
            canceled (int):
            created_at (datetime.datetime):
            failed (int):
            finished_at (datetime.datetime | None):
            id (str):
            members (OpsBatchMembers):
            org_id (int | None):
            parent_id (None | str):
            pending (int):
            progress (int):
            status (JobStatus): Where a job is in its life; ``failed`` spent its retries, ``dead`` was stopped by us.
            succeeded (int):
            total (int):
            type_ (str):
            updated_at (datetime.datetime):
    """

    callback: None | OpsBatchCallback
    callback_job_id: None | str
    callback_staged_at: datetime.datetime | None
    canceled: int
    created_at: datetime.datetime
    failed: int
    finished_at: datetime.datetime | None
    id: str
    members: OpsBatchMembers
    org_id: int | None
    parent_id: None | str
    pending: int
    progress: int
    status: JobStatus
    succeeded: int
    total: int
    type_: str
    updated_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.ops_batch_callback import OpsBatchCallback  # noqa: PLC0415

        callback: dict[str, Any] | None
        if isinstance(self.callback, OpsBatchCallback):
            callback = self.callback.to_dict()
        else:
            callback = self.callback

        callback_job_id: None | str
        callback_job_id = self.callback_job_id

        callback_staged_at: None | str
        if isinstance(self.callback_staged_at, datetime.datetime):
            callback_staged_at = self.callback_staged_at.isoformat()
        else:
            callback_staged_at = self.callback_staged_at

        canceled = self.canceled

        created_at = self.created_at.isoformat()

        failed = self.failed

        finished_at: None | str
        if isinstance(self.finished_at, datetime.datetime):
            finished_at = self.finished_at.isoformat()
        else:
            finished_at = self.finished_at

        id = self.id

        members = self.members.to_dict()

        org_id: int | None
        org_id = self.org_id

        parent_id: None | str
        parent_id = self.parent_id

        pending = self.pending

        progress = self.progress

        status = self.status.value

        succeeded = self.succeeded

        total = self.total

        type_ = self.type_

        updated_at = self.updated_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "callback": callback,
                "callback_job_id": callback_job_id,
                "callback_staged_at": callback_staged_at,
                "canceled": canceled,
                "created_at": created_at,
                "failed": failed,
                "finished_at": finished_at,
                "id": id,
                "members": members,
                "org_id": org_id,
                "parent_id": parent_id,
                "pending": pending,
                "progress": progress,
                "status": status,
                "succeeded": succeeded,
                "total": total,
                "type": type_,
                "updated_at": updated_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.ops_batch_callback import OpsBatchCallback  # noqa: PLC0415
        from ..models.ops_batch_members import OpsBatchMembers  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_callback(data: object) -> None | OpsBatchCallback:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                callback_type_0 = OpsBatchCallback.from_dict(data)

                return callback_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | OpsBatchCallback, data)

        callback = _parse_callback(d.pop("callback"))

        def _parse_callback_job_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        callback_job_id = _parse_callback_job_id(d.pop("callback_job_id"))

        def _parse_callback_staged_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                callback_staged_at_type_0 = datetime.datetime.fromisoformat(data)

                return callback_staged_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        callback_staged_at = _parse_callback_staged_at(d.pop("callback_staged_at"))

        canceled = d.pop("canceled")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        failed = d.pop("failed")

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

        members = OpsBatchMembers.from_dict(d.pop("members"))

        def _parse_org_id(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        org_id = _parse_org_id(d.pop("org_id"))

        def _parse_parent_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        parent_id = _parse_parent_id(d.pop("parent_id"))

        pending = d.pop("pending")

        progress = d.pop("progress")

        status = JobStatus(d.pop("status"))

        succeeded = d.pop("succeeded")

        total = d.pop("total")

        type_ = d.pop("type")

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        ops_batch = cls(
            callback=callback,
            callback_job_id=callback_job_id,
            callback_staged_at=callback_staged_at,
            canceled=canceled,
            created_at=created_at,
            failed=failed,
            finished_at=finished_at,
            id=id,
            members=members,
            org_id=org_id,
            parent_id=parent_id,
            pending=pending,
            progress=progress,
            status=status,
            succeeded=succeeded,
            total=total,
            type_=type_,
            updated_at=updated_at,
        )

        ops_batch.additional_properties = d
        return ops_batch

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
