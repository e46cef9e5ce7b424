from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.deal_stage import DealStage

T = TypeVar("T", bound="Deal")


@_attrs_define
class Deal:
    """
    Attributes:
        amount (None | str):
        close_date (datetime.date | None):
        company_id (int | None):
        contact_id (int | None):
        created_at (datetime.datetime):
        currency (str):
        id (int):
        owner_id (int | None):
        stage (DealStage):
        title (str):
        updated_at (datetime.datetime):
    """

    amount: None | str
    close_date: datetime.date | None
    company_id: int | None
    contact_id: int | None
    created_at: datetime.datetime
    currency: str
    id: int
    owner_id: int | None
    stage: DealStage
    title: str
    updated_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        amount: None | str
        amount = self.amount

        close_date: None | str
        if isinstance(self.close_date, datetime.date):
            close_date = self.close_date.isoformat()
        else:
            close_date = self.close_date

        company_id: int | None
        company_id = self.company_id

        contact_id: int | None
        contact_id = self.contact_id

        created_at = self.created_at.isoformat()

        currency = self.currency

        id = self.id

        owner_id: int | None
        owner_id = self.owner_id

        stage = self.stage.value

        title = self.title

        updated_at = self.updated_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "amount": amount,
                "close_date": close_date,
                "company_id": company_id,
                "contact_id": contact_id,
                "created_at": created_at,
                "currency": currency,
                "id": id,
                "owner_id": owner_id,
                "stage": stage,
                "title": title,
                "updated_at": updated_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_amount(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        amount = _parse_amount(d.pop("amount"))

        def _parse_close_date(data: object) -> datetime.date | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                close_date_type_0 = datetime.date.fromisoformat(data)

                return close_date_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.date | None, data)

        close_date = _parse_close_date(d.pop("close_date"))

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

        currency = d.pop("currency")

        id = d.pop("id")

        def _parse_owner_id(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        owner_id = _parse_owner_id(d.pop("owner_id"))

        stage = DealStage(d.pop("stage"))

        title = d.pop("title")

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        deal = cls(
            amount=amount,
            close_date=close_date,
            company_id=company_id,
            contact_id=contact_id,
            created_at=created_at,
            currency=currency,
            id=id,
            owner_id=owner_id,
            stage=stage,
            title=title,
            updated_at=updated_at,
        )

        deal.additional_properties = d
        return deal

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
