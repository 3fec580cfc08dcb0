"""How enrichment asks each outside API: its pace (shared by every process), its breaker with
states, its answers kept in PostgreSQL and its calls counted. One `ApiRules` per client.

Paces, as the APIs ask (requests a second for the whole installation): Spotify 3, MusicBrainz 1,
Discogs 1, Last.fm 4, Deezer 5. MusicBrainz and Discogs keep the pace identification uses (one
request a second between both); enrichment has breakers of its own for them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import redis.asyncio as aioredis

from domain import channels
from domain.config import Settings
from domain.db import Sessions
from domain.enrichment.api_cache import ApiCache
from domain.library.lookups import http_client, outbound_policy
from domain.outbound.breaker import WINDOW_SECONDS, CircuitBreaker
from domain.outbound.policy import OutboundPolicy
from domain.outbound.retry import RETRY_AFTER_CAP
from domain.outbound.tally import Tally
from domain.outbound.user_agent import user_agent

# Seconds between two requests (before the pace's jitter): the APIs' own limits.
DELAYS = {
    "musicbrainz": 1.0,
    "discogs": 1.0,
    "deezer": 1 / 5,
    "lastfm": 1 / 4,
    "spotify": 1 / 3,
}
TIMEOUT_SECONDS = 20.0


@dataclass(frozen=True, slots=True)
class Options:
    """What tests shorten: the breaker's window, the wait between retries, the timeout, and the
    share of each API's delay kept between two requests (`pace`, 1: the API's own)."""

    window_seconds: float = WINDOW_SECONDS
    backoff_seconds: float = 1.0
    timeout: float = TIMEOUT_SECONDS
    pace: float = 1.0

    def delay(self, source: str) -> float:
        """Seconds between two requests to `source` (before the pace's jitter)."""
        return DELAYS[source] * self.pace


DEFAULTS = Options()


@dataclass(frozen=True, slots=True)
class ApiRules:
    """One API's policy (pace, breaker, retries), answer cache and counters."""

    policy: OutboundPolicy
    breaker: CircuitBreaker
    cache: ApiCache
    tally: Tally


def breaker_of(
    settings: Settings, redis: aioredis.Redis, source: str, window: float
) -> CircuitBreaker:
    """The enrichment breaker of `source`, as every process (and the Sources page) sees it."""
    return CircuitBreaker(
        redis, channels.music_api(settings, source, "breaker"), name=source, window_seconds=window
    )


def api_rules(
    settings: Settings,
    redis: aioredis.Redis,
    sessions: Sessions,
    source: str,
    name: str,
    options: Options,
) -> ApiRules:
    """The rules for `source` ("deezer"…), `name` the API's name in messages ("Deezer")."""
    breaker = breaker_of(settings, redis, source, options.window_seconds)
    policy = outbound_policy(
        name,
        redis,
        partial(channels.music_api, settings, source),
        delay=options.delay(source),
        timeout=options.timeout,
        backoff_seconds=options.backoff_seconds,
        breaker_base_seconds=options.window_seconds,
        retry_after_cap=RETRY_AFTER_CAP,
        breaker=breaker,
    )
    return ApiRules(
        policy=policy,
        breaker=breaker,
        cache=ApiCache(sessions, source),
        tally=Tally(redis, channels.api_tally(settings), source),
    )


class ApiClient:
    """What every enrichment client holds: its `rules` and an HTTP client asking for JSON with
    the installation's User-Agent (no redirect followed, no proxy from the environment)."""

    def __init__(
        self,
        settings: Settings,
        redis: aioredis.Redis,
        sessions: Sessions,
        source: str,
        name: str,
        options: Options,
    ) -> None:
        self.rules = api_rules(settings, redis, sessions, source, name, options)
        self._http = http_client(
            options.timeout,
            {"User-Agent": user_agent(settings.contact), "Accept": "application/json"},
        )

    async def aclose(self) -> None:
        await self._http.aclose()
