"""Queueing work for the worker from web and CLI: loop checks (what they hand TrackMapper as
`on_loop_changed`) and tracklist imports.

Messages are built by name rather than through the actors, so a queueing process never imports
worker.actors (which installs the worker's global broker from the process environment): the
broker here follows the settings it is given.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import dramatiq
from dramatiq.brokers.redis import RedisBroker

from domain.config import Settings
from domain.loops.check import batches
from worker.broker import close_broker, make_broker

LOOP_CHECKS_QUEUE = "loop-checks"
CHECK_LOOPS = "check_loops"
CHECK_ALL_LOOPS = "check_all_loops"
TRACKLISTS_QUEUE = "tracklists"
IMPORT_TRACKLIST = "import_tracklist"


class LoopCheckQueue:
    """`LoopCheckQueue(settings)(ids)` asks the worker to check these mappings' loops."""

    def __init__(self, settings: Settings) -> None:
        self.broker = make_broker(settings)

    def __call__(self, ids: Sequence[int]) -> None:
        """Queue checks of these mappings, in messages of a bounded size."""
        for batch in batches(ids):
            self._send(CHECK_LOOPS, batch)

    def all(self) -> None:
        """Ask the worker to re-check every active mapping (the daemon schedules this daily)."""
        self._send(CHECK_ALL_LOOPS)

    def close(self) -> None:
        close_broker(self.broker)

    def _send(self, actor_name: str, *args: Any) -> None:
        send(self.broker, LOOP_CHECKS_QUEUE, actor_name, *args)


class TracklistQueue:
    """`TracklistQueue(settings).import_tracklist(job_id)` asks the worker to run an import job."""

    def __init__(self, settings: Settings) -> None:
        self.broker = make_broker(settings)

    def import_tracklist(self, job_id: int, *, delay_ms: int | None = None) -> None:
        """Queue the job made by `imports.create_import` (after `delay_ms`, when given)."""
        send(self.broker, TRACKLISTS_QUEUE, IMPORT_TRACKLIST, job_id, delay_ms=delay_ms)

    def close(self) -> None:
        close_broker(self.broker)


def send(
    broker: RedisBroker, queue_name: str, actor_name: str, *args: Any, delay_ms: int | None = None
) -> None:
    """Enqueue a message for an actor by its name, as `actor.send` would."""
    message: dramatiq.Message[None] = dramatiq.Message(
        queue_name=queue_name,
        actor_name=actor_name,
        args=args,
        kwargs={},
        options={},
    )
    broker.enqueue(message, delay=delay_ms)
