"""The resolution cache: LRU with expiry, emptied across processes through Redis pub/sub."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from domain.outbound.backoff import Backoff

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Resolution:
    """Which loop a track gets and why (`mapped`, `song_id` or `default`)."""

    path: str
    reason: str
    track_key: str
    song_id: str
    mapping_id: int | None = None


@dataclass(frozen=True, slots=True)
class CacheStats:
    size: int
    max_size: int
    ttl_seconds: int
    hits: int
    misses: int
    processes: int = 1  # whose caches these numbers cover
    shared: bool = False  # summed over every process (`cache_stats.SharedCacheStats`)


# The lookup as asked (artist, title, song id or ""): a hit then costs no normalisation at all.
CacheKey = tuple[str, str, str]


class LoopCache:
    """LRU of `max_size` resolutions, each valid for `ttl_seconds`."""

    def __init__(self, max_size: int, ttl_seconds: int) -> None:
        self.max_size = max_size
        self.ttl_seconds = ttl_seconds
        self.hits = 0
        self.misses = 0
        self._entries: OrderedDict[CacheKey, tuple[float, Resolution]] = OrderedDict()
        self._default: tuple[float, str] | None = None  # the default loop, kept beside the LRU

    def get(self, key: CacheKey) -> Resolution | None:
        entry = self._entries.get(key)
        if entry is None or entry[0] < time.monotonic():
            if entry is not None:
                del self._entries[key]
            self.misses += 1
            return None
        self._entries.move_to_end(key)
        self.hits += 1
        return entry[1]

    def put(self, key: CacheKey, resolution: Resolution) -> None:
        self._entries[key] = (time.monotonic() + self.ttl_seconds, resolution)
        self._entries.move_to_end(key)
        if len(self._entries) > self.max_size:
            self._entries.popitem(last=False)

    def get_default(self) -> str | None:
        if self._default is None or self._default[0] < time.monotonic():
            return None
        return self._default[1]

    def put_default(self, path: str) -> None:
        self._default = (time.monotonic() + self.ttl_seconds, path)

    def invalidate(self, track_keys: Iterable[str], song_ids: Iterable[str]) -> int:
        """Drop every entry whose lookup had one of these (normalised) keys or song ids."""
        keys, ids = set(track_keys), set(song_ids)
        stale = [
            cache_key
            for cache_key, (_, res) in self._entries.items()
            if res.track_key in keys or res.song_id in ids
        ]
        for cache_key in stale:
            del self._entries[cache_key]
        return len(stale)

    def clear(self) -> None:
        self._entries.clear()
        self._default = None

    def stats(self) -> CacheStats:
        return CacheStats(
            len(self._entries), self.max_size, self.ttl_seconds, self.hits, self.misses
        )


class CacheInvalidation:
    """Publishes mapping changes and applies everyone's changes to the local cache.

    A message is `{"keys": [...], "song_ids": [...]}` or `{"all": true}`. While the subscription
    is down, messages may be missed, so the local cache is emptied on every (re)subscribe.
    """

    def __init__(self, redis: aioredis.Redis, channel: str, cache: LoopCache) -> None:
        self.redis = redis
        self.channel = channel
        self.cache = cache
        self._task: asyncio.Task[None] | None = None
        self.subscribed = asyncio.Event()

    async def publish(self, track_keys: Iterable[str] = (), song_ids: Iterable[str] = ()) -> None:
        message = {"keys": sorted(set(track_keys)), "song_ids": sorted(set(song_ids))}
        self.cache.invalidate(message["keys"], message["song_ids"])
        await self._send(message)

    async def publish_all(self) -> None:
        self.cache.clear()
        await self._send({"all": True})

    async def _send(self, message: Mapping[str, object]) -> None:
        try:
            await self.redis.publish(self.channel, json.dumps(message))
        except (RedisError, OSError) as error:
            # Other processes fall back to the cache TTL; this process is already up to date.
            log.warning("could not publish a cache invalidation: %s", error)

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._listen(), name="cache-invalidation")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def _listen(self) -> None:
        # jitter=0.0 keeps the waits exactly as they were: 0.5, 1, 2 … 10 s.
        backoff = Backoff(0.5, 10.0, jitter=0.0)
        was_down = False
        while True:
            try:
                async with self.redis.pubsub(ignore_subscribe_messages=True) as pubsub:
                    await pubsub.subscribe(self.channel)
                    self.cache.clear()
                    self.subscribed.set()
                    if was_down:
                        log.info("cache invalidation: subscribed again")
                    was_down = False
                    backoff.reset()
                    async for message in pubsub.listen():
                        self._apply(message.get("data"))
            except asyncio.CancelledError:
                raise
            except (RedisError, OSError) as error:
                self.subscribed.clear()
                if not was_down:
                    log.warning("cache invalidation: lost Redis (%s); retrying", error)
                    was_down = True
            await asyncio.sleep(backoff.next())

    def _apply(self, data: object) -> None:
        try:
            message = json.loads(data) if isinstance(data, (str, bytes)) else None
        except ValueError:
            message = None
        if not isinstance(message, dict):
            log.warning("cache invalidation: ignoring malformed message %r", data)
            return
        if message.get("all"):
            self.cache.clear()
        else:
            self.cache.invalidate(message.get("keys", []), message.get("song_ids", []))
