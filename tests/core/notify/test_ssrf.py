"""SSRF guard: refused addresses never see a request; allowed ones get it, pinned and bounded.

``Receiver`` (a real HTTP server on loopback) is shared with the webhook and push tests.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from core.notify.ssrf import RefusedUrl, Target, _post_once, blocked_reason, check_url, safe_post

Answer = tuple[int, dict[str, str], bytes]


@dataclass
class Seen:
    """One request a receiver got."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """A loopback HTTP server that records every request and answers with ``answer``."""

    answer: Callable[[Seen], Answer] = lambda _seen: (200, {}, b"ok")
    host: str = "127.0.0.1"
    seen: list[Seen] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    @property
    def port(self) -> int:
        assert self.server is not None
        return int(self.server.server_address[1])

    def url(self, path: str = "/hook", host: str | None = None) -> str:
        name = host or self.host
        name = f"[{name}]" if ":" in name else name
        return f"http://{name}:{self.port}{path}"

    def __enter__(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                seen = Seen(
                    self.command,
                    self.path,
                    {k.lower(): v for k, v in self.headers.items()},
                    self.rfile.read(length),
                )
                receiver.seen.append(seen)
                status, headers, body = receiver.answer(seen)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_POST = do_GET = _handle

            def log_message(self, *_args: object) -> None:
                pass

        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        server_class = type("Server", (ThreadingHTTPServer,), {"address_family": family})
        self.server = server_class((self.host, 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *_exc: object) -> None:
        assert self.server is not None
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as r:
        yield r


def _ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as s:
            s.bind(("::1", 0))
    except OSError:
        return False
    return True


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.9.9.9",
        "::1",
        "10.0.0.1",
        "172.16.5.4",
        "192.168.1.1",
        "100.64.0.1",
        "169.254.169.254",
        "169.254.1.1",
        "fd00:ec2::254",
        "fc00::1",
        "fe80::1",
        "0.0.0.0",
        "::",
        "224.0.0.1",
        "ff02::1",
        "240.0.0.1",
        "255.255.255.255",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
        "::ffff:169.254.169.254",
        "64:ff9b::a00:1",
        "2002:7f00:1::1",
        "fec0::1",
    ],
)
def test_non_public_addresses_are_blocked(address: str) -> None:
    assert blocked_reason(ipaddress.ip_address(address)) is not None


@pytest.mark.parametrize("address", ["8.8.8.8", "1.1.1.1", "2606:4700:4700::1111"])
def test_public_addresses_pass(address: str) -> None:
    assert blocked_reason(ipaddress.ip_address(address)) is None


def test_metadata_address_is_named() -> None:
    assert blocked_reason(ipaddress.ip_address("169.254.169.254")) == "a cloud metadata address"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://example.com/x", "only http and https"),
        ("file:///etc/passwd", "only http and https"),
        ("gopher://127.0.0.1:6379/_", "only http and https"),
        ("http://user:pw@example.com/", "credentials"),
        ("http:///path", "no host"),
        ("http://example.com:99999/", "not a valid URL"),
        ("http://127.0.0.1/", "loopback"),
        ("http://[::1]/", "loopback"),
        ("http://10.0.0.1/", "private"),
        ("http://169.254.169.254/latest/meta-data/", "metadata"),
        ("http://[fd00:ec2::254]/", "metadata"),
        ("http://[::ffff:127.0.0.1]/", "loopback"),
        ("http://2130706433/", "loopback"),  # 127.0.0.1 as one number
        ("http://0x7f.1/", "loopback"),
        ("http://0.0.0.0/", "unspecified"),
        ("http://localhost/", "loopback"),
        ("http://LOCALHOST./", "loopback"),
        ("http://nothing.invalid/", "does not resolve"),
        ("http://example.com/a b", "printable ASCII"),
        ("http://example.com/caf\u00e9", "printable ASCII"),
        ("http://example.com/?q=\r\nX-Injected: 1", "printable ASCII"),
        ("http://\u2603.invalid/", "does not resolve"),
    ],
)
def test_check_url_refuses(url: str, message: str) -> None:
    with pytest.raises(RefusedUrl, match=message):
        check_url(url)


def test_check_url_allow_list_names_hosts_exactly() -> None:
    target = check_url("http://127.0.0.1:8080/a?b=1", ("127.0.0.1",))
    assert (target.host, target.port, target.addresses, target.path) == (
        "127.0.0.1",
        8080,
        ("127.0.0.1",),
        "/a?b=1",
    )
    assert target.host_header == "127.0.0.1:8080"
    assert check_url("http://[::1]/", ["[::1]"]).host_header == "[::1]"
    # Allowing an address does not allow a name that resolves to it.
    with pytest.raises(RefusedUrl, match="loopback"):
        check_url("http://localhost/", ("127.0.0.1",))


def test_refused_urls_never_reach_the_server(receiver: Receiver) -> None:
    urls = [
        receiver.url(),
        receiver.url(host="localhost"),
        f"http://2130706433:{receiver.port}/hook",
        f"http://[::ffff:127.0.0.1]:{receiver.port}/hook",
        "http://10.0.0.1/hook",
        "http://169.254.169.254/latest/meta-data/",
    ]
    for url in urls:
        with pytest.raises(RefusedUrl):
            safe_post(url, b"{}", {}, timeout=2)
    assert receiver.seen == []


@pytest.mark.skipif(not _ipv6_loopback(), reason="no IPv6 loopback here")
def test_ipv6_loopback_is_refused_unless_allowed() -> None:
    with Receiver(host="::1") as server:
        with pytest.raises(RefusedUrl, match="loopback"):
            safe_post(server.url(), b"{}", {}, timeout=2)
        assert server.seen == []
        resp = safe_post(server.url(), b"{}", {}, timeout=2, allowed_hosts=("::1",))
        assert resp.status == 200
        assert server.seen[0].headers["host"] == f"[::1]:{server.port}"


def test_allowed_host_gets_the_post(receiver: Receiver) -> None:
    resp = safe_post(
        receiver.url("/in?x=1"),
        b'{"a":1}',
        {"Content-Type": "application/json"},
        timeout=2,
        allowed_hosts=("127.0.0.1",),
    )
    assert (resp.status, resp.body) == (200, b"ok")
    (seen,) = receiver.seen
    assert (seen.method, seen.path, seen.body) == ("POST", "/in?x=1", b'{"a":1}')
    assert seen.headers["host"] == f"127.0.0.1:{receiver.port}"


def test_connects_to_the_checked_address_not_a_new_lookup(receiver: Receiver) -> None:
    # A name that no longer resolves (or now resolves elsewhere) cannot move the connection:
    # it goes to the address that was checked, with the name in the Host header.
    target = Target(
        url="http://rebinding.invalid/x",
        scheme="http",
        host="rebinding.invalid",
        port=receiver.port,
        addresses=("127.0.0.1",),
        path="/x",
    )
    resp = _post_once(target, b"hi", {}, time.monotonic() + 5)
    assert resp.status == 200
    assert receiver.seen[0].headers["host"] == f"rebinding.invalid:{receiver.port}"


def test_redirect_to_a_refused_host_is_not_followed() -> None:
    with Receiver() as inner, Receiver() as outer:
        outer.answer = lambda _s: (307, {"Location": inner.url(host="localhost")}, b"")
        with pytest.raises(RefusedUrl, match="loopback"):
            safe_post(outer.url(), b"{}", {}, timeout=2, allowed_hosts=("127.0.0.1",))
        assert len(outer.seen) == 1
        assert inner.seen == []


def test_redirects_to_allowed_hosts_repeat_the_post() -> None:
    with Receiver() as inner, Receiver() as outer:
        outer.answer = lambda _s: (302, {"Location": inner.url("/moved")}, b"")
        resp = safe_post(outer.url(), b"body", {}, timeout=2, allowed_hosts=("127.0.0.1",))
        assert resp.status == 200
        (seen,) = inner.seen
        assert (seen.method, seen.path, seen.body) == ("POST", "/moved", b"body")


def test_redirect_loops_end(receiver: Receiver) -> None:
    receiver.answer = lambda _s: (308, {"Location": "/again"}, b"")
    with pytest.raises(RefusedUrl, match="more than 2 redirects"):
        safe_post(receiver.url(), b"", {}, timeout=2, allowed_hosts=("127.0.0.1",), max_redirects=2)
    assert len(receiver.seen) == 3


def test_a_silent_server_times_out() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        with pytest.raises(TimeoutError):
            safe_post(
                f"http://127.0.0.1:{port}/", b"", {}, timeout=0.3, allowed_hosts=("127.0.0.1",)
            )


def test_a_closed_port_is_a_network_error() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(ConnectionRefusedError):
        safe_post(f"http://127.0.0.1:{port}/", b"", {}, timeout=2, allowed_hosts=("127.0.0.1",))


def _self_signed(tmp: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp / "cert.pem", tmp / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def test_https_sends_the_name_in_sni_and_verifies_the_certificate(tmp_path: Path) -> None:
    cert, key = _self_signed(tmp_path)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    names: list[str | None] = []
    context.sni_callback = lambda _sock, name, _ctx: names.append(name)
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]

        def serve() -> None:
            conn, _ = listener.accept()
            try:
                context.wrap_socket(conn, server_side=True)
            except (ssl.SSLError, OSError):
                pass
            finally:
                conn.close()

        thread = threading.Thread(target=serve, daemon=True)
        thread.start()
        target = Target(
            url=f"https://localhost:{port}/",
            scheme="https",
            host="localhost",
            port=port,
            addresses=("127.0.0.1",),
            path="/",
        )
        # A self-signed certificate: the client refuses it, so verification is on.
        with pytest.raises(ssl.SSLCertVerificationError):
            _post_once(target, b"", {}, time.monotonic() + 5)
        thread.join(5)
    assert names == ["localhost"]
