from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.latency import Latency
    from ..models.query_count import QueryCount


T = TypeVar("T", bound="SearchReport")


@_attrs_define
class SearchReport:
    """Top queries, zero-result queries and latency of the last ``days``.

    Attributes:
        days (int):
        latency_ms (Latency):
        searches (int):
        top_queries (list[QueryCount]):
        zero_result_queries (list[QueryCount]):
        zero_result_searches (int):
    """

    days: int
    latency_ms: Latency
    searches: int
    top_queries: list[QueryCount]
    zero_result_queries: list[QueryCount]
    zero_result_searches: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        days = self.days

        latency_ms = self.latency_ms.to_dict()

        searches = self.searches

        top_queries = []
        for top_queries_item_data in self.top_queries:
            top_queries_item = top_queries_item_data.to_dict()
            top_queries.append(top_queries_item)

        zero_result_queries = []
        for zero_result_queries_item_data in self.zero_result_queries:
            zero_result_queries_item = zero_result_queries_item_data.to_dict()
            zero_result_queries.append(zero_result_queries_item)

        zero_result_searches = self.zero_result_searches

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "days": days,
                "latency_ms": latency_ms,
                "searches": searches,
                "top_queries": top_queries,
                "zero_result_queries": zero_result_queries,
                "zero_result_searches": zero_result_searches,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.latency import Latency  # noqa: PLC0415
        from ..models.query_count import QueryCount  # noqa: PLC0415

        d = dict(src_dict)
        days = d.pop("days")

        latency_ms = Latency.from_dict(d.pop("latency_ms"))

        searches = d.pop("searches")

        top_queries = []
        _top_queries = d.pop("top_queries")
        for top_queries_item_data in _top_queries:
            top_queries_item = QueryCount.from_dict(top_queries_item_data)

            top_queries.append(top_queries_item)

        zero_result_queries = []
        _zero_result_queries = d.pop("zero_result_queries")
        for zero_result_queries_item_data in _zero_result_queries:
            zero_result_queries_item = QueryCount.from_dict(zero_result_queries_item_data)

            zero_result_queries.append(zero_result_queries_item)

        zero_result_searches = d.pop("zero_result_searches")

        search_report = cls(
            days=days,
            latency_ms=latency_ms,
            searches=searches,
            top_queries=top_queries,
            zero_result_queries=zero_result_queries,
            zero_result_searches=zero_result_searches,
        )

        search_report.additional_properties = d
        return search_report

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
