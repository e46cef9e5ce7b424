"""A network namespace for a "node": its own network stack, reaching the host's services.

Issue 15 item 3 asks for worker nodes "in network namespaces where the machine allows".
A node in :class:`NodeNamespace` has its own interfaces, loopback and routing table; it
reaches the host over a veth pair only. The private PostgreSQL, Redis and RabbitMQ listen
on the host's 127.0.0.1, which no other namespace can reach, so a :class:`Forwarder` in
the test process listens on the host end of the pair and relays each connection to
127.0.0.1, closing one side when the other closes (a SIGKILLed node's connections close
at the broker as they would across machines).

Needs root (``CAP_NET_ADMIN``) and the ``ip`` command; :func:`available` says whether this
machine allows it.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import shutil
import socket
import subprocess
import threading
from urllib.parse import urlsplit, urlunsplit


def available() -> bool:
    """Whether namespaces and veth pairs can be made here (root and ``ip``)."""
    if os.geteuid() != 0 or shutil.which("ip") is None:
        return False
    name = f"shprobe{os.getpid() % 100_000}"
    made = subprocess.run(["ip", "netns", "add", name], capture_output=True).returncode == 0
    if made:
        subprocess.run(["ip", "netns", "del", name], capture_output=True)
    return made


def _free_net() -> str:
    """A ``10.231.N`` prefix that no interface of the machine has an address in."""
    used = subprocess.run(
        ["ip", "-o", "-4", "addr", "show"], capture_output=True, text=True, check=True
    ).stdout
    start = os.getpid() % 250
    for n in ((start + i) % 250 + 1 for i in range(250)):
        if f" 10.231.{n}." not in used:
            return f"10.231.{n}"
    raise RuntimeError("no free 10.231.N.0/30 on this machine")


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, timeout=10)


class Forwarder:
    """Relays TCP connections from ``host:port`` (any free port) to ``127.0.0.1:target``."""

    def __init__(self, host: str, target: int) -> None:
        self.target = target
        self.listener = socket.create_server((host, 0))
        self.port = int(self.listener.getsockname()[1])
        self.closed = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.closed.is_set():
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target), timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            threading.Thread(target=self._pipe, args=(client, upstream), daemon=True).start()

    def _pipe(self, a: socket.socket, b: socket.socket) -> None:
        sel = selectors.DefaultSelector()
        sel.register(a, selectors.EVENT_READ, b)
        sel.register(b, selectors.EVENT_READ, a)
        try:
            while not self.closed.is_set():
                for key, _ in sel.select(timeout=0.5):
                    src: socket.socket = key.fileobj  # type: ignore[assignment]
                    data = src.recv(65536)
                    if not data:
                        return
                    key.data.sendall(data)
        except OSError:
            return
        finally:
            sel.close()
            for s in (a, b):
                with contextlib.suppress(OSError):
                    s.close()

    def close(self) -> None:
        self.closed.set()
        self.listener.close()


class NodeNamespace:
    """A network namespace joined to the host by a veth pair, with forwarders to services.

    Parameters:
      index: tells two namespaces of one test process apart (their names).

    Its /30 is the first 10.231.N.0/30 no interface of the machine uses (other test
    processes, other checkouts), so two can coexist.
    """

    def __init__(self, index: int) -> None:
        self.name = f"saleshub-node{os.getpid() % 10_000}-{index}"
        tag = f"{os.getpid() % 10_000}{index}"
        self.host_if, self.peer_if, self.node_if = f"shh{tag}", f"shn{tag}", "eth0"
        net = _free_net()
        self.host_ip, self.node_ip = f"{net}.1", f"{net}.2"
        self.forwarders: list[Forwarder] = []

    def __enter__(self) -> NodeNamespace:
        _ip("netns", "add", self.name)
        try:
            _ip("link", "add", self.host_if, "type", "veth", "peer", "name", self.peer_if)
            _ip("link", "set", self.peer_if, "netns", self.name)
            _ip("-n", self.name, "link", "set", self.peer_if, "name", self.node_if)
            _ip("addr", "add", f"{self.host_ip}/30", "dev", self.host_if)
            _ip("link", "set", self.host_if, "up")
            _ip("-n", self.name, "addr", "add", f"{self.node_ip}/30", "dev", self.node_if)
            _ip("-n", self.name, "link", "set", self.node_if, "up")
            _ip("-n", self.name, "link", "set", "lo", "up")
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        for f in self.forwarders:
            f.close()
        subprocess.run(["ip", "link", "del", self.host_if], capture_output=True)
        subprocess.run(["ip", "netns", "del", self.name], capture_output=True)

    def url(self, url: str) -> str:
        """``url`` (a service on the host's 127.0.0.1) as this node reaches it; each node
        of a ``;``-separated list gets its own forwarder."""
        return ";".join(self._one(part) for part in url.split(";"))

    def _one(self, url: str) -> str:
        parts = urlsplit(url)
        assert parts.hostname == "127.0.0.1" and parts.port, url
        fwd = Forwarder(self.host_ip, parts.port)
        self.forwarders.append(fwd)
        userinfo, at, _ = parts.netloc.rpartition("@")
        netloc = f"{userinfo}{at}{self.host_ip}:{fwd.port}"
        return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))

    def argv(self, argv: list[str]) -> list[str]:
        """``argv`` run inside the namespace."""
        return ["ip", "netns", "exec", self.name, *argv]
