from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.endpoint_line import EndpointLine
    from ..models.fairness_pools import FairnessPools
    from ..models.paused_endpoint import PausedEndpoint


T = TypeVar("T", bound="Fairness")


@_attrs_define
class Fairness:
    """Per pool, the orgs with jobs in flight or waiting; paused webhook endpoints; webhook
    endpoints with calls in flight or deliveries in line (longest lines first, at most 200).

        Attributes:
            paused_webhook_endpoints (list[PausedEndpoint]):
            pools (FairnessPools):
            webhook_endpoint_lines (list[EndpointLine]):
    """

    paused_webhook_endpoints: list[PausedEndpoint]
    pools: FairnessPools
    webhook_endpoint_lines: list[EndpointLine]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        paused_webhook_endpoints = []
        for paused_webhook_endpoints_item_data in self.paused_webhook_endpoints:
            paused_webhook_endpoints_item = paused_webhook_endpoints_item_data.to_dict()
            paused_webhook_endpoints.append(paused_webhook_endpoints_item)

        pools = self.pools.to_dict()

        webhook_endpoint_lines = []
        for webhook_endpoint_lines_item_data in self.webhook_endpoint_lines:
            webhook_endpoint_lines_item = webhook_endpoint_lines_item_data.to_dict()
            webhook_endpoint_lines.append(webhook_endpoint_lines_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "paused_webhook_endpoints": paused_webhook_endpoints,
                "pools": pools,
                "webhook_endpoint_lines": webhook_endpoint_lines,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.endpoint_line import EndpointLine  # noqa: PLC0415
        from ..models.fairness_pools import FairnessPools  # noqa: PLC0415
        from ..models.paused_endpoint import PausedEndpoint  # noqa: PLC0415

        d = dict(src_dict)
        paused_webhook_endpoints = []
        _paused_webhook_endpoints = d.pop("paused_webhook_endpoints")
        for paused_webhook_endpoints_item_data in _paused_webhook_endpoints:
            paused_webhook_endpoints_item = PausedEndpoint.from_dict(paused_webhook_endpoints_item_data)

            paused_webhook_endpoints.append(paused_webhook_endpoints_item)

        pools = FairnessPools.from_dict(d.pop("pools"))

        webhook_endpoint_lines = []
        _webhook_endpoint_lines = d.pop("webhook_endpoint_lines")
        for webhook_endpoint_lines_item_data in _webhook_endpoint_lines:
            webhook_endpoint_lines_item = EndpointLine.from_dict(webhook_endpoint_lines_item_data)

            webhook_endpoint_lines.append(webhook_endpoint_lines_item)

        fairness = cls(
            paused_webhook_endpoints=paused_webhook_endpoints,
            pools=pools,
            webhook_endpoint_lines=webhook_endpoint_lines,
        )

        fairness.additional_properties = d
        return fairness

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
