from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.link import Link


T = TypeVar("T", bound="Import")


@_attrs_define
class Import:
    """An import, its totals so far and, once finished, where its rejection report is.

    Attributes:
        created (int):
        created_at (datetime.datetime):
        dry_run (bool):
        error (None | str):
        filename (None | str):
        finished_at (datetime.datetime | None):
        id (UUID):
        job_id (None | UUID):
        key (None | str):
        links (Link): Where to read the item again.
        progress (int | None):
        rejected (int):
        report_url (None | str):
        rows_read (int):
        status (str):
        type_ (str):
        unchanged (int):
        updated (int):
    """

    created: int
    created_at: datetime.datetime
    dry_run: bool
    error: None | str
    filename: None | str
    finished_at: datetime.datetime | None
    id: UUID
    job_id: None | UUID
    key: None | str
    links: Link
    progress: int | None
    rejected: int
    report_url: None | str
    rows_read: int
    status: str
    type_: str
    unchanged: int
    updated: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        created = self.created

        created_at = self.created_at.isoformat()

        dry_run = self.dry_run

        error: None | str
        error = self.error

        filename: None | str
        filename = self.filename

        finished_at: None | str
        if isinstance(self.finished_at, datetime.datetime):
            finished_at = self.finished_at.isoformat()
        else:
            finished_at = self.finished_at

        id = str(self.id)

        job_id: None | str
        if isinstance(self.job_id, UUID):
            job_id = str(self.job_id)
        else:
            job_id = self.job_id

        key: None | str
        key = self.key

        links = self.links.to_dict()

        progress: int | None
        progress = self.progress

        rejected = self.rejected

        report_url: None | str
        report_url = self.report_url

        rows_read = self.rows_read

        status = self.status

        type_ = self.type_

        unchanged = self.unchanged

        updated = self.updated

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "created": created,
                "created_at": created_at,
                "dry_run": dry_run,
                "error": error,
                "filename": filename,
                "finished_at": finished_at,
                "id": id,
                "job_id": job_id,
                "key": key,
                "links": links,
                "progress": progress,
                "rejected": rejected,
                "report_url": report_url,
                "rows_read": rows_read,
                "status": status,
                "type": type_,
                "unchanged": unchanged,
                "updated": updated,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.link import Link  # noqa: PLC0415

        d = dict(src_dict)
        created = d.pop("created")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        dry_run = d.pop("dry_run")

        def _parse_error(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        error = _parse_error(d.pop("error"))

        def _parse_filename(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        filename = _parse_filename(d.pop("filename"))

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

        def _parse_job_id(data: object) -> None | UUID:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                job_id_type_0 = UUID(data)

                return job_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | UUID, data)

        job_id = _parse_job_id(d.pop("job_id"))

        def _parse_key(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        key = _parse_key(d.pop("key"))

        links = Link.from_dict(d.pop("links"))

        def _parse_progress(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        progress = _parse_progress(d.pop("progress"))

        rejected = d.pop("rejected")

        def _parse_report_url(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        report_url = _parse_report_url(d.pop("report_url"))

        rows_read = d.pop("rows_read")

        status = d.pop("status")

        type_ = d.pop("type")

        unchanged = d.pop("unchanged")

        updated = d.pop("updated")

        import_ = cls(
            created=created,
            created_at=created_at,
            dry_run=dry_run,
            error=error,
            filename=filename,
            finished_at=finished_at,
            id=id,
            job_id=job_id,
            key=key,
            links=links,
            progress=progress,
            rejected=rejected,
            report_url=report_url,
            rows_read=rows_read,
            status=status,
            type_=type_,
            unchanged=unchanged,
            updated=updated,
        )

        import_.additional_properties = d
        return import_

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
