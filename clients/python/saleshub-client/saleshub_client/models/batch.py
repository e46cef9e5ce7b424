from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.batch_members import BatchMembers


T = TypeVar("T", bound="Batch")


@_attrs_define
class Batch:
    """A batch's counters, progress and members by status.

    Attributes:
        callback_job_id (None | str):
        callback_staged_at (datetime.datetime | None):
        canceled (int):
        failed (int):
        members (BatchMembers):
        pending (int):
        progress (int):
        succeeded (int):
        total (int):
    """

    callback_job_id: None | str
    callback_staged_at: datetime.datetime | None
    canceled: int
    failed: int
    members: BatchMembers
    pending: int
    progress: int
    succeeded: int
    total: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        callback_job_id: None | str
        callback_job_id = self.callback_job_id

        callback_staged_at: None | str
        if isinstance(self.callback_staged_at, datetime.datetime):
            callback_staged_at = self.callback_staged_at.isoformat()
        else:
            callback_staged_at = self.callback_staged_at

        canceled = self.canceled

        failed = self.failed

        members = self.members.to_dict()

        pending = self.pending

        progress = self.progress

        succeeded = self.succeeded

        total = self.total

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "callback_job_id": callback_job_id,
                "callback_staged_at": callback_staged_at,
                "canceled": canceled,
                "failed": failed,
                "members": members,
                "pending": pending,
                "progress": progress,
                "succeeded": succeeded,
                "total": total,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.batch_members import BatchMembers  # noqa: PLC0415

        d = dict(src_dict)

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

        failed = d.pop("failed")

        members = BatchMembers.from_dict(d.pop("members"))

        pending = d.pop("pending")

        progress = d.pop("progress")

        succeeded = d.pop("succeeded")

        total = d.pop("total")

        batch = cls(
            callback_job_id=callback_job_id,
            callback_staged_at=callback_staged_at,
            canceled=canceled,
            failed=failed,
            members=members,
            pending=pending,
            progress=progress,
            succeeded=succeeded,
            total=total,
        )

        batch.additional_properties = d
        return batch

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
