"""Web Push (VAPID, RFC 8030/8291/8292) through pywebpush, to every subscription of a user.

pywebpush encrypts and signs; the HTTP request goes through :mod:`core.notify.ssrf`
(mounted as a requests adapter), so a push endpoint is checked and pinned like a webhook.
A 404 or 410 means the browser dropped the subscription: we delete it.
"""

from __future__ import annotations

import http.client
import json
import logging
import os
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
from py_vapid import Vapid
from pywebpush import WebPushException, webpush
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from core import crypto
from core.notify.ssrf import RefusedUrl, safe_post
from core.settings import Settings
from models import Delivery, Notification, PushSubscription

log = logging.getLogger(__name__)

# A push message is at most 4096 bytes once encrypted (RFC 8030 §7.2); aes128gcm adds an
# 86-byte header, a 16-byte tag and a 1-byte padding delimiter (RFC 8188, RFC 8291 §4).
MAX_RECORD = 4096
MAX_PLAINTEXT = MAX_RECORD - 86 - 16 - 1
MAX_URL = 1000
GONE = frozenset({404, 410})
# Seconds a push service keeps a message for an offline browser.
TTL_S = 24 * 3600
_HTTP_ERRORS = (http.client.HTTPException, requests.RequestException)


class SsrfAdapter(BaseAdapter):
    """A requests transport that sends through :func:`core.notify.ssrf.safe_post`.

    Parameters:
      timeout: the deadline of each request, redirects included.
      allowed_hosts: hosts let through although they resolve to non-public addresses.
    """

    def __init__(self, *, timeout: float, allowed_hosts: tuple[str, ...]) -> None:
        super().__init__()
        self.timeout = timeout
        self.allowed_hosts = allowed_hosts

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: float | tuple[float | None, float | None] | None = None,
        verify: bool | str = True,
        cert: str | tuple[str, str] | None = None,
        proxies: dict[str, str] | None = None,
    ) -> requests.Response:
        # ``timeout`` is ours (one deadline for all hops); proxies are never used.
        if request.method != "POST":
            raise RefusedUrl(f"only POST is supported, not {request.method}")
        body = request.body or b""
        if not isinstance(body, str | bytes):
            raise TypeError("only in-memory bodies are supported")
        answer = safe_post(
            str(request.url),
            body.encode() if isinstance(body, str) else body,
            {
                k: v if isinstance(v, str) else v.decode("latin-1")
                for k, v in request.headers.items()
            },
            timeout=self.timeout,
            allowed_hosts=self.allowed_hosts,
        )
        resp = requests.Response()
        resp.status_code = answer.status
        resp.reason = http.client.responses.get(answer.status, "")
        resp.headers = CaseInsensitiveDict(answer.headers)
        resp._content = answer.body
        resp.url = answer.url
        resp.request = request
        resp.encoding = "utf-8"
        return resp

    def close(self) -> None:
        return None


def safe_session(settings: Settings) -> requests.Session:
    """A requests session whose every request is SSRF-checked and pinned."""
    session = requests.Session()
    session.trust_env = False  # no proxy from the environment: we connect where we checked
    adapter = SsrfAdapter(
        timeout=settings.notify.webhook_timeout_s,
        allowed_hosts=settings.notify.webhook_allowed_hosts,
    )
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def _size(data: dict[str, Any]) -> int:
    return len(_encode(data))


def _encode(data: dict[str, Any]) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


def _trim(data: dict[str, Any], name: str, limit: int) -> dict[str, Any]:
    text: str = data[name]
    if _size(data) <= limit or not text:
        return data
    lo, hi = 0, len(text) - 1  # the longest prefix that fits, with an ellipsis
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if _size({**data, name: text[:mid] + "…"}) <= limit:
            lo = mid
        else:
            hi = mid - 1
    return {**data, name: text[:lo] + "…" if lo else ""}


def payload(
    *,
    title: str,
    body: str,
    url: str,
    extra: dict[str, Any] | None = None,
    limit: int = MAX_PLAINTEXT,
) -> bytes:
    """The JSON a service worker shows (title, body, url), cut to fit in one push message."""
    data: dict[str, Any] = {"title": title, "body": body, "url": url, **(extra or {})}
    for name in ("body", "title"):
        data = _trim(data, name, limit)
    encoded = _encode(data)
    if len(encoded) > limit:
        raise ValueError(f"push payload of {len(encoded)} bytes cannot be cut to {limit}")
    return encoded


def notification_payload(note: Notification, settings: Settings) -> bytes:
    """The push payload of one notification."""
    target = note.data.get("url") if isinstance(note.data.get("url"), str) else None
    url = urljoin(settings.web.public_url.rstrip("/") + "/", target or "")
    if len(url) > MAX_URL:
        url = settings.web.public_url
    extra = {"id": note.id, "category": note.category, "urgency": note.urgency}
    return payload(title=note.title, body=note.body, url=url, extra=extra)


def vapid_key(session: Session, settings: Settings) -> str:
    """The VAPID private key: the one stored encrypted (``flask secrets set-vapid``), else
    ``VAPID_PRIVATE_KEY``; empty when neither is set."""
    stored = crypto.load(session, settings, crypto.VAPID_KEY)
    return (stored if stored is not None else settings.notify.vapid_private_key).strip()


