"""The outside APIs one batch of enrichment asks, opened together and closed together.

MusicBrainz and Discogs are domain/library's clients, given enrichment's answer cache (in
PostgreSQL) and breakers with states; Deezer, Last.fm and Spotify are enrichment's own.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass

import redis.asyncio as aioredis

from domain.config import Settings
from domain.db import Sessions
from domain.enrichment.api_cache import ApiCache
from domain.enrichment.deezer import DeezerClient
from domain.enrichment.lastfm import LastfmClient
from domain.enrichment.policy import DEFAULTS, Options, breaker_of
from domain.enrichment.spotify import SpotifyClient
from domain.library.discogs import DiscogsClient
from domain.library.musicbrainz import MusicBrainzClient

CLOSE_TIMEOUT_SECONDS = 2.0


@dataclass(eq=False)
class Clients:
    musicbrainz: MusicBrainzClient
    discogs: DiscogsClient
    deezer: DeezerClient
    lastfm: LastfmClient
    spotify: SpotifyClient

    @classmethod
    def open(
        cls,
        settings: Settings,
        redis: aioredis.Redis,
        sessions: Sessions,
        options: Options = DEFAULTS,
    ) -> Clients:
        """Every client, its HTTP connections opened on first use."""
        common = {"timeout": options.timeout, "backoff_seconds": options.backoff_seconds}
        return cls(
            musicbrainz=MusicBrainzClient(
                settings,
                redis,
                cache=ApiCache(sessions, "musicbrainz"),
                breaker=breaker_of(settings, redis, "musicbrainz", options.window_seconds),
                delay=options.delay("musicbrainz"),
                **common,
            ),
            discogs=DiscogsClient(
                settings,
                redis,
                cache=ApiCache(sessions, "discogs"),
                breaker=breaker_of(settings, redis, "discogs", options.window_seconds),
                delay=options.delay("discogs"),
                **common,
            ),
            deezer=DeezerClient(settings, redis, sessions, options),
            lastfm=LastfmClient(settings, redis, sessions, options),
            spotify=SpotifyClient(settings, redis, sessions, options),
        )

    async def aclose(self) -> None:
        for client in (self.musicbrainz, self.discogs, self.deezer, self.lastfm, self.spotify):
            with contextlib.suppress(Exception):
                await asyncio.wait_for(client.aclose(), CLOSE_TIMEOUT_SECONDS)
