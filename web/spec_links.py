"""OpenAPI links: which answer gives the values another operation needs.

Derived from the paths, so a new route is linked without edits. Clients read them to
follow a flow; Schemathesis' stateful phase follows them to chain requests (create, then
read, change, delete what was made). Four kinds:

- ``POST /x`` -> every operation on ``/x/{param}[/...]``, ``param`` from the new item's
  ``id`` (create -> read, update, delete; job -> read, cancel);
- ``GET /x`` (a list) -> the same operations, from its first row's ``id`` (or the row's own
  key, ``message_id``, ``name``): items that are never made through the API, such as
  notifications, dead letters, worker jobs, queues and schedules, are reached this way;
- ``POST /x`` -> another method on ``/x`` whose required query parameters name fields
  of what was made (``DELETE /me/push-subscriptions?endpoint=``);
- a page (``/ops``, ``/live``) -> each file it loads (``/ops/vendor/{name}``).
"""

from __future__ import annotations

import re
from typing import Any

# A page and the prefixes of the files it loads.
PAGES = {"/ops": ("/ops/static/", "/ops/vendor/"), "/live": ("/live/static/",)}


def _name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_")


def _resolve(schema: dict[str, Any], schemas: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = schemas[schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _body_schema(response: dict[str, Any], schemas: dict[str, Any]) -> dict[str, Any]:
    media = response.get("content", {}).get("application/json", {})
    return _resolve(media.get("schema", {}), schemas)


def _path_params(op: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {p["name"]: p.get("schema", {}) for p in op.get("parameters", []) if p["in"] == "path"}


def _targets(paths: dict[str, Any], path: str) -> list[tuple[str, str, dict[str, Any], str]]:
    """Operations on ``path/{param}[/...]`` with one parameter that is not an enum.

    (path, method, operation, the parameter); an enum (``{action}``) is left to the client.
    """
    found = []
    for other, item in paths.items():
        if not other.startswith(path + "/{"):
            continue
        for method, op in sorted(item.items()):
            params = _path_params(op)
            open_ = [n for n in params if "enum" not in params[n] and "{" + n + "}" in other]
            if len(open_) == 1 and other.index("{" + open_[0] + "}") == len(path) + 1:
                found.append((other, method, op, open_[0]))
    return found


def _row_pointer(schema: dict[str, Any], param: str, schemas: dict[str, Any]) -> str | None:
    """Where a list answer holds its first row's value for ``param`` (``/items/0/id``)."""
    for name, prop in schema.get("properties", {}).items():
        prop = _resolve(prop, schemas)
        if prop.get("type") != "array" or "items" not in prop:
            continue
        row = _resolve(prop["items"], schemas).get("properties", {})
        key = param if param in row else ("id" if "id" in row else None)
        if key is not None:
            return f"/{name}/0/{key}"
    return None


def _item_links(paths: dict[str, Any], schemas: dict[str, Any]) -> None:
    for path, item in paths.items():
        for method, pointer_of in (("post", None), ("get", "list")):
            op = item.get(method)
            if op is None:
                continue
            for status, response in op.get("responses", {}).items():
                if not status.startswith("2"):
                    continue
                body = _body_schema(response, schemas)
                links: dict[str, Any] = {}
                for other, other_method, target, param in _targets(paths, path):
                    if pointer_of is None:
                        pointer: str | None = "/id"
                    else:
                        pointer = _row_pointer(body, param, schemas)
                    if pointer is None:
                        continue
                    links[_name(f"{other_method}{other[len(path) :]}")] = {
                        "operationId": target["operationId"],
                        "parameters": {param: f"$response.body#{pointer}"},
                    }
                if links:
                    response.setdefault("links", {}).update(links)


def _query_links(paths: dict[str, Any], schemas: dict[str, Any]) -> None:
    """``POST /x`` -> another method on ``/x`` whose required query names what was made."""
    for item in paths.values():
        post = item.get("post")
        if post is None:
            continue
        for method, op in item.items():
            query = [
                p["name"] for p in op.get("parameters", []) if p["in"] == "query" and p["required"]
            ]
            if method == "post" or not query:
                continue
            for status, response in post.get("responses", {}).items():
                fields = _body_schema(response, schemas).get("properties", {})
                if not status.startswith("2") or not all(q in fields for q in query):
                    continue
                response.setdefault("links", {})[method] = {
                    "operationId": op["operationId"],
                    "parameters": {q: f"$response.body#/{q}" for q in query},
                }


def _page_links(paths: dict[str, Any]) -> None:
    """A page -> each file it loads (the ``{name}`` enum of its file routes)."""
    for page, prefixes in PAGES.items():
        response = paths.get(page, {}).get("get", {}).get("responses", {}).get("200")
        if response is None:
            continue
        for path, item in paths.items():
            if not path.startswith(prefixes):
                continue
            op = item["get"]
            for name in _path_params(op).get("name", {}).get("enum", []):
                response.setdefault("links", {})[
                    _name(path[len(page) :].replace("{name}", name))
                ] = {
                    "operationId": op["operationId"],
                    "parameters": {"name": name},
                }


def add_links(doc: dict[str, Any]) -> None:
    """Add every kind of link (see the module docstring) to ``doc``'s 2xx answers."""
    paths, schemas = doc["paths"], doc["components"]["schemas"]
    _item_links(paths, schemas)
    _query_links(paths, schemas)
    _page_links(paths)
