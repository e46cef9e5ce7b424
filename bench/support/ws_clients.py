"""Many websocket clients in one process: asyncio protocols with a minimal RFC 6455 client.

``python bench/support/ws_clients.py HOST PORT`` with the API key in ``BENCH_WS_KEY``
(not on the command line, where ``ps`` shows it); driven by JSON commands on stdin, one
per line, each answered by one JSON line on stdout (progress and errors go to stderr):

  {"op": "connect", "n": 100}      open 100 more sockets: handshake (Bearer key), ``hello``,
                                   subscribe to ``jobs``, ``ack``; answers open/failed/secs
  {"op": "record"}                 forget earlier events; record every event frame from now
  {"op": "collect", "expect": E, "timeout": T}
                                   wait until every socket has E events (or T seconds), then
                                   answer the latencies (receive time - frame ``ts``, ms),
                                   per-event slowest latency and the frames missing
  {"op": "close"}                  close every socket (close frame, then FIN) and exit

Why not websocket-client: it needs one thread per socket, and 1,000 client threads would
compete with the server under test for the machine's two cores. Here each chunk read costs
one ``data_received`` call; the receive time is taken when it starts, before parsing, so
client work inflates it little.
The client sends no ``Sec-WebSocket-Extensions``, so frames are never compressed.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import os
import sys
import time
from typing import Any

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
# Handshakes in flight per client process: with two processes, fewer than the realtime
# worker's database pool (10 + 10 overflow), each handshake holding one briefly.
CONNECT_CONCURRENCY = 16
# A handshake refused for load (503 database pool, 429) is tried again, counted.
RETRIES = 5
STEP_TIMEOUT_S = 20.0


def masked(payload: bytes, opcode: int = 1) -> bytes:
    """One client frame (clients must mask)."""
    mask = os.urandom(4)
    n = len(payload)
    if n < 126:
        head = bytes([0x80 | opcode, 0x80 | n])
    elif n < 65536:
        head = bytes([0x80 | opcode, 0x80 | 126]) + n.to_bytes(2, "big")
    else:
        head = bytes([0x80 | opcode, 0x80 | 127]) + n.to_bytes(8, "big")
    key = int.from_bytes((mask * (n // 4 + 1))[:n], "big") if n else 0
    body = (int.from_bytes(payload, "big") ^ key).to_bytes(n, "big") if n else b""
    return head + mask + body


class Client(asyncio.Protocol):
    """One websocket; text frames before ``recording`` go to ``inbox`` (hello, ack)."""

    def __init__(self, host: str, port: int, key: str, shared: Shared) -> None:
        self.request_key = base64.b64encode(os.urandom(16))
        self.request = (
            f"GET /ws HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
            "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
            f"Authorization: Bearer {key}\r\n".encode()
            + b"Sec-WebSocket-Key: "
            + self.request_key
            + b"\r\n\r\n"
        )
        self.shared = shared
        self.transport: asyncio.Transport | None = None
        self.upgraded = False
        self.buf = b""
        self.inbox: asyncio.Queue[bytes] = asyncio.Queue()
        self.events: list[tuple[float, bytes]] = []
        self.closed = asyncio.get_running_loop().create_future()
        self.close_code: int | None = None

    # ---------------------------------------------------------------- asyncio callbacks
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.transport.write(self.request)  # type: ignore[union-attr]

    def data_received(self, data: bytes) -> None:
        now = time.time()  # first: the receive time of every frame in this chunk
        buf = self.buf + data if self.buf else data
        if not self.upgraded:
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                self.buf = buf
                return
            head, buf = buf[:end], buf[end + 4 :]
            accept = base64.b64encode(
                hashlib.sha1(self.request_key + GUID, usedforsecurity=False).digest()
            )
            if not head.startswith(b"HTTP/1.1 101") or accept not in head:
                self._fail(head.split(b"\r\n", 1)[0].decode(errors="replace"))
                return
            self.upgraded = True
        while len(buf) >= 2:
            b0, b1 = buf[0], buf[1]
            n, at = b1 & 0x7F, 2
            if n == 126:
                if len(buf) < 4:
                    break
                n, at = int.from_bytes(buf[2:4], "big"), 4
            elif n == 127:
                if len(buf) < 10:
                    break
                n, at = int.from_bytes(buf[2:10], "big"), 10
            if len(buf) < at + n:
                break
            payload, buf = buf[at : at + n], buf[at + n :]
            opcode = b0 & 0x0F
            if opcode == 1 or opcode == 2:  # the server never fragments (wsproto)
                if self.shared.recording:
                    self.events.append((now, payload))
                else:
                    self.inbox.put_nowait(payload)
            elif opcode == 9:  # the server pings every 25 s and drops who does not pong
                self.send(payload, opcode=10)
            elif opcode == 8:
                self.close_code = int.from_bytes(payload[:2], "big") if len(payload) >= 2 else 0
                self.shared.server_closed += 1
                self._finish()
        self.buf = buf

    def connection_lost(self, exc: Exception | None) -> None:
        self._finish()

    # ---------------------------------------------------------------- helpers
    def send(self, payload: bytes, opcode: int = 1) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(masked(payload, opcode))

    def _fail(self, why: str) -> None:
        if not self.closed.done():
            self.closed.set_exception(ConnectionError(why))
        if self.transport is not None:
            self.transport.close()

    def _finish(self) -> None:
        if not self.closed.done():
            self.closed.set_result(None)
        if self.transport is not None:
            self.transport.close()

    async def expect(self, kind: str) -> dict[str, Any]:
        waiter = asyncio.ensure_future(self.inbox.get())
        done, _ = await asyncio.wait(
            {waiter, self.closed}, timeout=STEP_TIMEOUT_S, return_when=asyncio.FIRST_COMPLETED
        )
        if waiter not in done:
            waiter.cancel()
            if self.closed.done():
                self.closed.result()  # raises the handshake failure, if that was it
                raise ConnectionError(f"closed while waiting for {kind} ({self.close_code})")
            raise TimeoutError(f"no {kind} frame")
        frame = json.loads(waiter.result())
        if frame.get("type") != kind:
            raise ConnectionError(f"expected {kind}, got {frame}")
        return frame


class Shared:
    def __init__(self) -> None:
        self.recording = False
        self.server_closed = 0
        self.retried = 0


async def open_one(host: str, port: int, key: str, shared: Shared) -> Client:
    loop = asyncio.get_running_loop()
    _, client = await asyncio.wait_for(
        loop.create_connection(lambda: Client(host, port, key, shared), host, port),
        STEP_TIMEOUT_S,
    )
    await client.expect("hello")
    client.send(b'{"op": "subscribe", "channel": "jobs"}')
    await client.expect("ack")
    return client


async def guarded(
    host: str,
    port: int,
    key: str,
    shared: Shared,
    sem: asyncio.Semaphore,
    clients: list[Client],
    errors: list[str],
) -> None:
    async with sem:
        for attempt in range(RETRIES + 1):
            try:
                clients.append(await open_one(host, port, key, shared))
                return
            except ConnectionError as exc:
                if attempt < RETRIES and (" 503 " in str(exc) or " 429 " in str(exc)):
                    shared.retried += 1
                    await asyncio.sleep(1.0)
                    continue
                errors.append(repr(exc))
                return
            except Exception as exc:  # counted and reported, not fatal
                errors.append(repr(exc))
                return


async def main(host: str, port: int, key: str) -> None:
    loop = asyncio.get_running_loop()
    shared = Shared()
    clients: list[Client] = []
    out = sys.stdout

    def answer(obj: dict[str, Any]) -> None:
        out.write(json.dumps(obj) + "\n")
        out.flush()

    while True:
        line = await loop.run_in_executor(None, sys.stdin.readline)
        if not line:
            break  # the bench went away: close everything
        cmd = json.loads(line)
        op = cmd["op"]
        if op == "connect":
            sem = asyncio.Semaphore(CONNECT_CONCURRENCY)
            errors: list[str] = []
            t = time.perf_counter()
            await asyncio.gather(
                *(guarded(host, port, key, shared, sem, clients, errors) for _ in range(cmd["n"]))
            )
            answer(
                {
                    "open": sum(1 for c in clients if not c.closed.done()),
                    "failed": len(errors),
                    "first_error": errors[0] if errors else None,
                    "retried": shared.retried,
                    "secs": time.perf_counter() - t,
                }
            )
        elif op == "record":
            for c in clients:
                c.events.clear()
            shared.recording = True
            answer({"recording": True})
        elif op == "collect":
            expect, end = cmd["expect"], time.monotonic() + cmd["timeout"]
            while time.monotonic() < end and any(
                len(c.events) < expect and not c.closed.done() for c in clients
            ):
                await asyncio.sleep(0.05)
            shared.recording = False
            latencies: list[float] = []
            slowest: dict[int, float] = {}
            received = 0
            for c in clients:
                for t_recv, payload in c.events:
                    frame = json.loads(payload)
                    if frame.get("type") != "event":
                        continue
                    ms = (t_recv - frame["ts"]) * 1000
                    latencies.append(round(ms, 3))
                    seq = frame["data"]["seq"]
                    slowest[seq] = max(slowest.get(seq, 0.0), ms)
                    received += 1
                c.events.clear()
            answer(
                {
                    "latencies_ms": latencies,
                    "slowest_per_event_ms": [round(v, 3) for v in slowest.values()],
                    "received": received,
                    "sockets": len(clients),
                    "open": sum(1 for c in clients if not c.closed.done()),
                    "server_closed": shared.server_closed,
                }
            )
        elif op == "close":
            break
    for c in clients:
        c.send((1000).to_bytes(2, "big"), opcode=8)
    await asyncio.sleep(0.2)
    for c in clients:
        if c.transport is not None:
            c.transport.close()
    await asyncio.sleep(0.1)
    answer({"closed": len(clients)})


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2]), os.environ["BENCH_WS_KEY"]))
