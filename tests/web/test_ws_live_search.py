"""Live search keeps only each socket's latest query: one runs at a time, stale answers drop."""

from __future__ import annotations

import threading
from types import SimpleNamespace
from typing import Any

import orjson

from core.settings import Settings
from tests.support.stack import wait_for
from web.auth import Principal
from web.ws_client import Client
from web.ws_live import Live


def _live() -> Live:
    return Live(SimpleNamespace(settings=Settings()), set(), threading.Lock())  # type: ignore[arg-type]


class _Recorded(Client):
    """A client whose frames are recorded instead of written to a socket."""

    sent: list[dict[str, Any]]

    def offer(self, data: bytes, frame: bytes) -> None:
        self.sent.append(orjson.loads(data))


def _client() -> tuple[Client, list[dict[str, Any]]]:
    client = _Recorded(who=Principal(user_id=1, org_id=1, role="member"))
    client.sent = []
    return client, client.sent


def test_queries_typed_while_one_runs_collapse_to_the_latest() -> None:
    live, gate, started, ran = _live(), threading.Event(), threading.Event(), []

    def searcher(org_id: int, user_id: int, q: str, limit: int) -> dict[str, Any]:
        ran.append(q)
        if q == "a":
            started.set()
            gate.wait(10)
        return {"q": q, "items": [], "took_ms": 0}

    live.searcher = searcher
    client, sent = _client()
    live.search(client, 1, "a", 10)
    assert started.wait(10)
    live.search(client, 2, "ac", 10)  # waits, then is replaced before it runs
    live.search(client, 3, "acm", 10)
    gate.set()
    wait_for(lambda: not client.search_busy, timeout=10)
    assert ran == ["a", "acm"]  # "ac" never ran
    # "a"'s answer came back after seq 3 was asked: dropped.
    assert [(f["type"], f["data"]["seq"], f["data"]["q"]) for f in sent] == [("search", 3, "acm")]


def test_a_seq_defaults_to_the_next_and_bad_requests_are_refused() -> None:
    live = _live()
    live.searcher = lambda org_id, user_id, q, limit: {"q": q, "items": [], "took_ms": 0}
    client, sent = _client()
    assert live.search_request(client, {"q": "x"}) is None
    wait_for(lambda: not client.search_busy and sent, timeout=10)
    assert sent[0]["data"]["seq"] == 1
    for bad in (
        {"q": " "},
        {"q": "x", "limit": 51},
        {"q": "x", "seq": -1},
        {"q": "x", "seq": True},
    ):
        refusal = live.search_request(client, bad)
        assert refusal is not None and orjson.loads(refusal)["type"] == "error"
