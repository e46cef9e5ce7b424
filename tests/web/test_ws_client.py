"""A socket's outbound side: pings, and a client that stops reading (threads, as in dev)."""

from __future__ import annotations

import socket
from types import SimpleNamespace

from tests.support.stack import wait_for
from web.auth import Principal
from web.ws_client import PING, SEND_QUEUE, Client
from web.ws_frames import text_frame


def _client() -> tuple[Client, socket.socket]:
    ours, theirs = socket.socketpair()
    ws = SimpleNamespace(sock=ours, connected=True, pong_received=True, ws=None)
    client = Client(who=Principal(user_id=1, org_id=1, role="member"), ws=ws, plain=True)
    return client, theirs


def test_a_client_that_never_answers_a_ping_is_cut() -> None:
    client, peer = _client()
    peer.settimeout(5)
    assert client.ping() is True
    assert peer.recv(2) == PING
    assert client.ping() is False  # no pong since the last ping
    assert client.dropped and not client.ws.connected
    peer.close()


def test_frames_go_out_in_order_and_a_client_that_stops_reading_is_cut() -> None:
    client, peer = _client()
    peer.settimeout(5)
    for n in range(3):
        data = b'{"n":%d}' % n
        client.offer(data, text_frame(data))
    got = b""
    while len(got) < 3 * 9:
        got += peer.recv(100)
    assert got == b"".join(text_frame(b'{"n":%d}' % n) for n in range(3))
    blob = b"x" * 100_000  # the peer reads nothing more: buffers fill, the backlog grows
    for _ in range(SEND_QUEUE + 50):
        client.offer(blob, text_frame(blob))
        if client.dropped:
            break
    wait_for(lambda: client.dropped, timeout=10)
    assert client.closing and not client.ws.connected
    peer.close()
