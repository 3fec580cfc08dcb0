"""A per-host pace shared through Redis: one request in flight, then a jittered gap.

Every process that talks to the same outside service takes its turn here, so the whole
installation is as polite as one process: the turn is held while the request runs, and the next
turn starts no sooner than `delay` * U(1.0, 1.4) after it ended. The times are Redis's clock.
"""

from __future__ import annotations

import asyncio
import random
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import redis.asyncio as aioredis

JITTER = (1.0, 1.4)
POLL_SECONDS = (0.05, 0.2)  # how often a waiting process looks at the pace again
LOCK_MARGIN_SECONDS = 30.0  # the turn's lock outlives the slowest request by this much

# KEYS: lock, next. ARGV: token, lock ttl ms. Returns 0 (acquired), ms to wait, or -1 (busy).
_ACQUIRE = """
local now = redis.call('TIME')
local now_ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local next_ms = tonumber(redis.call('GET', KEYS[2]) or '0')
if next_ms > now_ms then return next_ms - now_ms end
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 0 end
return -1
"""

# KEYS: lock, next. ARGV: token (or ''), ms from now before the next request may start.
# Pushes `next` forward (never back) and frees the lock if it is still ours.
_RELEASE = """
local now = redis.call('TIME')
local now_ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local wanted = now_ms + math.floor(tonumber(ARGV[2]))
local next_ms = tonumber(redis.call('GET', KEYS[2]) or '0')
if wanted > next_ms then
  redis.call('SET', KEYS[2], string.format('%d', wanted), 'PX', wanted - now_ms + 60000)
end
if ARGV[1] ~= '' and redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 0
"""


def spacing(
    delay: float, rng: random.Random | None = None, jitter: tuple[float, float] = JITTER
) -> float:
    """Seconds between two requests: the delay with jitter, delay * U(1.0, 1.4)."""
    return delay * (rng or random).uniform(*jitter)


@dataclass
class Turn:
    """A turn at the pace; `requested = False` when it ended without a request (no spacing)."""

    requested: bool = True


class Pace:
    """One request in flight and a spacing between requests, shared via Redis under `key`.

    Each request may take up to `request_timeout` seconds; the lock outlives that by a margin,
    so a process that dies mid-request holds the others up only that long.
    """

    def __init__(
        self, redis: aioredis.Redis, key: str, *, delay: float, request_timeout: float
    ) -> None:
        self.lock_key = f"{key}:lock"
        self.next_key = f"{key}:next"
        self.delay = delay
        self.lock_ms = int((request_timeout + LOCK_MARGIN_SECONDS) * 1000)
        self._redis = redis

    @asynccontextmanager
    async def turn(self, delay: float | None = None) -> AsyncIterator[Turn]:
        """Wait for our turn, hold it while the request runs, then space the next one
        (by the longer of the pace's delay and `delay`, e.g. a robots.txt Crawl-delay)."""
        token = secrets.token_hex(16)
        while True:
            wait_ms = int(
                await self._redis.eval(
                    _ACQUIRE, 2, self.lock_key, self.next_key, token, self.lock_ms
                )
            )
            if wait_ms == 0:
                break
            pause = wait_ms / 1000 if wait_ms > 0 else random.uniform(*POLL_SECONDS)
            await asyncio.sleep(pause)
        turn = Turn()
        try:
            yield turn
        finally:
            gap = spacing(max(self.delay, delay or 0.0)) if turn.requested else 0.0
            await self._redis.eval(
                _RELEASE, 2, self.lock_key, self.next_key, token, int(gap * 1000)
            )

    async def hold_off(self, seconds: float) -> None:
        """No request from any process before `seconds` from now (backoff, Retry-After)."""
        await self._redis.eval(_RELEASE, 2, self.lock_key, self.next_key, "", int(seconds * 1000))
