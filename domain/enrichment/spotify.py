"""The Spotify client, optional (SPOTIFY_CLIENT_ID and SPOTIFY_CLIENT_SECRET): track search, and
audio features for as long as Spotify grants them.

The token comes from the client-credentials flow and is kept (in this process) until shortly
before it expires; it is asked for only when a request is about to be made. Since 2024-11 new
apps get 403 on audio-features: the first 403 switches that call off for good for every process
(a Redis flag) with one log line. Since 2026-03 development apps get no ISRC or popularity: both
are read when present, never assumed.
"""

from __future__ import annotations

import base64
import json
import logging
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

import redis.asyncio as aioredis

from domain import channels
from domain.config import Settings
from domain.db import Sessions
from domain.enrichment.policy import DEFAULTS, ApiClient, Options
from domain.library.lookups import (
    LOOKUP_TTL,
    SEARCH_TTL,
    BreakerOpen,
    LookupFailed,
    UnusableAnswer,
    cached_get,
    objects,
    text_of,
)
from domain.outbound.body import BodyTooLarge
from domain.outbound.breaker import CircuitOpen
from domain.outbound.policy import Answer, RequestFailed

log = logging.getLogger(__name__)

NAME = "Spotify"
SOURCE = "spotify"
SEARCH_LIMIT = 10
EARLY_SECONDS = 60.0  # a token is renewed this long before Spotify says it expires


class AudioFeaturesOff(LookupFailed):
    """Spotify refused audio features (403): not asked again."""


@dataclass(frozen=True, slots=True)
class SpotifyTrack:
    id: str
    name: str
    artists: tuple[str, ...]
    duration: float | None  # seconds
    isrc: str | None  # absent for development apps since 2026-03
    popularity: int | None


