from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.queue import Queue
from ..types import UNSET, Unset

T = TypeVar("T", bound="DeadLetterQuery")


@_attrs_define
class DeadLetterQuery:
    """
    Attributes:
        actor (None | str | Unset):
        cursor (None | str | Unset):
        limit (int | Unset):  Default: 50.
        q (None | str | Unset):
        queue (None | Queue | Unset):
    """

    actor: None | str | Unset = UNSET
    cursor: None | str | Unset = UNSET
    limit: int | Unset = 50
    q: None | str | Unset = UNSET
    queue: None | Queue | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        actor: None | str | Unset
        if isinstance(self.actor, Unset):
            actor = UNSET
        else:
            actor = self.actor

        cursor: None | str | Unset
        if isinstance(self.cursor, Unset):
            cursor = UNSET
        else:
            cursor = self.cursor

        limit = self.limit

        q: None | str | Unset
        if isinstance(self.q, Unset):
            q = UNSET
        else:
            q = self.q

        queue: None | str | Unset
        if isinstance(self.queue, Unset):
            queue = UNSET
        elif isinstance(self.queue, Queue):
            queue = self.queue.value
        else:
            queue = self.queue

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if actor is not UNSET:
            field_dict["actor"] = actor
        if cursor is not UNSET:
            field_dict["cursor"] = cursor
        if limit is not UNSET:
            field_dict["limit"] = limit
        if q is not UNSET:
            field_dict["q"] = q
        if queue is not UNSET:
            field_dict["queue"] = queue

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_actor(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        actor = _parse_actor(d.pop("actor", UNSET))

        def _parse_cursor(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        cursor = _parse_cursor(d.pop("cursor", UNSET))

        limit = d.pop("limit", UNSET)

        def _parse_q(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        q = _parse_q(d.pop("q", UNSET))

        def _parse_queue(data: object) -> None | Queue | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                queue_type_0 = Queue(data)

                return queue_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Queue | Unset, data)

        queue = _parse_queue(d.pop("queue", UNSET))

        dead_letter_query = cls(
            actor=actor,
            cursor=cursor,
            limit=limit,
            q=q,
            queue=queue,
        )

        return dead_letter_query
