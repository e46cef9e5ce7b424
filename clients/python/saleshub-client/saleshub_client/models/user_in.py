from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..models.user_in_role import UserInRole
from ..types import UNSET, Unset

T = TypeVar("T", bound="UserIn")


@_attrs_define
class UserIn:
    """
    Attributes:
        email (str):
        role (UserInRole | Unset):  Default: UserInRole.MEMBER.
    """

    email: str
    role: UserInRole | Unset = UserInRole.MEMBER

    def to_dict(self) -> dict[str, Any]:
        email = self.email

        role: str | Unset = UNSET
        if not isinstance(self.role, Unset):
            role = self.role.value

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "email": email,
            }
        )
        if role is not UNSET:
            field_dict["role"] = role

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        email = d.pop("email")

        _role = d.pop("role", UNSET)
        role: UserInRole | Unset
        if isinstance(_role, Unset):
            role = UNSET
        else:
            role = UserInRole(_role)

        user_in = cls(
            email=email,
            role=role,
        )

        return user_in