class SpotifyClient(ApiClient):
    """Asks Spotify with the app's client credentials; `enabled` is False without them."""

    def __init__(
        self,
        settings: Settings,
        redis: aioredis.Redis,
        sessions: Sessions,
        options: Options = DEFAULTS,
    ) -> None:
        super().__init__(settings, redis, sessions, SOURCE, NAME, options)
        databases = settings.music_databases
        self.enabled = databases.spotify_configured
        self.api_url = databases.spotify_api_url
        self.token_url = f"{databases.spotify_accounts_url}/api/token"
        pair = f"{databases.spotify_client_id}:{databases.spotify_client_secret}"
        self._basic = base64.b64encode(pair.encode()).decode()
        self._token = ""
        self._token_until = 0.0
        self._redis = redis
        self._off_key = channels.music_api(settings, SOURCE, "audio-features-off")

    async def search(self, artist: str, title: str) -> list[SpotifyTrack]:
        """The tracks a search for `title` by `artist` finds, Spotify's best first."""
        if not self.enabled:
            raise LookupFailed(NAME, "SPOTIFY_CLIENT_ID and SPOTIFY_CLIENT_SECRET are not set")
        words = f"track:{' '.join(title.split())}"
        if artist.strip():
            words += f" artist:{' '.join(artist.split())}"
        query = urlencode({"q": words, "type": "track", "limit": SEARCH_LIMIT})
        data = await self._get("search", f"{self.api_url}/v1/search?{query}", SEARCH_TTL)
        tracks = data.get("tracks")
        items = objects(tracks.get("items")) if isinstance(tracks, dict) else []
        return [track for track in map(_track, items) if track is not None]

    async def audio_features(self, track_id: str) -> dict[str, Any] | None:
        """The track's audio features; None when Spotify has none or refuses them (403: asked
        never again, by any process)."""
        if not self.enabled or await self.audio_features_off():
            return None
        url = f"{self.api_url}/v1/audio-features/{quote(track_id, safe='')}"
        try:
            data = await self._get("audio-features", url, LOOKUP_TTL, on_answer=self._refused)
        except AudioFeaturesOff:
            return None
        return data or None

    async def audio_features_off(self) -> bool:
        """Whether Spotify refused audio features to this app (the Sources page says so)."""
        return bool(await self._redis.exists(self._off_key))

    async def _refused(self, answer: Answer) -> None:
        if answer.status == 403:
            if await self._redis.set(self._off_key, "403", nx=True):
                log.warning("Spotify refused audio features (403): not asked for them again")
            raise AudioFeaturesOff(NAME, "audio features refused (403)")

    async def _get(
        self, kind: str, url: str, seconds: int, *, on_answer: Any = None
    ) -> dict[str, Any]:
        rules = self.rules
        return await cached_get(
            rules.cache,
            rules.policy,
            self._http,
            kind,
            url,
            seconds,
            "",
            tally=rules.tally,
            judge=_judge,
            headers=self._headers,
            on_answer=on_answer,
        )

    async def _headers(self) -> dict[str, str]:
        """The bearer token, asked for when none is kept or it is about to expire."""
        if not self._token or time.monotonic() >= self._token_until:
            self._token, lasts = await self._new_token()
            self._token_until = time.monotonic() + max(0.0, lasts - EARLY_SECONDS)
        return {"Authorization": f"Bearer {self._token}"}

    async def _new_token(self) -> tuple[str, float]:
        """A client-credentials token and how many seconds it lasts (the call counted like every
        other). The secret is never part of a message."""
        started = time.monotonic()
        outcome = "error"
        try:
            token, lasts = await self._ask_token()
            outcome = "ok"
            return token, lasts
        except BreakerOpen as stopped:
            outcome = "rate_limited" if stopped.rate_limited else "circuit_open"
            raise
        finally:
            await self.rules.tally.call(outcome, time.monotonic() - started)

    async def _ask_token(self) -> tuple[str, float]:
        policy = self.rules.policy
        try:
            answer = await policy.request(
                self._http,
                "POST",
                self.token_url,
                data={"grant_type": "client_credentials"},
                headers={"Authorization": f"Basic {self._basic}"},
            )
        except CircuitOpen as stopped:
            raise BreakerOpen(
                NAME, str(stopped), retry_at=stopped.retry_at, rate_limited=stopped.rate_limited
            ) from None
        except RequestFailed as failed:
            retry_at = await policy.breaker.failed()
            raise LookupFailed(NAME, f"no token: {failed}", retry_at=retry_at) from None
        except BodyTooLarge as large:
            raise LookupFailed(NAME, f"no token: {large}") from None
        try:
            data = json.loads(answer.body) if answer.status == 200 else None
        except ValueError:
            data = None
        token = data.get("access_token") if isinstance(data, dict) else None
        if not isinstance(token, str) or not token:
            await policy.breaker.answered_badly()
            raise UnusableAnswer(NAME, f"{self.token_url} gave no token ({answer.status})")
        await policy.breaker.succeeded()
        lasts = data.get("expires_in") if isinstance(data, dict) else None
        return token, float(lasts) if isinstance(lasts, int | float) else 3600.0


def _judge(data: dict[str, Any], answer: Answer) -> dict[str, Any]:
    """An empty search is nothing known; an error object in a 200 is a failure."""
    if "error" in data and answer.status < 400:
        raise UnusableAnswer(NAME, f"{answer.url} answered an error: {data['error']!r}"[:300])
    tracks = data.get("tracks")
    if isinstance(tracks, dict) and not objects(tracks.get("items")):
        return {}
    return data


def _track(item: dict[str, Any]) -> SpotifyTrack | None:
    track_id = text_of(item.get("id"))
    if track_id is None:
        return None
    ids = item.get("external_ids")
    duration = item.get("duration_ms")
    popularity = item.get("popularity")
    return SpotifyTrack(
        id=track_id,
        name=text_of(item.get("name")) or "",
        artists=tuple(
            name for name in (text_of(a.get("name")) for a in objects(item.get("artists"))) if name
        ),
        duration=duration / 1000
        if isinstance(duration, int | float) and not isinstance(duration, bool) and duration > 0
        else None,
        isrc=text_of(ids.get("isrc")) if isinstance(ids, dict) else None,
        popularity=popularity
        if isinstance(popularity, int) and not isinstance(popularity, bool)
        else None,
    )
