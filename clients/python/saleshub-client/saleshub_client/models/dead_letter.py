from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.dead_letter_kwargs_type_0 import DeadLetterKwargsType0
    from ..models.dead_letter_options_type_0 import DeadLetterOptionsType0


T = TypeVar("T", bound="DeadLetter")


@_attrs_define
class DeadLetter:
    """A dead letter; ``traceback`` and ``options`` only when read alone.

    Attributes:
        actor (str):
        args (list[Any] | None):
        died_at (float):
        error (None | str):
        kwargs (DeadLetterKwargsType0 | None):
        message_id (str):
        queue (str):
        retries (int):
        options (DeadLetterOptionsType0 | None | Unset):
        traceback (None | str | Unset):
    """

    actor: str
    args: list[Any] | None
    died_at: float
    error: None | str
    kwargs: DeadLetterKwargsType0 | None
    message_id: str
    queue: str
    retries: int
    options: DeadLetterOptionsType0 | None | Unset = UNSET
    traceback: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.dead_letter_kwargs_type_0 import DeadLetterKwargsType0  # noqa: PLC0415
        from ..models.dead_letter_options_type_0 import DeadLetterOptionsType0  # noqa: PLC0415

        actor = self.actor

        args: list[Any] | None
        if isinstance(self.args, list):
            args = self.args

        else:
            args = self.args

        died_at = self.died_at

        error: None | str
        error = self.error

        kwargs: dict[str, Any] | None
        if isinstance(self.kwargs, DeadLetterKwargsType0):
            kwargs = self.kwargs.to_dict()
        else:
            kwargs = self.kwargs

        message_id = self.message_id

        queue = self.queue

        retries = self.retries

        options: dict[str, Any] | None | Unset
        if isinstance(self.options, Unset):
            options = UNSET
        elif isinstance(self.options, DeadLetterOptionsType0):
            options = self.options.to_dict()
        else:
            options = self.options

        traceback: None | str | Unset
        if isinstance(self.traceback, Unset):
            traceback = UNSET
        else:
            traceback = self.traceback

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "actor": actor,
                "args": args,
                "died_at": died_at,
                "error": error,
                "kwargs": kwargs,
                "message_id": message_id,
                "queue": queue,
                "retries": retries,
            }
        )
        if options is not UNSET:
            field_dict["options"] = options
        if traceback is not UNSET:
            field_dict["traceback"] = traceback

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.dead_letter_kwargs_type_0 import DeadLetterKwargsType0  # noqa: PLC0415
        from ..models.dead_letter_options_type_0 import DeadLetterOptionsType0  # noqa: PLC0415

        d = dict(src_dict)
        actor = d.pop("actor")

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

        died_at = d.pop("died_at")

        def _parse_error(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        error = _parse_error(d.pop("error"))

        def _parse_kwargs(data: object) -> DeadLetterKwargsType0 | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                kwargs_type_0 = DeadLetterKwargsType0.from_dict(data)

                return kwargs_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(DeadLetterKwargsType0 | None, data)

        kwargs = _parse_kwargs(d.pop("kwargs"))

        message_id = d.pop("message_id")

        queue = d.pop("queue")

        retries = d.pop("retries")

        def _parse_options(data: object) -> DeadLetterOptionsType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                options_type_0 = DeadLetterOptionsType0.from_dict(data)

                return options_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(DeadLetterOptionsType0 | None | Unset, data)

        options = _parse_options(d.pop("options", UNSET))

        def _parse_traceback(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        traceback = _parse_traceback(d.pop("traceback", UNSET))

        dead_letter = cls(
            actor=actor,
            args=args,
            died_at=died_at,
            error=error,
            kwargs=kwargs,
            message_id=message_id,
            queue=queue,
            retries=retries,
            options=options,
            traceback=traceback,
        )

        dead_letter.additional_properties = d
        return dead_letter

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
