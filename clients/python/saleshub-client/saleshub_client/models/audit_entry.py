from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.audit_entry_details_type_0 import AuditEntryDetailsType0


T = TypeVar("T", bound="AuditEntry")


@_attrs_define
class AuditEntry:
    """
    Attributes:
        action (str):
        created_at (datetime.datetime):
        details (AuditEntryDetailsType0 | None):
        id (int):
        org_id (int | None):
        target (str):
        user_email (None | str):
        user_id (int | None):
    """

    action: str
    created_at: datetime.datetime
    details: AuditEntryDetailsType0 | None
    id: int
    org_id: int | None
    target: str
    user_email: None | str
    user_id: int | None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.audit_entry_details_type_0 import AuditEntryDetailsType0  # noqa: PLC0415

        action = self.action

        created_at = self.created_at.isoformat()

        details: dict[str, Any] | None
        if isinstance(self.details, AuditEntryDetailsType0):
            details = self.details.to_dict()
        else:
            details = self.details

        id = self.id

        org_id: int | None
        org_id = self.org_id

        target = self.target

        user_email: None | str
        user_email = self.user_email

        user_id: int | None
        user_id = self.user_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "action": action,
                "created_at": created_at,
                "details": details,
                "id": id,
                "org_id": org_id,
                "target": target,
                "user_email": user_email,
                "user_id": user_id,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.audit_entry_details_type_0 import AuditEntryDetailsType0  # noqa: PLC0415

        d = dict(src_dict)
        action = d.pop("action")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        def _parse_details(data: object) -> AuditEntryDetailsType0 | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                details_type_0 = AuditEntryDetailsType0.from_dict(data)

                return details_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(AuditEntryDetailsType0 | None, data)

        details = _parse_details(d.pop("details"))

        id = d.pop("id")

        def _parse_org_id(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        org_id = _parse_org_id(d.pop("org_id"))

        target = d.pop("target")

        def _parse_user_email(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        user_email = _parse_user_email(d.pop("user_email"))

        def _parse_user_id(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        user_id = _parse_user_id(d.pop("user_id"))

        audit_entry = cls(
            action=action,
            created_at=created_at,
            details=details,
            id=id,
            org_id=org_id,
            target=target,
            user_email=user_email,
            user_id=user_id,
        )

        audit_entry.additional_properties = d
        return audit_entry

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
