"""What every process asked of an outside API, counted in Redis: calls by outcome and answer
cache hits and misses, for the Sources page (every process's calls show, whichever made them),
and reported to the metrics (domain/metrics.py) as they happen."""

from __future__ import annotations

from dataclasses import dataclass

import redis.asyncio as aioredis

from domain import metrics

OUTCOMES = ("ok", "not_found", "error", "rate_limited", "circuit_open")


@dataclass(frozen=True, slots=True)
class Counts:
    """One API's counts since the counters began."""

    calls: int = 0
    errors: int = 0  # calls that brought no usable answer (errors, rate limits, open breaker)
    cache_hits: int = 0
    cache_misses: int = 0

    @property
    def cache_hit_rate(self) -> float | None:
        """Hits among cache reads, 0 to 1; None before the first read."""
        reads = self.cache_hits + self.cache_misses
        return self.cache_hits / reads if reads else None


class Tally:
    """The counters of the API `source` ("musicbrainz", "deezer"…) in the Redis hash `key`,
    shared by every API: fields `<source>:calls`, `<source>:<outcome>`, `<source>:hits`…"""

    def __init__(self, redis: aioredis.Redis, key: str, source: str) -> None:
        self._redis = redis
        self.key = key
        self.source = source

    async def call(self, outcome: str, seconds: float) -> None:
        """One request (its retries included) ended with `outcome` (one of OUTCOMES)."""
        metrics.api_call(self.source, outcome, seconds)
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.hincrby(self.key, f"{self.source}:calls", 1)
            pipe.hincrby(self.key, f"{self.source}:{outcome}", 1)
            await pipe.execute()

    async def cache(self, *, hit: bool) -> None:
        """One read of the answer cache."""
        metrics.cache_lookup(self.source, hit=hit)
        await self._redis.hincrby(self.key, f"{self.source}:{'hits' if hit else 'misses'}", 1)


async def read_counts(redis: aioredis.Redis, key: str, source: str) -> Counts:
    """The counts of `source` in the hash `key`."""
    fields = ["calls", "error", "rate_limited", "circuit_open", "hits", "misses"]
    raw = await redis.hmget(key, [f"{source}:{name}" for name in fields])
    calls, error, limited, circuit, hits, misses = (int(value or 0) for value in raw)
    return Counts(calls, error + limited + circuit, hits, misses)
