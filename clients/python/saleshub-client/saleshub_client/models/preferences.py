from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.preferences_categories import PreferencesCategories
    from ..models.preferences_channels import PreferencesChannels
    from ..models.quiet_window import QuietWindow


T = TypeVar("T", bound="Preferences")


@_attrs_define
class Preferences:
    """A user's notification preferences, defaults filled in.

    Attributes:
        categories (PreferencesCategories):
        channels (PreferencesChannels):
        enabled (bool):
        quiet_hours (None | QuietWindow):
        timezone (str):
    """

    categories: PreferencesCategories
    channels: PreferencesChannels
    enabled: bool
    quiet_hours: None | QuietWindow
    timezone: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.quiet_window import QuietWindow  # noqa: PLC0415

        categories = self.categories.to_dict()

        channels = self.channels.to_dict()

        enabled = self.enabled

        quiet_hours: dict[str, Any] | None
        if isinstance(self.quiet_hours, QuietWindow):
            quiet_hours = self.quiet_hours.to_dict()
        else:
            quiet_hours = self.quiet_hours

        timezone = self.timezone

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "categories": categories,
                "channels": channels,
                "enabled": enabled,
                "quiet_hours": quiet_hours,
                "timezone": timezone,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.preferences_categories import PreferencesCategories  # noqa: PLC0415
        from ..models.preferences_channels import PreferencesChannels  # noqa: PLC0415
        from ..models.quiet_window import QuietWindow  # noqa: PLC0415

        d = dict(src_dict)
        categories = PreferencesCategories.from_dict(d.pop("categories"))

        channels = PreferencesChannels.from_dict(d.pop("channels"))

        enabled = d.pop("enabled")

        def _parse_quiet_hours(data: object) -> None | QuietWindow:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                quiet_hours_type_0 = QuietWindow.from_dict(data)

                return quiet_hours_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | QuietWindow, data)

        quiet_hours = _parse_quiet_hours(d.pop("quiet_hours"))

        timezone = d.pop("timezone")

        preferences = cls(
            categories=categories,
            channels=channels,
            enabled=enabled,
            quiet_hours=quiet_hours,
            timezone=timezone,
        )

        preferences.additional_properties = d
        return preferences

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
