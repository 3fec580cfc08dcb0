"""The Last.fm client: `track.getInfo` for a track's tags, playcount and listeners.

The API key travels in the query string, so every message, log line and cache key names the
URL without it. Last.fm's errors come as `{"error": 6, "message": "Track not found"}`, with a 4xx
or with HTTP 200: error 6 is "nothing known" (kept a day), 29 its rate limit (every process
holds off, and the breaker counts a failure), any other (a bad key: 10) a failure.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import redis.asyncio as aioredis

from domain.config import Settings
from domain.db import Sessions
from domain.enrichment.policy import DEFAULTS, ApiClient, Options
from domain.library.lookups import (
    LOOKUP_TTL,
    LookupFailed,
    RateLimited,
    UnusableAnswer,
    cached_get,
    objects,
    text_of,
)
from domain.outbound.policy import Answer

NAME = "Last.fm"
SOURCE = "lastfm"
NOT_FOUND = 6
RATE_LIMITED = 29
RATE_LIMIT_SECONDS = 10.0
MAX_TAGS = 10


@dataclass(frozen=True, slots=True)
class LastfmTrack:
    tags: tuple[str, ...]  # most used first
    playcount: int | None
    listeners: int | None
    mbid: str | None


class LastfmClient(ApiClient):
    """Asks Last.fm with the installation's key (LASTFM_API_KEY); `enabled` is False without."""

    def __init__(
        self,
        settings: Settings,
        redis: aioredis.Redis,
        sessions: Sessions,
        options: Options = DEFAULTS,
    ) -> None:
        super().__init__(settings, redis, sessions, SOURCE, NAME, options)
        databases = settings.music_databases
        self.base_url = databases.lastfm_url
        self.enabled = bool(databases.lastfm_api_key)
        self._key = databases.lastfm_api_key

    async def track_info(self, artist: str, title: str) -> LastfmTrack | None:
        """What Last.fm knows of `title` by `artist`; None when it knows nothing."""
        if not self.enabled:
            raise LookupFailed(NAME, "LASTFM_API_KEY is not set")
        query = {
            "method": "track.getInfo",
            "artist": " ".join(artist.split()),
            "track": " ".join(title.split()),
            "autocorrect": "1",
            "format": "json",
        }
        shown = f"{self.base_url}/2.0/?{urlencode(query)}"
        url = f"{shown}&{urlencode({'api_key': self._key})}"
        rules = self.rules
        try:
            data = await cached_get(
                rules.cache,
                rules.policy,
                self._http,
                "track",
                url,
                LOOKUP_TTL,
                "track",
                tally=rules.tally,
                judge=_judge,
                shown_url=shown,
            )
        except RateLimited:
            await rules.policy.pace.hold_off(RATE_LIMIT_SECONDS)
            raise
        track = data.get("track")
        return _track(track) if isinstance(track, dict) else None


def _judge(data: dict[str, Any], answer: Answer) -> dict[str, Any]:
    error = data.get("error")
    if error is None:
        return data
    message = text_of(data.get("message")) or "no message"
    if error == NOT_FOUND:
        return {}
    if error == RATE_LIMITED:
        raise RateLimited(NAME, f"{answer.url} answered: rate limit exceeded (error 29)")
    raise UnusableAnswer(NAME, f"{answer.url} answered error {error}: {message}"[:300])


def _count(value: object) -> int | None:
    """Last.fm's counts are strings ("123456")."""
    text = text_of(value)
    return int(text) if text and text.isdigit() else None


def _track(track: dict[str, Any]) -> LastfmTrack:
    toptags = track.get("toptags")
    raw = toptags.get("tag") if isinstance(toptags, dict) else None
    tags = objects([raw] if isinstance(raw, dict) else raw)  # one tag comes as an object
    names = [name for name in (text_of(tag.get("name")) for tag in tags) if name]
    return LastfmTrack(
        tags=tuple(dict.fromkeys(names))[:MAX_TAGS],
        playcount=_count(track.get("playcount")),
        listeners=_count(track.get("listeners")),
        mbid=text_of(track.get("mbid")),
    )
