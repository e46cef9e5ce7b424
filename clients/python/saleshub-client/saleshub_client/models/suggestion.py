from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.suggestion_kind import SuggestionKind
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.highlight import Highlight


T = TypeVar("T", bound="Suggestion")


@_attrs_define
class Suggestion:
    """A popular query (``count``) or a record (``type``, ``id``, ``subtitle``, ...).

    Attributes:
        kind (SuggestionKind):
        text (str):
        count (int | None | Unset):
        highlights (list[Highlight] | None | Unset):
        id (int | None | Unset):
        subtitle (None | str | Unset):
        type_ (None | str | Unset):
    """

    kind: SuggestionKind
    text: str
    count: int | None | Unset = UNSET
    highlights: list[Highlight] | None | Unset = UNSET
    id: int | None | Unset = UNSET
    subtitle: None | str | Unset = UNSET
    type_: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        kind = self.kind.value

        text = self.text

        count: int | None | Unset
        if isinstance(self.count, Unset):
            count = UNSET
        else:
            count = self.count

        highlights: list[dict[str, Any]] | None | Unset
        if isinstance(self.highlights, Unset):
            highlights = UNSET
        elif isinstance(self.highlights, list):
            highlights = []
            for highlights_type_0_item_data in self.highlights:
                highlights_type_0_item = highlights_type_0_item_data.to_dict()
                highlights.append(highlights_type_0_item)

        else:
            highlights = self.highlights

        id: int | None | Unset
        if isinstance(self.id, Unset):
            id = UNSET
        else:
            id = self.id

        subtitle: None | str | Unset
        if isinstance(self.subtitle, Unset):
            subtitle = UNSET
        else:
            subtitle = self.subtitle

        type_: None | str | Unset
        if isinstance(self.type_, Unset):
            type_ = UNSET
        else:
            type_ = self.type_

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "kind": kind,
                "text": text,
            }
        )
        if count is not UNSET:
            field_dict["count"] = count
        if highlights is not UNSET:
            field_dict["highlights"] = highlights
        if id is not UNSET:
            field_dict["id"] = id
        if subtitle is not UNSET:
            field_dict["subtitle"] = subtitle
        if type_ is not UNSET:
            field_dict["type"] = type_

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.highlight import Highlight  # noqa: PLC0415

        d = dict(src_dict)
        kind = SuggestionKind(d.pop("kind"))

        text = d.pop("text")

        def _parse_count(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        count = _parse_count(d.pop("count", UNSET))

        def _parse_highlights(data: object) -> list[Highlight] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                highlights_type_0 = []
                _highlights_type_0 = data
                for highlights_type_0_item_data in _highlights_type_0:
                    highlights_type_0_item = Highlight.from_dict(highlights_type_0_item_data)

                    highlights_type_0.append(highlights_type_0_item)

                return highlights_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[Highlight] | None | Unset, data)

        highlights = _parse_highlights(d.pop("highlights", UNSET))

        def _parse_id(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        id = _parse_id(d.pop("id", UNSET))

        def _parse_subtitle(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        subtitle = _parse_subtitle(d.pop("subtitle", UNSET))

        def _parse_type_(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        type_ = _parse_type_(d.pop("type", UNSET))

        suggestion = cls(
            kind=kind,
            text=text,
            count=count,
            highlights=highlights,
            id=id,
            subtitle=subtitle,
            type_=type_,
        )

        suggestion.additional_properties = d
        return suggestion

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
