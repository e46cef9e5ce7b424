"""Dramatiq middleware that binds each message's ids to the log records of its processing."""

from __future__ import annotations

from contextvars import Token
from typing import Any

from dramatiq import Broker
from dramatiq.broker import MessageProxy
from dramatiq.middleware import Middleware

from core import logs
from core.queueing.status_feed import ORG_OPTION


class LogContext(Middleware):
    """Set :data:`core.logs.job` (message id, actor, org id) while a message is processed.

    Worker threads process one message at a time, and each thread has its own context, so
    the value set before processing is the one every record of that message sees; it is
    reset after the message (processed, failed or skipped), so nothing leaks into the next.

    Tokens are kept per delivery (the proxy object), not per message id: a retry keeps its
    message's id, and with a short backoff another thread may start it while this one is
    still in its after-hooks (``Retries`` runs before us there), so an id would hand this
    thread the other thread's token.
    """

    def __init__(self) -> None:
        self._tokens: dict[int, Token[dict[str, Any] | None]] = {}

    def before_process_message(self, broker: Broker, message: MessageProxy) -> None:
        self._tokens[id(message)] = logs.job.set(
            {
                "message_id": message.message_id,
                "actor": message.actor_name,
                "org_id": message.options.get(ORG_OPTION),
            }
        )

    def _reset(self, message: MessageProxy) -> None:
        token = self._tokens.pop(id(message), None)
        if token is not None:
            logs.job.reset(token)

    def after_process_message(
        self,
        broker: Broker,
        message: MessageProxy,
        *,
        result: Any = None,
        exception: BaseException | None = None,
    ) -> None:
        self._reset(message)

    def after_skip_message(self, broker: Broker, message: MessageProxy) -> None:
        self._reset(message)
