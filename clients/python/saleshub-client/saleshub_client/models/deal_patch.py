from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.deal_patch_stage import DealPatchStage
from ..types import UNSET, Unset

T = TypeVar("T", bound="DealPatch")


@_attrs_define
class DealPatch:
    """
    Attributes:
        amount (float | None | str | Unset):
        close_date (datetime.date | None | Unset):
        company_id (int | None | Unset):
        contact_id (int | None | Unset):
        currency (str | Unset):
        owner_id (int | None | Unset):
        stage (DealPatchStage | Unset):
        title (str | Unset):
    """

    amount: float | None | str | Unset = UNSET
    close_date: datetime.date | None | Unset = UNSET
    company_id: int | None | Unset = UNSET
    contact_id: int | None | Unset = UNSET
    currency: str | Unset = UNSET
    owner_id: int | None | Unset = UNSET
    stage: DealPatchStage | Unset = UNSET
    title: str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        amount: float | None | str | Unset
        if isinstance(self.amount, Unset):
            amount = UNSET
        else:
            amount = self.amount

        close_date: None | str | Unset
        if isinstance(self.close_date, Unset):
            close_date = UNSET
        elif isinstance(self.close_date, datetime.date):
            close_date = self.close_date.isoformat()
        else:
            close_date = self.close_date

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

        currency = self.currency

        owner_id: int | None | Unset
        if isinstance(self.owner_id, Unset):
            owner_id = UNSET
        else:
            owner_id = self.owner_id

        stage: str | Unset = UNSET
        if not isinstance(self.stage, Unset):
            stage = self.stage.value

        title = self.title

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if amount is not UNSET:
            field_dict["amount"] = amount
        if close_date is not UNSET:
            field_dict["close_date"] = close_date
        if company_id is not UNSET:
            field_dict["company_id"] = company_id
        if contact_id is not UNSET:
            field_dict["contact_id"] = contact_id
        if currency is not UNSET:
            field_dict["currency"] = currency
        if owner_id is not UNSET:
            field_dict["owner_id"] = owner_id
        if stage is not UNSET:
            field_dict["stage"] = stage
        if title is not UNSET:
            field_dict["title"] = title

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_amount(data: object) -> float | None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | str | Unset, data)

        amount = _parse_amount(d.pop("amount", UNSET))

        def _parse_close_date(data: object) -> datetime.date | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                close_date_type_0 = datetime.date.fromisoformat(data)

                return close_date_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.date | None | Unset, data)

        close_date = _parse_close_date(d.pop("close_date", UNSET))

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

        currency = d.pop("currency", UNSET)

        def _parse_owner_id(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        owner_id = _parse_owner_id(d.pop("owner_id", UNSET))

        _stage = d.pop("stage", UNSET)
        stage: DealPatchStage | Unset
        if isinstance(_stage, Unset):
            stage = UNSET
        else:
            stage = DealPatchStage(_stage)

        title = d.pop("title", UNSET)

        deal_patch = cls(
            amount=amount,
            close_date=close_date,
            company_id=company_id,
            contact_id=contact_id,
            currency=currency,
            owner_id=owner_id,
            stage=stage,
            title=title,
        )

        return deal_patch
