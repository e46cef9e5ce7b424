from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.user_in_role import UserInRole
from ..types import UNSET, Unset

T = TypeVar("T", bound="UserIn")


@_attrs_define
class UserIn:
    """
    Attributes:
        email (str): stored in lower case; unique within the organization
        org_id (int | None | Unset): the user's organization (operators; default: the caller's)
        role (UserInRole | Unset):  Default: UserInRole.MEMBER.
    """

    email: str
    org_id: int | None | Unset = UNSET
    role: UserInRole | Unset = UserInRole.MEMBER

    def to_dict(self) -> dict[str, Any]:
        email = self.email

        org_id: int | None | Unset
        if isinstance(self.org_id, Unset):
            org_id = UNSET
        else:
            org_id = self.org_id

        role: str | Unset = UNSET
        if not isinstance(self.role, Unset):
            role = self.role.value

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "email": email,
            }
        )
        if org_id is not UNSET:
            field_dict["org_id"] = org_id
        if role is not UNSET:
            field_dict["role"] = role

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        email = d.pop("email")

        def _parse_org_id(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        org_id = _parse_org_id(d.pop("org_id", UNSET))

        _role = d.pop("role", UNSET)
        role: UserInRole | Unset
        if isinstance(_role, Unset):
            role = UNSET
        else:
            role = UserInRole(_role)

        user_in = cls(
            email=email,
            org_id=org_id,
            role=role,
        )

        return user_in
