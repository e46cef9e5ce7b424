from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.activity_patch_kind import ActivityPatchKind
from ..types import UNSET, Unset

T = TypeVar("T", bound="ActivityPatch")


@_attrs_define
class ActivityPatch:
    """
    Attributes:
        body (None | str | Unset):
        company_id (int | None | Unset):
        contact_id (int | None | Unset):
        deal_id (int | None | Unset):
        done (bool | Unset):
        due_at (datetime.datetime | None | Unset):
        kind (ActivityPatchKind | Unset):
        lead_id (int | None | Unset):
        owner_id (int | None | Unset):
        subject (str | Unset):
    """

    body: None | str | Unset = UNSET
    company_id: int | None | Unset = UNSET
    contact_id: int | None | Unset = UNSET
    deal_id: int | None | Unset = UNSET
    done: bool | Unset = UNSET
    due_at: datetime.datetime | None | Unset = UNSET
    kind: ActivityPatchKind | Unset = UNSET
    lead_id: int | None | Unset = UNSET
    owner_id: int | None | Unset = UNSET
    subject: str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        body: None | str | Unset
        if isinstance(self.body, Unset):
            body = UNSET
        else:
            body = self.body

        company_id: int | None | Unset
        if isinstance(self.company_id, Unset):
            company_id = UNSET
        else:
            company_id = self.company_id

        contact_id: int | None | Unset
        if isinstance(self.contact_id, Unset):
            contact_id = UNSET
        else:
            contact_id = self.contact_id

        deal_id: int | None | Unset
        if isinstance(self.deal_id, Unset):
            deal_id = UNSET
        else:
            deal_id = self.deal_id

        done = self.done

        due_at: None | str | Unset
        if isinstance(self.due_at, Unset):
            due_at = UNSET
        elif isinstance(self.due_at, datetime.datetime):
            due_at = self.due_at.isoformat()
        else:
            due_at = self.due_at

        kind: str | Unset = UNSET
        if not isinstance(self.kind, Unset):
            kind = self.kind.value

        lead_id: int | None | Unset
        if isinstance(self.lead_id, Unset):
            lead_id = UNSET
        else:
            lead_id = self.lead_id

        owner_id: int | None | Unset
        if isinstance(self.owner_id, Unset):
            owner_id = UNSET
        else:
            owner_id = self.owner_id

        subject = self.subject

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if body is not UNSET:
            field_dict["body"] = body
        if company_id is not UNSET:
            field_dict["company_id"] = company_id
        if contact_id is not UNSET:
            field_dict["contact_id"] = contact_id
        if deal_id is not UNSET:
            field_dict["deal_id"] = deal_id
        if done is not UNSET:
            field_dict["done"] = done
        if due_at is not UNSET:
            field_dict["due_at"] = due_at
        if kind is not UNSET:
            field_dict["kind"] = kind
        if lead_id is not UNSET:
            field_dict["lead_id"] = lead_id
        if owner_id is not UNSET:
            field_dict["owner_id"] = owner_id
        if subject is not UNSET:
            field_dict["subject"] = subject

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_body(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        body = _parse_body(d.pop("body", UNSET))

        def _parse_company_id(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        company_id = _parse_company_id(d.pop("company_id", UNSET))

        def _parse_contact_id(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        contact_id = _parse_contact_id(d.pop("contact_id", UNSET))

        def _parse_deal_id(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        deal_id = _parse_deal_id(d.pop("deal_id", UNSET))

        done = d.pop("done", UNSET)

        def _parse_due_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                due_at_type_0 = datetime.datetime.fromisoformat(data)

                return due_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        due_at = _parse_due_at(d.pop("due_at", UNSET))

        _kind = d.pop("kind", UNSET)
        kind: ActivityPatchKind | Unset
        if isinstance(_kind, Unset):
            kind = UNSET
        else:
            kind = ActivityPatchKind(_kind)

        def _parse_lead_id(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        lead_id = _parse_lead_id(d.pop("lead_id", UNSET))

        def _parse_owner_id(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        owner_id = _parse_owner_id(d.pop("owner_id", UNSET))

        subject = d.pop("subject", UNSET)

        activity_patch = cls(
            body=body,
            company_id=company_id,
            contact_id=contact_id,
            deal_id=deal_id,
            done=done,
            due_at=due_at,
            kind=kind,
            lead_id=lead_id,
            owner_id=owner_id,
            subject=subject,
        )

        return activity_patch
