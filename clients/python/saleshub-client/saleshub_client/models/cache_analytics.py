from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.cache_analytics_latency_ms_type_0 import CacheAnalyticsLatencyMsType0
    from ..models.cache_analytics_memory_type_0 import CacheAnalyticsMemoryType0
    from ..models.cache_analytics_namespaces_type_0 import CacheAnalyticsNamespacesType0
    from ..models.hot_key import HotKey


T = TypeVar("T", bound="CacheAnalytics")


@_attrs_define
class CacheAnalytics:
    """Cache series per namespace over ``t``, latency, memory and the hottest keys;
    while the cache is ``down``, only ``error`` and ``enabled``.

        Attributes:
            enabled (bool):
            status (str):
            error (None | str | Unset):
            hottest (list[HotKey] | None | Unset):
            keys (int | None | Unset):
            latency_ms (CacheAnalyticsLatencyMsType0 | None | Unset):
            memory (CacheAnalyticsMemoryType0 | None | Unset):
            namespaces (CacheAnalyticsNamespacesType0 | None | Unset):
            range_ (None | str | Unset):
            step_s (int | None | Unset):
            t (list[int] | None | Unset):
    """

    enabled: bool
    status: str
    error: None | str | Unset = UNSET
    hottest: list[HotKey] | None | Unset = UNSET
    keys: int | None | Unset = UNSET
    latency_ms: CacheAnalyticsLatencyMsType0 | None | Unset = UNSET
    memory: CacheAnalyticsMemoryType0 | None | Unset = UNSET
    namespaces: CacheAnalyticsNamespacesType0 | None | Unset = UNSET
    range_: None | str | Unset = UNSET
    step_s: int | None | Unset = UNSET
    t: list[int] | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.cache_analytics_latency_ms_type_0 import CacheAnalyticsLatencyMsType0  # noqa: PLC0415
        from ..models.cache_analytics_memory_type_0 import CacheAnalyticsMemoryType0  # noqa: PLC0415
        from ..models.cache_analytics_namespaces_type_0 import CacheAnalyticsNamespacesType0  # noqa: PLC0415

        enabled = self.enabled

        status = self.status

        error: None | str | Unset
        if isinstance(self.error, Unset):
            error = UNSET
        else:
            error = self.error

        hottest: list[dict[str, Any]] | None | Unset
        if isinstance(self.hottest, Unset):
            hottest = UNSET
        elif isinstance(self.hottest, list):
            hottest = []
            for hottest_type_0_item_data in self.hottest:
                hottest_type_0_item = hottest_type_0_item_data.to_dict()
                hottest.append(hottest_type_0_item)

        else:
            hottest = self.hottest

        keys: int | None | Unset
        if isinstance(self.keys, Unset):
            keys = UNSET
        else:
            keys = self.keys

        latency_ms: dict[str, Any] | None | Unset
        if isinstance(self.latency_ms, Unset):
            latency_ms = UNSET
        elif isinstance(self.latency_ms, CacheAnalyticsLatencyMsType0):
            latency_ms = self.latency_ms.to_dict()
        else:
            latency_ms = self.latency_ms

        memory: dict[str, Any] | None | Unset
        if isinstance(self.memory, Unset):
            memory = UNSET
        elif isinstance(self.memory, CacheAnalyticsMemoryType0):
            memory = self.memory.to_dict()
        else:
            memory = self.memory

        namespaces: dict[str, Any] | None | Unset
        if isinstance(self.namespaces, Unset):
            namespaces = UNSET
        elif isinstance(self.namespaces, CacheAnalyticsNamespacesType0):
            namespaces = self.namespaces.to_dict()
        else:
            namespaces = self.namespaces

        range_: None | str | Unset
        if isinstance(self.range_, Unset):
            range_ = UNSET
        else:
            range_ = self.range_

        step_s: int | None | Unset
        if isinstance(self.step_s, Unset):
            step_s = UNSET
        else:
            step_s = self.step_s

        t: list[int] | None | Unset
        if isinstance(self.t, Unset):
            t = UNSET
        elif isinstance(self.t, list):
            t = self.t

        else:
            t = self.t

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "enabled": enabled,
                "status": status,
            }
        )
        if error is not UNSET:
            field_dict["error"] = error
        if hottest is not UNSET:
            field_dict["hottest"] = hottest
        if keys is not UNSET:
            field_dict["keys"] = keys
        if latency_ms is not UNSET:
            field_dict["latency_ms"] = latency_ms
        if memory is not UNSET:
            field_dict["memory"] = memory
        if namespaces is not UNSET:
            field_dict["namespaces"] = namespaces
        if range_ is not UNSET:
            field_dict["range"] = range_
        if step_s is not UNSET:
            field_dict["step_s"] = step_s
        if t is not UNSET:
            field_dict["t"] = t

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.cache_analytics_latency_ms_type_0 import CacheAnalyticsLatencyMsType0  # noqa: PLC0415
        from ..models.cache_analytics_memory_type_0 import CacheAnalyticsMemoryType0  # noqa: PLC0415
        from ..models.cache_analytics_namespaces_type_0 import CacheAnalyticsNamespacesType0  # noqa: PLC0415
        from ..models.hot_key import HotKey  # noqa: PLC0415

        d = dict(src_dict)
        enabled = d.pop("enabled")

        status = d.pop("status")

        def _parse_error(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        error = _parse_error(d.pop("error", UNSET))

        def _parse_hottest(data: object) -> list[HotKey] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                hottest_type_0 = []
                _hottest_type_0 = data
                for hottest_type_0_item_data in _hottest_type_0:
                    hottest_type_0_item = HotKey.from_dict(hottest_type_0_item_data)

                    hottest_type_0.append(hottest_type_0_item)

                return hottest_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[HotKey] | None | Unset, data)

        hottest = _parse_hottest(d.pop("hottest", UNSET))

        def _parse_keys(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        keys = _parse_keys(d.pop("keys", UNSET))

        def _parse_latency_ms(data: object) -> CacheAnalyticsLatencyMsType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                latency_ms_type_0 = CacheAnalyticsLatencyMsType0.from_dict(data)

                return latency_ms_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(CacheAnalyticsLatencyMsType0 | None | Unset, data)

        latency_ms = _parse_latency_ms(d.pop("latency_ms", UNSET))

        def _parse_memory(data: object) -> CacheAnalyticsMemoryType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                memory_type_0 = CacheAnalyticsMemoryType0.from_dict(data)

                return memory_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(CacheAnalyticsMemoryType0 | None | Unset, data)

        memory = _parse_memory(d.pop("memory", UNSET))

        def _parse_namespaces(data: object) -> CacheAnalyticsNamespacesType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                namespaces_type_0 = CacheAnalyticsNamespacesType0.from_dict(data)

                return namespaces_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(CacheAnalyticsNamespacesType0 | None | Unset, data)

        namespaces = _parse_namespaces(d.pop("namespaces", UNSET))

        def _parse_range_(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        range_ = _parse_range_(d.pop("range", UNSET))

        def _parse_step_s(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        step_s = _parse_step_s(d.pop("step_s", UNSET))

        def _parse_t(data: object) -> list[int] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                t_type_0 = cast(list[int], data)

                return t_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[int] | None | Unset, data)

        t = _parse_t(d.pop("t", UNSET))

        cache_analytics = cls(
            enabled=enabled,
            status=status,
            error=error,
            hottest=hottest,
            keys=keys,
            latency_ms=latency_ms,
            memory=memory,
            namespaces=namespaces,
            range_=range_,
            step_s=step_s,
            t=t,
        )

        cache_analytics.additional_properties = d
        return cache_analytics

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
