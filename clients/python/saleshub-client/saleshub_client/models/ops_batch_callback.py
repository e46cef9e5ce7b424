from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="OpsBatchCallback")


@_attrs_define
class OpsBatchCallback:
    """A batch's callback: ``waiting`` until every member is final, then the staged job's
    status (``gone`` once clean-up removed it).

        Attributes:
            actor (None | str):
            job_id (str):
            staged_at (datetime.datetime | None):
            state (str):
            type_ (None | str):
    """

    actor: None | str
    job_id: str
    staged_at: datetime.datetime | None
    state: str
    type_: None | str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        actor: None | str
        actor = self.actor

        job_id = self.job_id

        staged_at: None | str
        if isinstance(self.staged_at, datetime.datetime):
            staged_at = self.staged_at.isoformat()
        else:
            staged_at = self.staged_at

        state = self.state

        type_: None | str
        type_ = self.type_

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "actor": actor,
                "job_id": job_id,
                "staged_at": staged_at,
                "state": state,
                "type": type_,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_actor(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        actor = _parse_actor(d.pop("actor"))

        job_id = d.pop("job_id")

        def _parse_staged_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                staged_at_type_0 = datetime.datetime.fromisoformat(data)

                return staged_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        staged_at = _parse_staged_at(d.pop("staged_at"))

        state = d.pop("state")

        def _parse_type_(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        type_ = _parse_type_(d.pop("type"))

        ops_batch_callback = cls(
            actor=actor,
            job_id=job_id,
            staged_at=staged_at,
            state=state,
            type_=type_,
        )

        ops_batch_callback.additional_properties = d
        return ops_batch_callback

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
