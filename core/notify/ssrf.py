"""Outbound HTTP to URLs that users give us (webhooks, push services), without SSRF.

A URL is refused unless every address its host resolves to is publicly routable: no
loopback, private, link-local, cloud-metadata, unspecified, multicast or reserved
addresses, nor IPv6 forms that embed such an IPv4 address (mapped, compatible, 6to4,
Teredo, NAT64). A host named in the allow-list setting is let through as it is.

:func:`safe_post` connects to the very address that was checked (with the name in the
``Host`` header and, for https, in SNI and certificate verification), so a DNS answer that
changes between check and connect (DNS rebinding) cannot steer it elsewhere; it follows
redirects itself, checking every hop, within one deadline.

Hand-written because no well-kept library fits: ``advocate`` (the requests wrapper that
did this) has had no release since 2020; ``requests-hardened`` filters loopback and
private ranges but has no per-host allow-list; ``safehttpx`` is async-only (httpx).
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

REDIRECTS = frozenset({301, 302, 303, 307, 308})
MAX_RESPONSE_BYTES = 64 * 1024
_METADATA = frozenset(
    {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}
)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_COMPATIBLE = ipaddress.ip_network("::/96")


class RefusedUrl(ValueError):
    """A URL we will not send to; the message says why, for the server log only.

    It can name the internal address a host resolved to: callers answer a generic
    "URL not allowed", so a client cannot map internal DNS through it.
    """


@dataclass(frozen=True)
class Target:
    """A checked URL: where to connect and what to send.

    Parameters:
      url: the URL as given.
      scheme: ``http`` or ``https``.
      host: the host name (or address literal) as written, lower-cased.
      port: the TCP port.
      addresses: every address the host resolved to, all checked.
      path: the request target (path and query).
    """

    url: str
    scheme: str
    host: str
    port: int
    addresses: tuple[str, ...]
    path: str

    @property
    def host_header(self) -> str:
        """The ``Host`` header: the name, bracketed if IPv6, with a non-default port."""
        name = f"[{self.host}]" if ":" in self.host else self.host
        default = 443 if self.scheme == "https" else 80
        return name if self.port == default else f"{name}:{self.port}"


@dataclass(frozen=True)
class SafeResponse:
    """The final answer of :func:`safe_post` (its body cut at ``MAX_RESPONSE_BYTES``)."""

    status: int
    body: bytes
    url: str
    headers: dict[str, str] = field(default_factory=dict)


def _embedded_ipv4(addr: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    out = []
    if addr.ipv4_mapped is not None:
        out.append(addr.ipv4_mapped)
    if addr.sixtofour is not None:
        out.append(addr.sixtofour)
    if addr.teredo is not None:
        out.extend(addr.teredo)
    if addr in _NAT64 or (addr in _COMPATIBLE and int(addr) > 1):
        out.append(ipaddress.IPv4Address(int(addr) & 0xFFFFFFFF))
    return out


def blocked_reason(addr: IPAddress) -> str | None:
    """Why ``addr`` must not be reached (``None`` if it is publicly routable)."""
    if addr in _METADATA:
        return "a cloud metadata address"
    if isinstance(addr, ipaddress.IPv6Address):
        for inner in _embedded_ipv4(addr):
            reason = blocked_reason(inner)
            if reason is not None:
                return f"{reason} (embedded in {addr})"
    checks = (
        (addr.is_unspecified, "an unspecified address"),
        (addr.is_loopback, "a loopback address"),
        (addr.is_link_local, "a link-local address"),
        (addr.is_multicast, "a multicast address"),
        (addr.is_private, "a private address"),
        (addr.is_reserved, "a reserved address"),
        (isinstance(addr, ipaddress.IPv6Address) and addr.is_site_local, "a site-local address"),
        (not addr.is_global, "not a public address"),
    )
    return next((reason for hit, reason in checks if hit), None)


def _normal_host(host: str) -> str:
    return host.strip().strip("[]").rstrip(".").lower()


def _resolve(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as exc:
        raise RefusedUrl(f"host {host!r} does not resolve ({exc})") from None
    addresses: list[str] = []
    for _family, _type, _proto, _name, sockaddr in infos:
        text = str(sockaddr[0]).split("%", 1)[0]  # drop an IPv6 zone id
        if text not in addresses:
            addresses.append(text)
    if not addresses:
        raise RefusedUrl(f"host {host!r} does not resolve")
    return addresses


def check_url(url: str, allowed_hosts: tuple[str, ...] | list[str] = ()) -> Target:
    """Parse, resolve and check ``url``; raise :class:`RefusedUrl` if it may not be reached."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise RefusedUrl(f"not a valid URL ({exc})") from None
    if parts.scheme not in ("http", "https"):
        raise RefusedUrl("only http and https URLs are allowed")
    if parts.username is not None or parts.password is not None:
        raise RefusedUrl("URLs with credentials are not allowed")
    host = _normal_host(parts.hostname or "")
    if not host:
        raise RefusedUrl("the URL has no host")
    try:
        host = host.encode("idna").decode("ascii")  # the form DNS, SNI and Host use
    except UnicodeError:
        raise RefusedUrl(f"host {host!r} is not a valid name") from None
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    if any(not "!" <= c <= "~" for c in path):
        # It would be a broken request line: ask for the percent-encoded form instead.
        raise RefusedUrl("the path must be printable ASCII (percent-encode the rest)")
    port = port or (443 if parts.scheme == "https" else 80)
    addresses = _resolve(host, port)
    if host not in {_normal_host(h) for h in allowed_hosts}:
        for text in addresses:
            reason = blocked_reason(ipaddress.ip_address(text))
            if reason is not None:
                raise RefusedUrl(f"host {host!r} resolves to {text}, {reason}")
    return Target(
        url=url, scheme=parts.scheme, host=host, port=port, addresses=tuple(addresses), path=path
    )


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to a fixed address, verifying the certificate against the URL's host name."""

    def __init__(self, address: str, port: int, *, server_hostname: str, timeout: float) -> None:
        super().__init__(address, port, timeout=timeout, context=ssl.create_default_context())
        self._server_hostname = server_hostname

    def connect(self) -> None:
        sock = socket.create_connection((self.host, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self._server_hostname)  # type: ignore[attr-defined]


def _remaining(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError("timed out")
    return left


def _post_once(
    target: Target, body: bytes, headers: dict[str, str], deadline: float
) -> SafeResponse:
    last_error: OSError | None = None
    for address in target.addresses:  # every one was checked; try them in order
        conn: http.client.HTTPConnection
        if target.scheme == "https":
            conn = _PinnedHTTPSConnection(
                address, target.port, server_hostname=target.host, timeout=_remaining(deadline)
            )
        else:
            conn = http.client.HTTPConnection(address, target.port, timeout=_remaining(deadline))
        try:
            try:
                conn.connect()
            except OSError as exc:
                last_error = exc
                continue
            # Kept: the connection drops its reference when the answer ends the connection.
            sock = conn.sock
            conn.request("POST", target.path, body, {**headers, "Host": target.host_header})
            resp = conn.getresponse()
            chunks: list[bytes] = []
            size = 0
            while size < MAX_RESPONSE_BYTES:
                # The socket timeout is per read: shrink it so a slow drip ends at the deadline.
                sock.settimeout(_remaining(deadline))
                chunk = resp.read1(MAX_RESPONSE_BYTES - size)
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
            return SafeResponse(
                status=resp.status,
                body=b"".join(chunks),
                url=target.url,
                headers={k.lower(): v for k, v in resp.getheaders()},
            )
        finally:
            conn.close()
    assert last_error is not None
    raise last_error


def safe_post(
    url: str,
    body: bytes,
    headers: dict[str, str],
    *,
    timeout: float,
    allowed_hosts: tuple[str, ...] | list[str] = (),
    max_redirects: int = 3,
) -> SafeResponse:
    """POST ``body`` to ``url`` and every redirect hop, each checked; all within ``timeout``.

    Raises :class:`RefusedUrl` for a refused URL or hop, ``OSError`` (``TimeoutError``
    included) for network failures and ``http.client.HTTPException`` for a broken answer.
    A webhook is always a POST, so every redirect (301 to 308) repeats the POST.
    """
    deadline = time.monotonic() + timeout
    current = url
    for _hop in range(max_redirects + 1):
        target = check_url(current, allowed_hosts)
        resp = _post_once(target, body, headers, deadline)
        location = resp.headers.get("location")
        if resp.status not in REDIRECTS or not location:
            return resp
        current = urljoin(current, location)
    raise RefusedUrl(f"more than {max_redirects} redirects")
