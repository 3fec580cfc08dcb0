"""Plays wait in a bounded in-memory queue and are written in batches by one background task.

While the database is down they stay queued and the writer retries with backoff: nothing is lost
unless more than QUEUE_LIMIT plays pile up (then the oldest go, and the log says how many).
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque

import psycopg
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from daemon.error_text import describe
from domain.outbound.backoff import Backoff
from domain.plays.recording import PlayRecord, insert_plays

QUEUE_LIMIT = 10_000  # plays kept while the database is unreachable (README says so)
BATCH_SIZE = 500

log = logging.getLogger("crateloop.daemon.plays")


class PlayRecorder:
    """`add()` never blocks or fails; `run()` writes what was added."""

    def __init__(self, engine: AsyncEngine, limit: int = QUEUE_LIMIT) -> None:
        self.engine = engine
        self.limit = limit
        self._queue: deque[PlayRecord] = deque()
        self._wake = asyncio.Event()
        self._dropped = 0
        self._failing = False

    def __len__(self) -> int:
        return len(self._queue)

    def add(self, record: PlayRecord) -> None:
        self._queue.append(record)
        self._trim()
        self._wake.set()

    def _trim(self) -> None:
        while len(self._queue) > self.limit:
            self._queue.popleft()
            self._dropped += 1
            if self._dropped == 1 or self._dropped % 1000 == 0:
                log.error(
                    "play queue full (%d): dropped %d oldest play(s)", self.limit, self._dropped
                )

    async def run(self) -> None:
        """Write queued plays until cancelled."""
        backoff = Backoff(0.5, 10.0)
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._queue:
                if await self.flush_once():
                    backoff.reset()
                else:
                    await asyncio.sleep(backoff.next())

    async def flush_once(self) -> bool:
        """Write one batch; False (the batch queued again) when the database is unreachable."""
        batch = [self._queue.popleft() for _ in range(min(BATCH_SIZE, len(self._queue)))]
        try:
            await insert_plays(self.engine, batch)
        except asyncio.CancelledError:
            self._requeue(batch)
            raise
        except DBAPIError as error:
            if _is_connection_error(error):
                return self._failed(batch, error)
            # A row the database refuses must not hold back every play queued behind it.
            for index, record in enumerate(batch):
                try:
                    await insert_plays(self.engine, [record])
                except DBAPIError as single:
                    if _is_connection_error(single):
                        return self._failed(batch[index:], single)
                    log.error(
                        "dropping a play the database refuses (%s): %r", describe(single), record
                    )
        except (SQLAlchemyError, OSError) as error:
            return self._failed(batch, error)
        if self._failing:
            log.info("writing plays again (%d still queued)", len(self))
            self._failing = False
        return True

    def _failed(self, batch: list[PlayRecord], error: BaseException) -> bool:
        self._requeue(batch)
        if not self._failing:
            log.warning("cannot write plays (%s); keeping %d queued", describe(error), len(self))
            self._failing = True
        return False

    def _requeue(self, batch: list[PlayRecord]) -> None:
        self._queue.extendleft(reversed(batch))
        self._trim()

    async def drain(self, within: float) -> None:
        """Write what is queued, giving up after `within` seconds (used at shutdown)."""
        try:
            async with asyncio.timeout(within):
                while self._queue and await self.flush_once():
                    pass
        except TimeoutError:
            pass
        if self._queue:
            log.warning("stopping with %d play(s) not written", len(self._queue))


def _is_connection_error(error: DBAPIError) -> bool:
    return bool(error.connection_invalidated) or isinstance(error.orig, psycopg.OperationalError)
