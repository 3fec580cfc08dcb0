"""The circuit breaker for 1001tracklists, kept in Redis so every process stops at once.

A challenge page or a Retry-After beyond the cap opens it: no request goes to the site until it
closes (on a challenge stop and back off, at least 5 min, doubling). Each consecutive
opening doubles the time, up to 24 h; a successful page resets the count.
"""

from __future__ import annotations

import redis.asyncio as aioredis

from domain import channels
from domain.config import Settings
from domain.outbound.breaker import Breaker

BASE_SECONDS = 5 * 60.0
MAX_SECONDS = 24 * 3600.0


def site_breaker(
    settings: Settings,
    redis: aioredis.Redis,
    *,
    base_seconds: float = BASE_SECONDS,
    max_seconds: float = MAX_SECONDS,
) -> Breaker:
    """This installation's breaker for the site; durations injectable for tests."""
    return Breaker(
        redis,
        channels.tracklists_site(settings, "breaker"),
        base_seconds=base_seconds,
        max_seconds=max_seconds,
    )
