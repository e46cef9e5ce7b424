from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.export_in_format import ExportInFormat
from ..models.export_in_type import ExportInType
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.export_in_filters import ExportInFilters


T = TypeVar("T", bound="ExportIn")


@_attrs_define
class ExportIn:
    """What to export: a type, equality filters, the columns, and the format.

    Attributes:
        type_ (ExportInType):
        columns (list[str] | None | Unset):
        filters (ExportInFilters | Unset):
        format_ (ExportInFormat | Unset):  Default: ExportInFormat.CSV.
    """

    type_: ExportInType
    columns: list[str] | None | Unset = UNSET
    filters: ExportInFilters | Unset = UNSET
    format_: ExportInFormat | Unset = ExportInFormat.CSV

    def to_dict(self) -> dict[str, Any]:
        type_ = self.type_.value

        columns: list[str] | None | Unset
        if isinstance(self.columns, Unset):
            columns = UNSET
        elif isinstance(self.columns, list):
            columns = self.columns

        else:
            columns = self.columns

        filters: dict[str, Any] | Unset = UNSET
        if not isinstance(self.filters, Unset):
            filters = self.filters.to_dict()

        format_: str | Unset = UNSET
        if not isinstance(self.format_, Unset):
            format_ = self.format_.value

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "type": type_,
            }
        )
        if columns is not UNSET:
            field_dict["columns"] = columns
        if filters is not UNSET:
            field_dict["filters"] = filters
        if format_ is not UNSET:
            field_dict["format"] = format_

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.export_in_filters import ExportInFilters  # noqa: PLC0415

        d = dict(src_dict)
        type_ = ExportInType(d.pop("type"))

        def _parse_columns(data: object) -> list[str] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                columns_type_0 = cast(list[str], data)

                return columns_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None | Unset, data)

        columns = _parse_columns(d.pop("columns", UNSET))

        _filters = d.pop("filters", UNSET)
        filters: ExportInFilters | Unset
        if isinstance(_filters, Unset):
            filters = UNSET
        else:
            filters = ExportInFilters.from_dict(_filters)

        _format_ = d.pop("format", UNSET)
        format_: ExportInFormat | Unset
        if isinstance(_format_, Unset):
            format_ = UNSET
        else:
            format_ = ExportInFormat(_format_)

        export_in = cls(
            type_=type_,
            columns=columns,
            filters=filters,
            format_=format_,
        )

        return export_in
