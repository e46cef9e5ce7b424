from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.bulk_job_params import BulkJobParams


T = TypeVar("T", bound="BulkJob")


@_attrs_define
class BulkJob:
    """One job of ``POST /jobs/bulk`` (its own name: the OpenAPI client generator would
    see two models named ``JobIn``).

        Attributes:
            type_ (str):
            params (BulkJobParams | Unset):
    """

    type_: str
    params: BulkJobParams | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        type_ = self.type_

        params: dict[str, Any] | Unset = UNSET
        if not isinstance(self.params, Unset):
            params = self.params.to_dict()

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "type": type_,
            }
        )
        if params is not UNSET:
            field_dict["params"] = params

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.bulk_job_params import BulkJobParams  # noqa: PLC0415

        d = dict(src_dict)
        type_ = d.pop("type")

        _params = d.pop("params", UNSET)
        params: BulkJobParams | Unset
        if isinstance(_params, Unset):
            params = UNSET
        else:
            params = BulkJobParams.from_dict(_params)

        bulk_job = cls(
            type_=type_,
            params=params,
        )

        return bulk_job
