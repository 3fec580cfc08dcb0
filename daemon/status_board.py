"""Where station health and now-playing cards go: the `station_health` table and Redis events.

Both sinks may be down without slowing hand-off: reports are queued in memory (latest per station
for the table, a bounded queue for events) and written by background tasks that retry quietly.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

import redis.asyncio as aioredis
from redis.exceptions import RedisError
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from daemon.error_text import describe
from domain import channels
from domain.config import Settings
from domain.outbound.backoff import Backoff
from domain.stations.events import Health, NowPlayingCard, station_event
from domain.stations.health import save_health

EVENT_QUEUE_LIMIT = 1000

log = logging.getLogger("crateloop.daemon.status")


@dataclass(slots=True)
class _Pending:
    health: Health
    card: NowPlayingCard | None


class StatusBoard:
    """`report()` returns at once; `run()` stores and publishes what was reported."""

    def __init__(self, settings: Settings, engine: AsyncEngine, redis: aioredis.Redis) -> None:
        self.settings = settings
        self.engine = engine
        self.redis = redis
        self._pending: dict[int, _Pending] = {}
        self._dirty = asyncio.Event()
        self._events: asyncio.Queue[tuple[str, str]] = asyncio.Queue(EVENT_QUEUE_LIMIT)
        self._db_down = False
        self._redis_down = False

    def report(
        self,
        station_id: int,
        slug: str,
        event: str,
        health: Health,
        card: NowPlayingCard | None,
        *,
        publish: bool = True,
    ) -> None:
        """Store this health (and card, when given) and publish `event` on the station channel."""
        pending = self._pending.get(station_id)
        keep_card = card if card is not None else (pending.card if pending else None)
        self._pending[station_id] = _Pending(health, keep_card)
        self._dirty.set()
        if publish:
            message = station_event(event, slug, card, health)
            if self._events.full():
                self._events.get_nowait()  # the oldest event is the least useful one
            self._events.put_nowait((channels.station_events(self.settings, slug), message))

    def forget(self, station_id: int) -> None:
        """Drop unsaved health of a station this process no longer leads."""
        self._pending.pop(station_id, None)

    async def run(self) -> None:
        async with asyncio.TaskGroup() as group:
            group.create_task(self._store_loop(), name="health-writer")
            group.create_task(self._publish_loop(), name="event-publisher")

    async def _store_loop(self) -> None:
        backoff = Backoff(0.5, 10.0)
        while True:
            await self._dirty.wait()
            self._dirty.clear()
            while self._pending:
                if await self.store_once():
                    backoff.reset()
                else:
                    await asyncio.sleep(backoff.next())

    async def store_once(self) -> bool:
        """Write every pending health row; False when the database could not be reached."""
        while self._pending:
            station_id, pending = next(iter(self._pending.items()))
            try:
                await save_health(self.engine, station_id, pending.health, pending.card)
            except (SQLAlchemyError, OSError) as error:
                if not self._db_down:
                    log.warning("cannot store station health (%s); will retry", describe(error))
                    self._db_down = True
                return False
            if self._pending.get(station_id) is pending:
                del self._pending[station_id]
        if self._db_down:
            log.info("storing station health again")
            self._db_down = False
        return True

    async def _publish_loop(self) -> None:
        while True:
            channel, message = await self._events.get()
            try:
                await self.redis.publish(channel, message)
            except (RedisError, OSError) as error:
                # Dashboards catch up from station_health when they reconnect: no retry needed.
                if not self._redis_down:
                    log.warning("cannot publish live events (%s)", describe(error))
                    self._redis_down = True
                continue
            if self._redis_down:
                log.info("publishing live events again")
                self._redis_down = False

    async def flush(self, within: float) -> None:
        """Store pending health within `within` seconds if the database allows (at shutdown)."""
        try:
            async with asyncio.timeout(within):
                await self.store_once()
        except TimeoutError:
            pass
