"""Resolution cache statistics summed over every process, through Redis.

Each process has its own cache (the daemon resolves plays, the web process the API and pages,
a CLI command its own lookups), so one process's numbers say little: the web page showed `0 / 0`
after the daemon had resolved six plays. Every `TrackMapper` therefore adds its hits and misses
to counters shared by the installation and reports its cache size beside them; a reader sums the
sizes of the processes that reported lately.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
from collections.abc import Mapping

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from domain.loops.cache import CacheStats, LoopCache

log = logging.getLogger(__name__)

REPORT_SECONDS = 1.0  # how often a process sends what changed
HEARTBEAT_SECONDS = 10.0  # a process with nothing new still says it is there this often
# A process's cache size counts while it reported within this long (a killed one drops out).
FRESH_SECONDS = 3 * HEARTBEAT_SECONDS
LAST_SEND_SECONDS = 1.0  # the most a stopping process spends on its last report


class SharedCacheStats:
    """Sends one process's cache numbers to Redis (`counters`: hits and misses, `sizes`: one
    field a process) and reads everyone's back."""

    def __init__(self, redis: aioredis.Redis, counters: str, sizes: str, cache: LoopCache) -> None:
        self.redis = redis
        self.counters = counters
        self.sizes = sizes
        self.cache = cache
        self.process = f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self._sent_hits = 0
        self._sent_misses = 0
        self._sent_size: int | None = None
        self._sent_at = 0.0
        self._task: asyncio.Task[None] | None = None

    async def send(self) -> None:
        """Add the hits and misses since the last send; report this process's size."""
        hits = self.cache.hits - self._sent_hits
        misses = self.cache.misses - self._sent_misses
        size = self.cache.stats().size
        now = time.time()
        if (
            not (hits or misses)
            and size == self._sent_size
            and now - self._sent_at < HEARTBEAT_SECONDS
        ):
            return
        async with self.redis.pipeline(transaction=True) as pipe:
            if hits:
                pipe.hincrby(self.counters, "hits", hits)
            if misses:
                pipe.hincrby(self.counters, "misses", misses)
            pipe.hset(self.sizes, self.process, f"{size} {now}")
            await pipe.execute()
        self._sent_hits += hits
        self._sent_misses += misses
        self._sent_size, self._sent_at = size, now

    async def read(self) -> CacheStats:
        """Every process's numbers: hits and misses summed, the sizes of the live ones summed.
        Without Redis, this process's own (`shared` is False)."""
        try:
            await self.send()  # this process's latest lookups count at once
            async with self.redis.pipeline(transaction=False) as pipe:  # one round trip
                pipe.hgetall(self.counters)
                pipe.hgetall(self.sizes)
                counters, sizes = await pipe.execute()
        except (RedisError, OSError) as error:
            log.warning("cache statistics: Redis unreachable (%s); showing this process's", error)
            return self.cache.stats()
        fresh, stale = _fresh_sizes(sizes, time.time())
        if stale:
            with contextlib.suppress(RedisError, OSError):
                await self.redis.hdel(self.sizes, *stale)
        return CacheStats(
            size=sum(fresh),
            max_size=self.cache.max_size,
            ttl_seconds=self.cache.ttl_seconds,
            hits=int(counters.get(b"hits", 0)),
            misses=int(counters.get(b"misses", 0)),
            processes=len(fresh),
            shared=True,
        )

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._report(), name="cache-stats")

    async def stop(self) -> None:
        """Stop reporting; send the last counts and take this process's size out."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        try:
            # Bounded: a process stopping while Redis is down must not wait out its timeouts.
            async with asyncio.timeout(LAST_SEND_SECONDS):
                await self.send()
                await self.redis.hdel(self.sizes, self.process)
        except (RedisError, OSError, TimeoutError) as error:
            log.warning("cache statistics: could not send the last counts: %r", error)

    async def _report(self) -> None:
        failing = False
        while True:
            try:
                await self.send()
            except (RedisError, OSError) as error:
                if not failing:
                    log.warning("cache statistics: cannot reach Redis (%s); retrying", error)
                failing = True
            else:
                failing = False
            await asyncio.sleep(REPORT_SECONDS)


Field = bytes | str  # the client answers bytes


def _fresh_sizes(sizes: Mapping[Field, Field], now: float) -> tuple[list[int], list[Field]]:
    """(the sizes reported within FRESH_SECONDS, the fields of the others)."""
    fresh: list[int] = []
    stale: list[Field] = []
    for field, value in sizes.items():
        try:
            size, at = value.split()
            if now - float(at) <= FRESH_SECONDS:
                fresh.append(int(size))
                continue
        except ValueError:
            pass
        stale.append(field)
    return fresh, stale
