from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.lead_status import LeadStatus

T = TypeVar("T", bound="Lead")


@_attrs_define
class Lead:
    """
    Attributes:
        company_name (None | str):
        created_at (datetime.datetime):
        email (None | str):
        id (int):
        name (str):
        owner_id (int | None):
        score (int | None):
        source (None | str):
        status (LeadStatus):
        updated_at (datetime.datetime):
    """

    company_name: None | str
    created_at: datetime.datetime
    email: None | str
    id: int
    name: str
    owner_id: int | None
    score: int | None
    source: None | str
    status: LeadStatus
    updated_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        company_name: None | str
        company_name = self.company_name

        created_at = self.created_at.isoformat()

        email: None | str
        email = self.email

        id = self.id

        name = self.name

        owner_id: int | None
        owner_id = self.owner_id

        score: int | None
        score = self.score

        source: None | str
        source = self.source

        status = self.status.value

        updated_at = self.updated_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "company_name": company_name,
                "created_at": created_at,
                "email": email,
                "id": id,
                "name": name,
                "owner_id": owner_id,
                "score": score,
                "source": source,
                "status": status,
                "updated_at": updated_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_company_name(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        company_name = _parse_company_name(d.pop("company_name"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        def _parse_email(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        email = _parse_email(d.pop("email"))

        id = d.pop("id")

        name = d.pop("name")

        def _parse_owner_id(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        owner_id = _parse_owner_id(d.pop("owner_id"))

        def _parse_score(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        score = _parse_score(d.pop("score"))

        def _parse_source(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        source = _parse_source(d.pop("source"))

        status = LeadStatus(d.pop("status"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        lead = cls(
            company_name=company_name,
            created_at=created_at,
            email=email,
            id=id,
            name=name,
            owner_id=owner_id,
            score=score,
            source=source,
            status=status,
            updated_at=updated_at,
        )

        lead.additional_properties = d
        return lead

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
