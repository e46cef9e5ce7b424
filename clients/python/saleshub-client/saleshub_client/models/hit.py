from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.highlight import Highlight


T = TypeVar("T", bound="Hit")


@_attrs_define
class Hit:
    """A record the search found; ``score`` follows the ranking (0 to 1).

    Attributes:
        highlights (list[Highlight]):
        id (int):
        matched_field (None | str):
        score (float):
        subtitle (None | str):
        title (str):
        type_ (str):
    """

    highlights: list[Highlight]
    id: int
    matched_field: None | str
    score: float
    subtitle: None | str
    title: str
    type_: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        highlights = []
        for highlights_item_data in self.highlights:
            highlights_item = highlights_item_data.to_dict()
            highlights.append(highlights_item)

        id = self.id

        matched_field: None | str
        matched_field = self.matched_field

        score = self.score

        subtitle: None | str
        subtitle = self.subtitle

        title = self.title

        type_ = self.type_

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "highlights": highlights,
                "id": id,
                "matched_field": matched_field,
                "score": score,
                "subtitle": subtitle,
                "title": title,
                "type": type_,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.highlight import Highlight  # noqa: PLC0415

        d = dict(src_dict)
        highlights = []
        _highlights = d.pop("highlights")
        for highlights_item_data in _highlights:
            highlights_item = Highlight.from_dict(highlights_item_data)

            highlights.append(highlights_item)

        id = d.pop("id")

        def _parse_matched_field(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        matched_field = _parse_matched_field(d.pop("matched_field"))

        score = d.pop("score")

        def _parse_subtitle(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        subtitle = _parse_subtitle(d.pop("subtitle"))

        title = d.pop("title")

        type_ = d.pop("type")

        hit = cls(
            highlights=highlights,
            id=id,
            matched_field=matched_field,
            score=score,
            subtitle=subtitle,
            title=title,
            type_=type_,
        )

        hit.additional_properties = d
        return hit

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
