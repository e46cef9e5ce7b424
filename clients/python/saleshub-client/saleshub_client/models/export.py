from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.export_format import ExportFormat

if TYPE_CHECKING:
    from ..models.export_filters_type_0 import ExportFiltersType0
    from ..models.link import Link


T = TypeVar("T", bound="Export")


@_attrs_define
class Export:
    """An export; ``download_url`` (a signed link, no API key needed) once it succeeded.

    Attributes:
        columns (list[str] | None):
        created_at (datetime.datetime):
        download_url (None | str):
        error (None | str):
        expires_at (datetime.datetime | None):
        filters (ExportFiltersType0 | None):
        finished_at (datetime.datetime | None):
        format_ (ExportFormat):
        id (UUID):
        job_id (None | UUID):
        links (Link): Where to read the item again.
        rows (int | None):
        status (str):
        type_ (str):
    """

    columns: list[str] | None
    created_at: datetime.datetime
    download_url: None | str
    error: None | str
    expires_at: datetime.datetime | None
    filters: ExportFiltersType0 | None
    finished_at: datetime.datetime | None
    format_: ExportFormat
    id: UUID
    job_id: None | UUID
    links: Link
    rows: int | None
    status: str
    type_: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.export_filters_type_0 import ExportFiltersType0  # noqa: PLC0415

        columns: list[str] | None
        if isinstance(self.columns, list):
            columns = self.columns

        else:
            columns = self.columns

        created_at = self.created_at.isoformat()

        download_url: None | str
        download_url = self.download_url

        error: None | str
        error = self.error

        expires_at: None | str
        if isinstance(self.expires_at, datetime.datetime):
            expires_at = self.expires_at.isoformat()
        else:
            expires_at = self.expires_at

        filters: dict[str, Any] | None
        if isinstance(self.filters, ExportFiltersType0):
            filters = self.filters.to_dict()
        else:
            filters = self.filters

        finished_at: None | str
        if isinstance(self.finished_at, datetime.datetime):
            finished_at = self.finished_at.isoformat()
        else:
            finished_at = self.finished_at

        format_ = self.format_.value

        id = str(self.id)

        job_id: None | str
        if isinstance(self.job_id, UUID):
            job_id = str(self.job_id)
        else:
            job_id = self.job_id

        links = self.links.to_dict()

        rows: int | None
        rows = self.rows

        status = self.status

        type_ = self.type_

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "columns": columns,
                "created_at": created_at,
                "download_url": download_url,
                "error": error,
                "expires_at": expires_at,
                "filters": filters,
                "finished_at": finished_at,
                "format": format_,
                "id": id,
                "job_id": job_id,
                "links": links,
                "rows": rows,
                "status": status,
                "type": type_,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.export_filters_type_0 import ExportFiltersType0  # noqa: PLC0415
        from ..models.link import Link  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_columns(data: object) -> list[str] | None:
            if data is None:
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                columns_type_0 = cast(list[str], data)

                return columns_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None, data)

        columns = _parse_columns(d.pop("columns"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        def _parse_download_url(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        download_url = _parse_download_url(d.pop("download_url"))

        def _parse_error(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        error = _parse_error(d.pop("error"))

        def _parse_expires_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                expires_at_type_0 = datetime.datetime.fromisoformat(data)

                return expires_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        expires_at = _parse_expires_at(d.pop("expires_at"))

        def _parse_filters(data: object) -> ExportFiltersType0 | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                filters_type_0 = ExportFiltersType0.from_dict(data)

                return filters_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(ExportFiltersType0 | None, data)

        filters = _parse_filters(d.pop("filters"))

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

        format_ = ExportFormat(d.pop("format"))

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

        links = Link.from_dict(d.pop("links"))

        def _parse_rows(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        rows = _parse_rows(d.pop("rows"))

        status = d.pop("status")

        type_ = d.pop("type")

        export = cls(
            columns=columns,
            created_at=created_at,
            download_url=download_url,
            error=error,
            expires_at=expires_at,
            filters=filters,
            finished_at=finished_at,
            format_=format_,
            id=id,
            job_id=job_id,
            links=links,
            rows=rows,
            status=status,
            type_=type_,
        )

        export.additional_properties = d
        return export

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
