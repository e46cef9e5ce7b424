"""List, create, read, update and delete for one CRM resource, scoped to the caller's org."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, Response, request
from pydantic import BaseModel
from spectree import Response as SpecResponse
from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from core.cache.keys import detail_tags, list_tags
from models import User
from web.auth import owned, principal
from web.caching import cached
from web.errors import ApiError
from web.ext import db
from web.http import json_response, row_to_dict
from web.idempotency import transactional
from web.pagination import paginate
from web.responses import resource_models
from web.schemas import list_model, update_model
from web.spec import returns, spec

WriteHook = Callable[[Session, int, Any, str], None]


@dataclass(frozen=True, eq=False)
class Resource:
    """How one resource is exposed; compared and hashed as an object (its views are built
    once per resource, :func:`_views`).

    Parameters:
      name: plural path segment, e.g. ``companies``.
      model: the SQLAlchemy model.
      create: the pydantic create model (PATCH and list models derive from it).
      sorts: columns a list may sort by (non-null ones, for keyset pagination).
      filters: query filters, name to type, compared for equality.
      links: foreign-key fields and the model whose row (in the same org) they name.
      on_write: called in the write's transaction with (session, org id, row, action).
    """

    name: str
    model: Any
    create: type[BaseModel]
    sorts: tuple[str, ...]
    filters: dict[str, Any]
    links: dict[str, Any] = field(default_factory=dict)
    on_write: tuple[WriteHook, ...] = ()

    @property
    def singular(self) -> str:
        return singular(self.name)


def singular(plural: str) -> str:
    """``companies`` -> ``company``, ``users`` -> ``user``."""
    return plural[:-3] + "y" if plural.endswith("ies") else plural[:-1]


def _get(resource: Resource, item_id: int) -> Any:
    return owned(resource.model, item_id, resource.singular)


def _check_links(resource: Resource, values: dict[str, Any]) -> None:
    org_id = principal().org_id
    links = {**resource.links, "owner_id": User}
    for name, target in links.items():
        ref = values.get(name)
        if ref is None:
            continue
        row = db().get(target, ref)
        if row is None or row.org_id != org_id:
            kind = singular(target.__tablename__)
            raise ApiError(
                422,
                "request validation failed",
                details=[{"loc": [name], "msg": f"no such {kind}", "type": "reference"}],
            )


def _record_changes(row: Any, changes: dict[str, tuple[Any, Any]]) -> None:
    inspect(row).info["changes"] = changes


def changes_of(row: Any) -> dict[str, tuple[Any, Any]]:
    """What the current write changed on ``row``: field -> (old, new); for write hooks."""
    changes: dict[str, tuple[Any, Any]] = inspect(row).info.get("changes", {})
    return changes


def _run_hooks(resource: Resource, row: Any, action: str) -> None:
    for hook in resource.on_write:
        hook(db(), principal().org_id, row, action)


def register(bp: Blueprint, resource: Resource) -> None:
    """Add the five routes of ``resource`` to ``bp``."""
    list_items, create_item, get_item, update_item, delete_item = _views(resource)
    n, base = resource.name, f"/{resource.name}"
    bp.add_url_rule(base, f"{n}_list", list_items, methods=["GET"])
    bp.add_url_rule(base, f"{n}_create", create_item, methods=["POST"])
    bp.add_url_rule(f"{base}/<id:item_id>", f"{n}_get", get_item, methods=["GET"])
    bp.add_url_rule(f"{base}/<id:item_id>", f"{n}_update", update_item, methods=["PATCH"])
    bp.add_url_rule(f"{base}/<id:item_id>", f"{n}_delete", delete_item, methods=["DELETE"])


# Built once per resource and process: every app (a test builds hundreds) registers the
# same functions. Building them makes pydantic models and their JSON schemas: ``create_app``
# took 177 ms (median of 8) with them, 68 ms without (2026-12-08).
@functools.cache
def _views(resource: Resource) -> tuple[Callable[..., Response], ...]:
    """The list, create, get, update and delete views of ``resource``, validated."""
    patch_model = update_model(resource.create)
    query_model = list_model(f"{resource.create.__name__}List", resource.sorts, resource.filters)
    tags = [resource.name]
    table = resource.model.__tablename__
    item_model, page = resource_models(resource)

    @returns(page)
    @spec.validate(query=query_model, tags=tags)
    @cached(f"{resource.name}.list", tags=lambda: list_tags(table))
    def list_items() -> Response:
        q = request.context.query  # type: ignore[attr-defined]
        model = resource.model
        stmt = select(model).where(model.org_id == principal().org_id)
        for name in resource.filters:
            value = getattr(q, name)
            if value is not None:
                stmt = stmt.where(getattr(model, name) == value)
        rows, cursor = paginate(
            db(), stmt, model=model, sort=q.sort, limit=q.limit, cursor=q.cursor
        )
        return json_response({"items": [row_to_dict(r) for r in rows], "next_cursor": cursor})

    @returns(item_model, status=201)
    @spec.validate(json=resource.create, tags=tags, resp=SpecResponse(HTTP_201=None))
    @transactional
    def create_item() -> Response:
        values = request.context.json.model_dump()  # type: ignore[attr-defined]
        _check_links(resource, values)
        row = resource.model(org_id=principal().org_id, **values)
        db().add(row)
        db().flush()
        _record_changes(row, {k: (None, v) for k, v in values.items() if v is not None})
        _run_hooks(resource, row, "create")
        db().refresh(row)
        return json_response(row_to_dict(row), 201)

    @returns(item_model)
    @spec.validate(tags=tags)
    @cached(f"{resource.name}.detail", tags=lambda item_id: detail_tags(table, item_id))
    def get_item(item_id: int) -> Response:
        return json_response(row_to_dict(_get(resource, item_id)))

    @returns(item_model)
    @spec.validate(json=patch_model, tags=tags)
    @transactional
    def update_item(item_id: int) -> Response:
        # The PATCH model refuses null for NOT NULL columns (see web.schemas.update_model).
        values = request.context.json.model_dump(exclude_unset=True)  # type: ignore[attr-defined]
        row = _get(resource, item_id)
        _check_links(resource, values)
        old = {name: getattr(row, name) for name in values}
        for name, value in values.items():
            setattr(row, name, value)
        db().flush()
        _record_changes(row, {k: (old[k], v) for k, v in values.items() if old[k] != v})
        _run_hooks(resource, row, "update")
        db().refresh(row)
        return json_response(row_to_dict(row))

    @spec.validate(tags=tags, resp=SpecResponse(HTTP_204=None))
    @transactional
    def delete_item(item_id: int) -> Response:
        row = _get(resource, item_id)
        _run_hooks(resource, row, "delete")
        db().delete(row)
        return Response(status=204)

    return list_items, create_item, get_item, update_item, delete_item
