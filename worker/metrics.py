"""The worker's figures: each message's actor, outcome and duration (`worker_messages_total`,
`worker_message_duration_seconds`), recorded by a Dramatiq middleware around every actor."""

from __future__ import annotations

import time
from typing import Any

from dramatiq import Broker, Middleware
from dramatiq.broker import MessageProxy

from domain import metrics


class MessageFigures(Middleware):
    """Times each message from before its actor runs to after it ended or was skipped."""

    def __init__(self) -> None:
        # Keyed by message id: the worker's threads each hold a different message.
        self._started: dict[str, float] = {}

    def before_process_message(self, broker: Broker, message: MessageProxy) -> None:
        self._started[message.message_id] = time.perf_counter()

    def after_process_message(
        self,
        broker: Broker,
        message: MessageProxy,
        *,
        result: Any = None,
        exception: BaseException | None = None,
    ) -> None:
        self._record(message, "failed" if exception is not None else "succeeded")

    def after_skip_message(self, broker: Broker, message: MessageProxy) -> None:
        self._record(message, "skipped")

    def _record(self, message: MessageProxy, outcome: str) -> None:
        started = self._started.pop(message.message_id, None)
        seconds = time.perf_counter() - started if started is not None else 0.0
        metrics.worker_message(message.actor_name, outcome, seconds)
