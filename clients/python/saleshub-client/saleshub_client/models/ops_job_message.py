from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.ops_job_message_kwargs_type_0 import OpsJobMessageKwargsType0
    from ..models.ops_job_message_options import OpsJobMessageOptions


T = TypeVar("T", bound="OpsJobMessage")


@_attrs_define
class OpsJobMessage:
    """
    Attributes:
        args (list[Any] | None):
        kwargs (None | OpsJobMessageKwargsType0):
        message_id (None | str):
        options (OpsJobMessageOptions):
    """

    args: list[Any] | None
    kwargs: None | OpsJobMessageKwargsType0
    message_id: None | str
    options: OpsJobMessageOptions
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.ops_job_message_kwargs_type_0 import OpsJobMessageKwargsType0  # noqa: PLC0415

        args: list[Any] | None
        if isinstance(self.args, list):
            args = self.args

        else:
            args = self.args

        kwargs: dict[str, Any] | None
        if isinstance(self.kwargs, OpsJobMessageKwargsType0):
            kwargs = self.kwargs.to_dict()
        else:
            kwargs = self.kwargs

        message_id: None | str
        message_id = self.message_id

        options = self.options.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "args": args,
                "kwargs": kwargs,
                "message_id": message_id,
                "options": options,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.ops_job_message_kwargs_type_0 import OpsJobMessageKwargsType0  # noqa: PLC0415
        from ..models.ops_job_message_options import OpsJobMessageOptions  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_args(data: object) -> list[Any] | None:
            if data is None:
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                args_type_0 = cast(list[Any], data)

                return args_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[Any] | None, data)

        args = _parse_args(d.pop("args"))

        def _parse_kwargs(data: object) -> None | OpsJobMessageKwargsType0:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                kwargs_type_0 = OpsJobMessageKwargsType0.from_dict(data)

                return kwargs_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | OpsJobMessageKwargsType0, data)

        kwargs = _parse_kwargs(d.pop("kwargs"))

        def _parse_message_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        message_id = _parse_message_id(d.pop("message_id"))

        options = OpsJobMessageOptions.from_dict(d.pop("options"))

        ops_job_message = cls(
            args=args,
            kwargs=kwargs,
            message_id=message_id,
            options=options,
        )

        ops_job_message.additional_properties = d
        return ops_job_message

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
