from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.ops_import_query_status_type_0 import OpsImportQueryStatusType0
from ..models.ops_import_query_type_type_0 import OpsImportQueryTypeType0
from ..types import UNSET, Unset

T = TypeVar("T", bound="OpsImportQuery")


@_attrs_define
class OpsImportQuery:
    """
    Attributes:
        active (bool | Unset): only imports not finished yet Default: False.
        cursor (None | str | Unset):
        limit (int | Unset):  Default: 50.
        org_id (int | None | Unset):
        status (None | OpsImportQueryStatusType0 | Unset):
        type_ (None | OpsImportQueryTypeType0 | Unset):
    """

    active: bool | Unset = False
    cursor: None | str | Unset = UNSET
    limit: int | Unset = 50
    org_id: int | None | Unset = UNSET
    status: None | OpsImportQueryStatusType0 | Unset = UNSET
    type_: None | OpsImportQueryTypeType0 | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        active = self.active

        cursor: None | str | Unset
        if isinstance(self.cursor, Unset):
            cursor = UNSET
        else:
            cursor = self.cursor

        limit = self.limit

        org_id: int | None | Unset
        if isinstance(self.org_id, Unset):
            org_id = UNSET
        else:
            org_id = self.org_id

        status: None | str | Unset
        if isinstance(self.status, Unset):
            status = UNSET
        elif isinstance(self.status, OpsImportQueryStatusType0):
            status = self.status.value
        else:
            status = self.status

        type_: None | str | Unset
        if isinstance(self.type_, Unset):
            type_ = UNSET
        elif isinstance(self.type_, OpsImportQueryTypeType0):
            type_ = self.type_.value
        else:
            type_ = self.type_

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if active is not UNSET:
            field_dict["active"] = active
        if cursor is not UNSET:
            field_dict["cursor"] = cursor
        if limit is not UNSET:
            field_dict["limit"] = limit
        if org_id is not UNSET:
            field_dict["org_id"] = org_id
        if status is not UNSET:
            field_dict["status"] = status
        if type_ is not UNSET:
            field_dict["type"] = type_

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        active = d.pop("active", UNSET)

        def _parse_cursor(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        cursor = _parse_cursor(d.pop("cursor", UNSET))

        limit = d.pop("limit", UNSET)

        def _parse_org_id(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        org_id = _parse_org_id(d.pop("org_id", UNSET))

        def _parse_status(data: object) -> None | OpsImportQueryStatusType0 | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                status_type_0 = OpsImportQueryStatusType0(data)

                return status_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | OpsImportQueryStatusType0 | Unset, data)

        status = _parse_status(d.pop("status", UNSET))

        def _parse_type_(data: object) -> None | OpsImportQueryTypeType0 | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                type_type_0 = OpsImportQueryTypeType0(data)

                return type_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | OpsImportQueryTypeType0 | Unset, data)

        type_ = _parse_type_(d.pop("type", UNSET))

        ops_import_query = cls(
            active=active,
            cursor=cursor,
            limit=limit,
            org_id=org_id,
            status=status,
            type_=type_,
        )

        return ops_import_query
