"""Examples for the OpenAPI document: every request body and every answer gets one.

A model's own example comes first (``json_schema_extra={"examples": [...]}`` or a field's
``Field(examples=[...])``); whatever says nothing is filled in from its schema, field by
field: a declared example, a constant, the first allowed value, a default, or a value of
the field's type and format within its bounds. So a new route is illustrated without
edits, and the more its models say, the better its example reads. ``tests/web`` validates
every example against the schema it illustrates.
"""

from __future__ import annotations

from typing import Any

EXAMPLE_TIME = "2026-12-01T09:30:00+00:00"
_FORMATS: dict[str, Any] = {
    "date-time": EXAMPLE_TIME,
    "date": "2026-12-01",
    "time": "09:30:00",
    "email": "ada@acme.example",
    "uri": "https://saleshub.example/",
    "url": "https://saleshub.example/",
    "uuid": "0b7e7a52-5b8c-4b8e-9d1e-3f4a5b6c7d8e",
    "binary": "<bytes>",
}
# What a file answer of each media type looks like (its schema is just a string).
MEDIA_EXAMPLES = {
    "text/csv": "id,first_name,email\n1,Ada,ada@acme.example\n",
    "application/x-ndjson": '{"id": 1, "first_name": "Ada", "email": "ada@acme.example"}\n',
    "text/plain": "# HELP saleshub_http_requests_total HTTP requests\n",
    "text/html": "<!doctype html><title>SalesHub</title>",
    "text/javascript": "export function start() {}\n",
    "text/css": "body { margin: 0 }\n",
    "multipart/form-data": None,  # a form's example is its fields (from the schema)
}
_MAX_DEPTH = 8


def _resolve(schema: dict[str, Any], schemas: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = schemas[schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def declared(schema: dict[str, Any], schemas: dict[str, Any]) -> tuple[bool, Any]:
    """The example a schema (or the one it refers to) declares itself, if any."""
    schema = _resolve(schema, schemas)
    if schema.get("examples"):
        return True, schema["examples"][0]
    if "example" in schema:
        return True, schema["example"]
    return False, None


def synthesize(schema: dict[str, Any], schemas: dict[str, Any], depth: int = 0) -> Any:
    """A value valid for ``schema``, as telling as the schema allows."""
    found, value = declared(schema, schemas)
    if found:
        return value
    schema = _resolve(schema, schemas)
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    for key in ("anyOf", "oneOf"):
        if key in schema:
            branches = [b for b in schema[key] if _resolve(b, schemas).get("type") != "null"]
            return synthesize((branches or schema[key])[0], schemas, depth + 1)
    if "allOf" in schema:
        return synthesize(schema["allOf"][0], schemas, depth + 1)
    if schema.get("default") is not None:
        return schema["default"]
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "object" or "properties" in schema:
        return _object(schema, schemas, depth)
    if kind == "array":
        if depth >= _MAX_DEPTH or schema.get("maxItems") == 0 or "items" not in schema:
            return []
        item = synthesize(schema["items"], schemas, depth + 1)
        return [item] * max(1, schema.get("minItems", 1))
    if kind == "string":
        return _string(schema)
    if kind in ("integer", "number"):
        low = schema.get("minimum", schema.get("exclusiveMinimum", 0) + 1)
        high = schema.get("maximum", low)
        return min(max(low, 1), high) if kind == "integer" else float(min(max(low, 1), high))
    if kind == "boolean":
        return True
    if kind == "null":
        return None
    return {}  # any JSON value: an empty object says the least that could mislead


def _object(schema: dict[str, Any], schemas: dict[str, Any], depth: int) -> dict[str, Any]:
    if depth >= _MAX_DEPTH:
        return {}
    properties: dict[str, Any] = schema.get("properties", {})
    return {name: synthesize(sub, schemas, depth + 1) for name, sub in properties.items()}


def _string(schema: dict[str, Any]) -> str:
    value = _FORMATS.get(schema.get("format", ""), "example")
    low, high = schema.get("minLength", 0), schema.get("maxLength")
    value = value.ljust(low, "x")
    return value[:high] if high is not None else value


def made_up(media_type: str, schema: dict[str, Any], schemas: dict[str, Any]) -> Any:
    """An example for a body that declares none: a sample file, or one from its schema."""
    sample = MEDIA_EXAMPLES.get(media_type)
    return sample if sample is not None else synthesize(schema, schemas)


def add_examples(doc: dict[str, Any]) -> None:
    """Give every request body and answer with a body an example, where none is declared,
    and every parameter whose schema makes a telling one (a number, a choice, a date).

    An example the schema declares (a model's ``examples``) is left where it is; others go
    on the media object (``example``), so shared schemas are not changed.
    """
    schemas = doc["components"]["schemas"]
    for item in doc["paths"].values():
        for op in item.values():
            bodies = [op["requestBody"]] if "requestBody" in op else []
            bodies += list(op.get("responses", {}).values())
            for body in bodies:
                for media_type, media in body.get("content", {}).items():
                    if has_example(media, schemas):
                        continue
                    media["example"] = made_up(media_type, media.get("schema", {}), schemas)
            for param in op.get("parameters", []):
                schema = param.get("schema", {})
                told = "example" in param or declared(schema, schemas)[0]
                if not told and _telling(schema, schemas):
                    param["example"] = synthesize(schema, schemas)


def _telling(schema: dict[str, Any], schemas: dict[str, Any]) -> bool:
    """Whether a value made from ``schema`` says something true (not "example" text).

    A free-text parameter (a cursor, a search) gets an example only from its model.
    """
    schema = _resolve(schema, schemas)
    for key in ("anyOf", "oneOf"):
        if key in schema:
            branches = [b for b in schema[key] if _resolve(b, schemas).get("type") != "null"]
            return bool(branches) and _telling(branches[0], schemas)
    if schema.get("default") is not None or "const" in schema or schema.get("enum"):
        return True
    return schema.get("type") in ("integer", "number", "boolean") or "format" in schema


def has_example(media: dict[str, Any], schemas: dict[str, Any]) -> bool:
    """Whether a media object, or the schema it names, carries an example."""
    if "example" in media or media.get("examples"):
        return True
    return declared(media.get("schema", {}), schemas)[0]
