from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.health_status import HealthStatus

if TYPE_CHECKING:
    from ..models.probe import Probe
    from ..models.relay import Relay


T = TypeVar("T", bound="Health")


@_attrs_define
class Health:
    """``ok`` (200) or ``degraded`` (503, the same body): each dependency and the relay.

    Attributes:
        cache (Probe): One dependency: ``latency_ms`` when up, the exception's name when down.
        database (Probe): One dependency: ``latency_ms`` when up, the exception's name when down.
        environment (str):
        redis (Probe): One dependency: ``latency_ms`` when up, the exception's name when down.
        relay (Relay): The outbox relay: its lag and last heartbeat; ``unknown`` if none ever reported.
        status (HealthStatus):
        uptime (float):
        version (str):
        websocket_url (str):
    """

    cache: Probe
    database: Probe
    environment: str
    redis: Probe
    relay: Relay
    status: HealthStatus
    uptime: float
    version: str
    websocket_url: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        cache = self.cache.to_dict()

        database = self.database.to_dict()

        environment = self.environment

        redis = self.redis.to_dict()

        relay = self.relay.to_dict()

        status = self.status.value

        uptime = self.uptime

        version = self.version

        websocket_url = self.websocket_url

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "cache": cache,
                "database": database,
                "environment": environment,
                "redis": redis,
                "relay": relay,
                "status": status,
                "uptime": uptime,
                "version": version,
                "websocket_url": websocket_url,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.probe import Probe  # noqa: PLC0415
        from ..models.relay import Relay  # noqa: PLC0415

        d = dict(src_dict)
        cache = Probe.from_dict(d.pop("cache"))

        database = Probe.from_dict(d.pop("database"))

        environment = d.pop("environment")

        redis = Probe.from_dict(d.pop("redis"))

        relay = Relay.from_dict(d.pop("relay"))

        status = HealthStatus(d.pop("status"))

        uptime = d.pop("uptime")

        version = d.pop("version")

        websocket_url = d.pop("websocket_url")

        health = cls(
            cache=cache,
            database=database,
            environment=environment,
            redis=redis,
            relay=relay,
            status=status,
            uptime=uptime,
            version=version,
            websocket_url=websocket_url,
        )

        health.additional_properties = d
        return health

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
