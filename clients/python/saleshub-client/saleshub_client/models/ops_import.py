from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.ops_import_members import OpsImportMembers


T = TypeVar("T", bound="OpsImport")


@_attrs_define
class OpsImport:
    """An import of any org and how far it got: rows read, committed (created, updated or
    unchanged) and rejected so far, its batch's progress and members by status.

        Attributes:
            committed (int):
            created (int):
            created_at (datetime.datetime):
            dry_run (bool):
            error (None | str):
            filename (str):
            finished_at (datetime.datetime | None):
            id (str):
            job_id (None | str):
            members (OpsImportMembers):
            org_id (int):
            progress (int | None):
            rejected (int):
            rows_read (int):
            started_at (datetime.datetime | None):
            status (str):
            type_ (str):
            unchanged (int):
            updated (int):
            updated_at (datetime.datetime):
    """

    committed: int
    created: int
    created_at: datetime.datetime
    dry_run: bool
    error: None | str
    filename: str
    finished_at: datetime.datetime | None
    id: str
    job_id: None | str
    members: OpsImportMembers
    org_id: int
    progress: int | None
    rejected: int
    rows_read: int
    started_at: datetime.datetime | None
    status: str
    type_: str
    unchanged: int
    updated: int
    updated_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        committed = self.committed

        created = self.created

        created_at = self.created_at.isoformat()

        dry_run = self.dry_run

        error: None | str
        error = self.error

        filename = self.filename

        finished_at: None | str
        if isinstance(self.finished_at, datetime.datetime):
            finished_at = self.finished_at.isoformat()
        else:
            finished_at = self.finished_at

        id = self.id

        job_id: None | str
        job_id = self.job_id

        members = self.members.to_dict()

        org_id = self.org_id

        progress: int | None
        progress = self.progress

        rejected = self.rejected

        rows_read = self.rows_read

        started_at: None | str
        if isinstance(self.started_at, datetime.datetime):
            started_at = self.started_at.isoformat()
        else:
            started_at = self.started_at

        status = self.status

        type_ = self.type_

        unchanged = self.unchanged

        updated = self.updated

        updated_at = self.updated_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "committed": committed,
                "created": created,
                "created_at": created_at,
                "dry_run": dry_run,
                "error": error,
                "filename": filename,
                "finished_at": finished_at,
                "id": id,
                "job_id": job_id,
                "members": members,
                "org_id": org_id,
                "progress": progress,
                "rejected": rejected,
                "rows_read": rows_read,
                "started_at": started_at,
                "status": status,
                "type": type_,
                "unchanged": unchanged,
                "updated": updated,
                "updated_at": updated_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.ops_import_members import OpsImportMembers  # noqa: PLC0415

        d = dict(src_dict)
        committed = d.pop("committed")

        created = d.pop("created")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        dry_run = d.pop("dry_run")

        def _parse_error(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        error = _parse_error(d.pop("error"))

        filename = d.pop("filename")

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

        def _parse_job_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        job_id = _parse_job_id(d.pop("job_id"))

        members = OpsImportMembers.from_dict(d.pop("members"))

        org_id = d.pop("org_id")

        def _parse_progress(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        progress = _parse_progress(d.pop("progress"))

        rejected = d.pop("rejected")

        rows_read = d.pop("rows_read")

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

        status = d.pop("status")

        type_ = d.pop("type")

        unchanged = d.pop("unchanged")

        updated = d.pop("updated")

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        ops_import = cls(
            committed=committed,
            created=created,
            created_at=created_at,
            dry_run=dry_run,
            error=error,
            filename=filename,
            finished_at=finished_at,
            id=id,
            job_id=job_id,
            members=members,
            org_id=org_id,
            progress=progress,
            rejected=rejected,
            rows_read=rows_read,
            started_at=started_at,
            status=status,
            type_=type_,
            unchanged=unchanged,
            updated=updated,
            updated_at=updated_at,
        )

        ops_import.additional_properties = d
        return ops_import

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
