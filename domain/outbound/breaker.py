"""A circuit breaker kept in Redis, so every process stops asking a service at once.

Opened by the caller (a challenge page, a Retry-After beyond the cap, rate limits that persist),
it stays open for `base_seconds` * 2^(consecutive openings - 1), at most `max_seconds`, or longer
when the service named a later time. A success once it is closed resets the count. The times are
Redis's clock, shared by all.
"""

from __future__ import annotations

from datetime import UTC, datetime

import redis.asyncio as aioredis

BASE_SECONDS = 5 * 60.0
MAX_SECONDS = 24 * 3600.0
# The opening count outlives the opening itself: a block soon after the last one doubles.
COUNT_TTL_SECONDS = 7 * 24 * 3600

# KEYS: the breaker hash. ARGV: base ms, max ms, at-least-until ms (0: none), count ttl ms.
# Returns the time (epoch ms) the breaker stays open until.
_OPEN = """
local now = redis.call('TIME')
local now_ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local openings = redis.call('HINCRBY', KEYS[1], 'openings', 1)
local duration = math.min(tonumber(ARGV[1]) * 2 ^ (openings - 1), tonumber(ARGV[2]))
local until_ms = math.floor(now_ms + duration)
local current = tonumber(redis.call('HGET', KEYS[1], 'until') or '0')
until_ms = math.max(until_ms, tonumber(ARGV[3]), current)
redis.call('HSET', KEYS[1], 'until', string.format('%d', until_ms))
redis.call('PEXPIRE', KEYS[1], math.max(tonumber(ARGV[4]), until_ms - now_ms + 60000))
return string.format('%d', until_ms)
"""

# KEYS: the breaker hash. Returns the epoch ms it is open until, or 0 when closed.
_OPEN_UNTIL = """
local now = redis.call('TIME')
local now_ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local until_ms = tonumber(redis.call('HGET', KEYS[1], 'until') or '0')
if until_ms > now_ms then return string.format('%d', until_ms) end
return '0'
"""

# A success resets the count, unless another process opened the breaker in the meantime.
_SUCCEED = """
local now = redis.call('TIME')
local now_ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local until_ms = tonumber(redis.call('HGET', KEYS[1], 'until') or '0')
if until_ms <= now_ms then redis.call('DEL', KEYS[1]) end
return 0
"""


class CircuitOpen(Exception):
    """The breaker is open: nothing is requested until `retry_at`; `reason` is for logs."""

    def __init__(self, retry_at: datetime, reason: str) -> None:
        self.retry_at = retry_at
        self.reason = reason
        super().__init__(f"{reason}: no request before {retry_at:%H:%M} UTC")


def _at(epoch_ms: int) -> datetime:
    return datetime.fromtimestamp(epoch_ms / 1000, tz=UTC)


class Breaker:
    """Open/closed state of one service, shared through Redis under `key`."""

    def __init__(
        self,
        redis: aioredis.Redis,
        key: str,
        *,
        base_seconds: float = BASE_SECONDS,
        max_seconds: float = MAX_SECONDS,
        count_ttl_seconds: int = COUNT_TTL_SECONDS,
    ) -> None:
        self.key = key
        self.base_seconds = base_seconds
        self.max_seconds = max_seconds
        self.count_ttl_seconds = count_ttl_seconds
        self._redis = redis

    async def open_until(self) -> datetime | None:
        """When the breaker closes again, or None when it is closed."""
        raw = await self._redis.eval(_OPEN_UNTIL, 1, self.key)
        until = int(raw)
        return _at(until) if until else None

    async def raise_if_open(self, reason: str = "the breaker is open") -> None:
        """CircuitOpen while the breaker is open."""
        retry_at = await self.open_until()
        if retry_at is not None:
            raise CircuitOpen(retry_at, reason)

    async def trip(self, *, at_least_until: datetime | None = None) -> datetime:
        """Open for base * 2^(consecutive openings - 1), at least until the given time."""
        floor_ms = int(at_least_until.timestamp() * 1000) if at_least_until else 0
        raw = await self._redis.eval(
            _OPEN,
            1,
            self.key,
            int(self.base_seconds * 1000),
            int(self.max_seconds * 1000),
            floor_ms,
            self.count_ttl_seconds * 1000,
        )
        return _at(int(raw))

    async def succeeded(self) -> None:
        """An answer came back fine: the next opening starts from the base duration again."""
        await self._redis.eval(_SUCCEED, 1, self.key)

    async def openings(self) -> int:
        """How many consecutive openings the count holds (for tests and status pages)."""
        raw = await self._redis.hget(self.key, "openings")
        return int(raw or 0)
