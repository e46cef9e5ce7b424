from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.activity_kind import ActivityKind

T = TypeVar("T", bound="Activity")


@_attrs_define
class Activity:
    """
    Attributes:
        body (None | str):
        company_id (int | None):
        contact_id (int | None):
        created_at (datetime.datetime):
        deal_id (int | None):
        done (bool):
        due_at (datetime.datetime | None):
        due_notified_for (datetime.datetime | None):
        id (int):
        kind (ActivityKind):
        lead_id (int | None):
        owner_id (int | None):
        subject (str):
        updated_at (datetime.datetime):
    """

    body: None | str
    company_id: int | None
    contact_id: int | None
    created_at: datetime.datetime
    deal_id: int | None
    done: bool
    due_at: datetime.datetime | None
    due_notified_for: datetime.datetime | None
    id: int
    kind: ActivityKind
    lead_id: int | None
    owner_id: int | None
    subject: str
    updated_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        body: None | str
        body = self.body

        company_id: int | None
        company_id = self.company_id

        contact_id: int | None
        contact_id = self.contact_id

        created_at = self.created_at.isoformat()

        deal_id: int | None
        deal_id = self.deal_id

        done = self.done

        due_at: None | str
        if isinstance(self.due_at, datetime.datetime):
            due_at = self.due_at.isoformat()
        else:
            due_at = self.due_at

        due_notified_for: None | str
        if isinstance(self.due_notified_for, datetime.datetime):
            due_notified_for = self.due_notified_for.isoformat()
        else:
            due_notified_for = self.due_notified_for

        id = self.id

        kind = self.kind.value

        lead_id: int | None
        lead_id = self.lead_id

        owner_id: int | None
        owner_id = self.owner_id

        subject = self.subject

        updated_at = self.updated_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "body": body,
                "company_id": company_id,
                "contact_id": contact_id,
                "created_at": created_at,
                "deal_id": deal_id,
                "done": done,
                "due_at": due_at,
                "due_notified_for": due_notified_for,
                "id": id,
                "kind": kind,
                "lead_id": lead_id,
                "owner_id": owner_id,
                "subject": subject,
                "updated_at": updated_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_body(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        body = _parse_body(d.pop("body"))

        def _parse_company_id(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        company_id = _parse_company_id(d.pop("company_id"))

        def _parse_contact_id(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        contact_id = _parse_contact_id(d.pop("contact_id"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        def _parse_deal_id(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        deal_id = _parse_deal_id(d.pop("deal_id"))

        done = d.pop("done")

        def _parse_due_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                due_at_type_0 = datetime.datetime.fromisoformat(data)

                return due_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        due_at = _parse_due_at(d.pop("due_at"))

        def _parse_due_notified_for(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                due_notified_for_type_0 = datetime.datetime.fromisoformat(data)

                return due_notified_for_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        due_notified_for = _parse_due_notified_for(d.pop("due_notified_for"))

        id = d.pop("id")

        kind = ActivityKind(d.pop("kind"))

        def _parse_lead_id(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        lead_id = _parse_lead_id(d.pop("lead_id"))

        def _parse_owner_id(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        owner_id = _parse_owner_id(d.pop("owner_id"))

        subject = d.pop("subject")

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        activity = cls(
            body=body,
            company_id=company_id,
            contact_id=contact_id,
            created_at=created_at,
            deal_id=deal_id,
            done=done,
            due_at=due_at,
            due_notified_for=due_notified_for,
            id=id,
            kind=kind,
            lead_id=lead_id,
            owner_id=owner_id,
            subject=subject,
            updated_at=updated_at,
        )

        activity.additional_properties = d
        return activity

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
