"""A Flask test client whose responses' ``json`` is typed for the tests that read it.

Werkzeug types ``Response.json`` as ``Any | None`` (a body may not be JSON), so every
``resp.json["id"]`` in a test is an error to mypy. A test that indexes a body that is not
JSON fails anyway (``TypeError`` on ``None``), so here ``json`` is ``Any``, and nothing
else changes: the responses are Werkzeug's test responses with this class mixed in.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse


class JsonResponse(TestResponse):
    """A test response whose ``json`` is typed ``Any`` (``None`` when it is not JSON)."""

    @property
    def json(self) -> Any:
        return self.get_json()


class JsonClient(FlaskClient):
    """``app.test_client()`` for the tests: its responses are :class:`JsonResponse`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.response_wrapper = type("JsonTestResponse", (JsonResponse, self.response_wrapper), {})

    def open(self, *args: Any, **kwargs: Any) -> JsonResponse:
        resp = super().open(*args, **kwargs)
        assert isinstance(resp, JsonResponse)
        return resp

    def get(self, *args: Any, **kw: Any) -> JsonResponse:
        return self.open(*args, method="GET", **kw)

    def post(self, *args: Any, **kw: Any) -> JsonResponse:
        return self.open(*args, method="POST", **kw)

    def put(self, *args: Any, **kw: Any) -> JsonResponse:
        return self.open(*args, method="PUT", **kw)

    def patch(self, *args: Any, **kw: Any) -> JsonResponse:
        return self.open(*args, method="PATCH", **kw)

    def delete(self, *args: Any, **kw: Any) -> JsonResponse:
        return self.open(*args, method="DELETE", **kw)

    def head(self, *args: Any, **kw: Any) -> JsonResponse:
        return self.open(*args, method="HEAD", **kw)

    def options(self, *args: Any, **kw: Any) -> JsonResponse:
        return self.open(*args, method="OPTIONS", **kw)


def client_for(app: Flask) -> JsonClient:
    """A test client of ``app`` (``app.test_client()``, typed)."""
    app.test_client_class = JsonClient
    client = app.test_client()
    assert isinstance(client, JsonClient)
    return client
