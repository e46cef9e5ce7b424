from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.preferences_in_categories import PreferencesInCategories
    from ..models.preferences_in_channels import PreferencesInChannels
    from ..models.quiet_hours import QuietHours


T = TypeVar("T", bound="PreferencesIn")


@_attrs_define
class PreferencesIn:
    """
    Attributes:
        categories (PreferencesInCategories | Unset):
        channels (PreferencesInChannels | Unset):
        enabled (bool | Unset):  Default: True.
        quiet_hours (None | QuietHours | Unset):
        timezone (str | Unset):  Default: 'UTC'.
    """

    categories: PreferencesInCategories | Unset = UNSET
    channels: PreferencesInChannels | Unset = UNSET
    enabled: bool | Unset = True
    quiet_hours: None | QuietHours | Unset = UNSET
    timezone: str | Unset = "UTC"

    def to_dict(self) -> dict[str, Any]:
        from ..models.quiet_hours import QuietHours  # noqa: PLC0415

        categories: dict[str, Any] | Unset = UNSET
        if not isinstance(self.categories, Unset):
            categories = self.categories.to_dict()

        channels: dict[str, Any] | Unset = UNSET
        if not isinstance(self.channels, Unset):
            channels = self.channels.to_dict()

        enabled = self.enabled

        quiet_hours: dict[str, Any] | None | Unset
        if isinstance(self.quiet_hours, Unset):
            quiet_hours = UNSET
        elif isinstance(self.quiet_hours, QuietHours):
            quiet_hours = self.quiet_hours.to_dict()
        else:
            quiet_hours = self.quiet_hours

        timezone = self.timezone

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if categories is not UNSET:
            field_dict["categories"] = categories
        if channels is not UNSET:
            field_dict["channels"] = channels
        if enabled is not UNSET:
            field_dict["enabled"] = enabled
        if quiet_hours is not UNSET:
            field_dict["quiet_hours"] = quiet_hours
        if timezone is not UNSET:
            field_dict["timezone"] = timezone

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.preferences_in_categories import PreferencesInCategories  # noqa: PLC0415
        from ..models.preferences_in_channels import PreferencesInChannels  # noqa: PLC0415
        from ..models.quiet_hours import QuietHours  # noqa: PLC0415

        d = dict(src_dict)
        _categories = d.pop("categories", UNSET)
        categories: PreferencesInCategories | Unset
        if isinstance(_categories, Unset):
            categories = UNSET
        else:
            categories = PreferencesInCategories.from_dict(_categories)

        _channels = d.pop("channels", UNSET)
        channels: PreferencesInChannels | Unset
        if isinstance(_channels, Unset):
            channels = UNSET
        else:
            channels = PreferencesInChannels.from_dict(_channels)

        enabled = d.pop("enabled", UNSET)

        def _parse_quiet_hours(data: object) -> None | QuietHours | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                quiet_hours_type_0 = QuietHours.from_dict(data)

                return quiet_hours_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | QuietHours | Unset, data)

        quiet_hours = _parse_quiet_hours(d.pop("quiet_hours", UNSET))

        timezone = d.pop("timezone", UNSET)

        preferences_in = cls(
            categories=categories,
            channels=channels,
            enabled=enabled,
            quiet_hours=quiet_hours,
            timezone=timezone,
        )

        return preferences_in