def _vapid(key: str) -> Vapid:
    if os.path.isfile(key):
        return Vapid.from_file(private_key_file=key)
    if key.startswith("-----BEGIN"):
        return Vapid.from_pem(key.encode())
    return Vapid.from_string(private_key=key)


def host_allowed(url: str, settings: Settings) -> bool:
    """Whether ``url``'s host is a known push service (``PUSH_ALLOWED_HOSTS``, where
    ``*.example.com`` matches its subdomains) or one of ``WEBHOOK_ALLOWED_HOSTS``."""
    try:
        host = (urlsplit(url).hostname or "").lower().rstrip(".")
    except ValueError:
        return False
    if not host:
        return False
    notify = settings.notify
    for allowed in (*notify.push_allowed_hosts, *notify.webhook_allowed_hosts):
        allowed = allowed.lower().rstrip(".")
        if allowed.startswith("*."):
            if host.endswith(allowed[1:]) and len(host) > len(allowed) - 1:
                return True
        elif host == allowed:
            return True
    return False


def _push_one(
    sub: PushSubscription,
    data: bytes,
    vapid: Vapid,
    settings: Settings,
    transport: requests.Session,
) -> int | str:
    """Send to one subscription: the push service's status, or an error message."""
    info = {"endpoint": sub.endpoint, "keys": {"p256dh": sub.p256dh, "auth": sub.auth}}
    try:
        resp = webpush(
            info,
            data=data.decode(),
            vapid_private_key=vapid,
            vapid_claims={"sub": settings.notify.vapid_subject},
            timeout=settings.notify.webhook_timeout_s,
            ttl=TTL_S,
            requests_session=transport,
        )
    except WebPushException as exc:
        if exc.response is not None and exc.response.status_code is not None:
            return int(exc.response.status_code)
        return f"WebPushException: {exc}"
    except (RefusedUrl, OSError, ValueError, *_HTTP_ERRORS) as exc:
        # ValueError: keys that do not decode (the API checks them; older rows may not be).
        return f"{type(exc).__name__}: {exc}"
    return int(resp.status_code)


def send(session: Session, delivery_id: int, settings: Settings) -> dict[str, Any] | None:
    """Send a pending push delivery to every subscription of its user and record the outcome.

    ``sent`` if a push service accepted it, ``failed`` (with the last error) if none did,
    ``skipped`` with the reason when there is no subscription or no VAPID key. A delivery
    no longer pending (a redelivered message) is left alone: ``None``.
    """
    delivery = session.scalars(
        select(Delivery).where(Delivery.id == delivery_id).with_for_update(skip_locked=True)
    ).one_or_none()
    if delivery is None or delivery.status != "pending" or delivery.channel != "push":
        return None
    subs = list(
        session.scalars(
            select(PushSubscription)
            .where(PushSubscription.user_id == delivery.user_id)
            .order_by(PushSubscription.id)
        )
    )
    outcome: dict[str, Any] = {"delivery_id": delivery.id, "sent": 0, "removed": 0, "failed": 0}
    key = vapid_key(session, settings)
    if not key:
        return _finish(delivery, outcome, "skipped", reason="no VAPID key configured")
    if not subs:
        return _finish(delivery, outcome, "skipped", reason="no push subscription")
    try:
        vapid = _vapid(key)
    except (ValueError, TypeError) as exc:
        return _finish(delivery, outcome, "failed", error=f"VAPID_PRIVATE_KEY is invalid: {exc}")
    note = session.get_one(Notification, delivery.notification_id)
    data = notification_payload(note, settings)
    delivery.attempts += 1
    errors: list[str] = []
    with safe_session(settings) as transport:
        for sub in subs:
            # Rows stored before the allow-list (or since taken off it) are not called.
            result = (
                _push_one(sub, data, vapid, settings, transport)
                if host_allowed(sub.endpoint, settings)
                else "push host not allowed"
            )
            if isinstance(result, int) and 200 <= result < 300:
                outcome["sent"] += 1
            elif isinstance(result, int) and result in GONE:
                session.execute(delete(PushSubscription).where(PushSubscription.id == sub.id))
                outcome["removed"] += 1
            else:
                outcome["failed"] += 1
                errors.append(f"HTTP {result}" if isinstance(result, int) else result)
    if outcome["sent"]:
        return _finish(delivery, outcome, "sent", error=errors[-1] if errors else None)
    if errors:
        return _finish(delivery, outcome, "failed", error=errors[-1])
    return _finish(delivery, outcome, "skipped", reason="push subscriptions expired")


def _finish(
    delivery: Delivery,
    outcome: dict[str, Any],
    status: str,
    *,
    reason: str | None = None,
    error: str | None = None,
) -> dict[str, Any]:
    delivery.status = status
    delivery.updated_at = datetime.now(UTC)
    if reason is not None:
        delivery.reason = reason
    delivery.last_error = error
    if error:
        log.info("push delivery %s %s: %s", delivery.id, status, error)
    return {**outcome, "status": status}
