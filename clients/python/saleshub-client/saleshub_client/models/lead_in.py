from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.lead_in_status import LeadInStatus
from ..types import UNSET, Unset

T = TypeVar("T", bound="LeadIn")


@_attrs_define
class LeadIn:
    """
    Attributes:
        name (str):
        company_name (None | str | Unset):
        email (None | str | Unset):
        owner_id (int | None | Unset):
        score (int | None | Unset):
        source (None | str | Unset):
        status (LeadInStatus | Unset):  Default: LeadInStatus.NEW.
    """

    name: str
    company_name: None | str | Unset = UNSET
    email: None | str | Unset = UNSET
    owner_id: int | None | Unset = UNSET
    score: int | None | Unset = UNSET
    source: None | str | Unset = UNSET
    status: LeadInStatus | Unset = LeadInStatus.NEW

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        company_name: None | str | Unset
        if isinstance(self.company_name, Unset):
            company_name = UNSET
        else:
            company_name = self.company_name

        email: None | str | Unset
        if isinstance(self.email, Unset):
            email = UNSET
        else:
            email = self.email

        owner_id: int | None | Unset
        if isinstance(self.owner_id, Unset):
            owner_id = UNSET
        else:
            owner_id = self.owner_id

        score: int | None | Unset
        if isinstance(self.score, Unset):
            score = UNSET
        else:
            score = self.score

        source: None | str | Unset
        if isinstance(self.source, Unset):
            source = UNSET
        else:
            source = self.source

        status: str | Unset = UNSET
        if not isinstance(self.status, Unset):
            status = self.status.value

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "name": name,
            }
        )
        if company_name is not UNSET:
            field_dict["company_name"] = company_name
        if email is not UNSET:
            field_dict["email"] = email
        if owner_id is not UNSET:
            field_dict["owner_id"] = owner_id
        if score is not UNSET:
            field_dict["score"] = score
        if source is not UNSET:
            field_dict["source"] = source
        if status is not UNSET:
            field_dict["status"] = status

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        name = d.pop("name")

        def _parse_company_name(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        company_name = _parse_company_name(d.pop("company_name", UNSET))

        def _parse_email(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        email = _parse_email(d.pop("email", UNSET))

        def _parse_owner_id(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        owner_id = _parse_owner_id(d.pop("owner_id", UNSET))

        def _parse_score(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        score = _parse_score(d.pop("score", UNSET))

        def _parse_source(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        source = _parse_source(d.pop("source", UNSET))

        _status = d.pop("status", UNSET)
        status: LeadInStatus | Unset
        if isinstance(_status, Unset):
            status = UNSET
        else:
            status = LeadInStatus(_status)

        lead_in = cls(
            name=name,
            company_name=company_name,
            email=email,
            owner_id=owner_id,
            score=score,
            source=source,
            status=status,
        )

        return lead_in
