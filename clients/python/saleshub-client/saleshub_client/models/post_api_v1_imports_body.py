from __future__ import annotations

from collections.abc import Mapping
from io import BytesIO
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from .. import types
from ..models.post_api_v1_imports_body_dry_run import PostApiV1ImportsBodyDryRun
from ..models.post_api_v1_imports_body_type import PostApiV1ImportsBodyType
from ..types import UNSET, File, Unset

T = TypeVar("T", bound="PostApiV1ImportsBody")


@_attrs_define
class PostApiV1ImportsBody:
    """
    Attributes:
        file (File):
        type_ (PostApiV1ImportsBodyType):
        dry_run (PostApiV1ImportsBodyDryRun | Unset):
        key (str | Unset): the upsert field
        mapping (str | Unset): JSON: column -> field
    """

    file: File
    type_: PostApiV1ImportsBodyType
    dry_run: PostApiV1ImportsBodyDryRun | Unset = UNSET
    key: str | Unset = UNSET
    mapping: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        file = self.file.to_tuple()

        type_ = self.type_.value

        dry_run: str | Unset = UNSET
        if not isinstance(self.dry_run, Unset):
            dry_run = self.dry_run.value

        key = self.key

        mapping = self.mapping

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "file": file,
                "type": type_,
            }
        )
        if dry_run is not UNSET:
            field_dict["dry_run"] = dry_run
        if key is not UNSET:
            field_dict["key"] = key
        if mapping is not UNSET:
            field_dict["mapping"] = mapping

        return field_dict

    def to_multipart(self) -> types.RequestFiles:
        files: types.RequestFiles = []

        files.append(("file", self.file.to_tuple()))

        files.append(("type", (None, str(self.type_.value).encode(), "text/plain")))

        if not isinstance(self.dry_run, Unset):
            files.append(("dry_run", (None, str(self.dry_run.value).encode(), "text/plain")))

        if not isinstance(self.key, Unset):
            files.append(("key", (None, str(self.key).encode(), "text/plain")))

        if not isinstance(self.mapping, Unset):
            files.append(("mapping", (None, str(self.mapping).encode(), "text/plain")))

        for prop_name, prop in self.additional_properties.items():
            files.append((prop_name, (None, str(prop).encode(), "text/plain")))

        return files

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        file = File(payload=BytesIO(d.pop("file")))

        type_ = PostApiV1ImportsBodyType(d.pop("type"))

        _dry_run = d.pop("dry_run", UNSET)
        dry_run: PostApiV1ImportsBodyDryRun | Unset
        if isinstance(_dry_run, Unset):
            dry_run = UNSET
        else:
            dry_run = PostApiV1ImportsBodyDryRun(_dry_run)

        key = d.pop("key", UNSET)

        mapping = d.pop("mapping", UNSET)

        post_api_v1_imports_body = cls(
            file=file,
            type_=type_,
            dry_run=dry_run,
            key=key,
            mapping=mapping,
        )

        post_api_v1_imports_body.additional_properties = d
        return post_api_v1_imports_body

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
