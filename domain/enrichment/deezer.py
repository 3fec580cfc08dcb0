"""The Deezer client: a track by its ISRC (BPM, gain, release date, album) and its album (label,
genres), without a key.

Deezer answers its errors with HTTP 200: `{"error": {"code": 800, "message": "no data"}}` is
"nothing known" (kept a day), code 4 is its quota (50 requests in 5 s): a rate limit, which holds
every process off for QUOTA_SECONDS and counts as a failure for the breaker. A `bpm` of 0 means
unknown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import redis.asyncio as aioredis

from domain.config import Settings
from domain.db import Sessions
from domain.enrichment.policy import DEFAULTS, ApiClient, Options
from domain.library.facts import normal_isrc
from domain.library.lookups import (
    LOOKUP_TTL,
    RateLimited,
    UnusableAnswer,
    cached_get,
    objects,
    text_of,
)
from domain.outbound.policy import Answer
from domain.validation import InputError

NAME = "Deezer"
SOURCE = "deezer"
NO_DATA = 800
QUOTA = 4
QUOTA_SECONDS = 5.0


@dataclass(frozen=True, slots=True)
class DeezerTrack:
    id: int
    bpm: float | None  # None where Deezer says 0
    gain: float | None
    release_date: str | None
    album_id: int | None


@dataclass(frozen=True, slots=True)
class DeezerAlbum:
    id: int
    label: str | None
    genres: tuple[str, ...]
    release_date: str | None


class DeezerClient(ApiClient):
    """Asks Deezer on behalf of every process (pace, breaker and answers shared)."""

    def __init__(
        self,
        settings: Settings,
        redis: aioredis.Redis,
        sessions: Sessions,
        options: Options = DEFAULTS,
    ) -> None:
        super().__init__(settings, redis, sessions, SOURCE, NAME, options)
        self.base_url = settings.music_databases.deezer_url

    async def by_isrc(self, isrc: str) -> DeezerTrack | None:
        """The track with this ISRC; None when Deezer has none."""
        code = normal_isrc(isrc)
        if code is None:
            raise InputError("isrc", f"{isrc[:40]!r} is no ISRC: 12 characters like GBAHT1300001")
        data = await self._get("isrc", f"{self.base_url}/track/isrc:{quote(code)}")
        return _track(data) if data else None

    async def album(self, album_id: int) -> DeezerAlbum | None:
        """The album with this id (its label and genres); None when Deezer has none."""
        data = await self._get("album", f"{self.base_url}/album/{int(album_id)}")
        return _album(data) if data else None

    async def _get(self, kind: str, url: str) -> dict[str, Any]:
        rules = self.rules
        try:
            return await cached_get(
                rules.cache,
                rules.policy,
                self._http,
                kind,
                url,
                LOOKUP_TTL,
                "id",
                tally=rules.tally,
                judge=_judge,
            )
        except RateLimited:
            await rules.policy.pace.hold_off(QUOTA_SECONDS)
            raise


def _judge(data: dict[str, Any], answer: Answer) -> dict[str, Any]:
    """Deezer's error object, read: "no data" is nothing known, the quota a rate limit."""
    error = data.get("error")
    if error is None:
        return data
    code = error.get("code") if isinstance(error, dict) else None
    message = text_of(error.get("message")) if isinstance(error, dict) else None
    if code == NO_DATA:
        return {}
    if code == QUOTA:
        raise RateLimited(NAME, f"{answer.url} answered: quota exceeded (code 4)")
    raise UnusableAnswer(NAME, f"{answer.url} answered an error: {message or error!r}"[:300])


def _number(value: object) -> float | None:
    """A JSON number (or numeric text) as a float; None for 0 (Deezer's "unknown") and others."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            return None
    return float(value) if isinstance(value, int | float) and value else None


def _id(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def _track(data: dict[str, Any]) -> DeezerTrack | None:
    track_id = _id(data.get("id"))
    if track_id is None:
        return None
    album = data.get("album")
    return DeezerTrack(
        id=track_id,
        bpm=_number(data.get("bpm")),
        gain=_number(data.get("gain")),
        release_date=_date(data.get("release_date")),
        album_id=_id(album.get("id")) if isinstance(album, dict) else None,
    )


def _album(data: dict[str, Any]) -> DeezerAlbum | None:
    album_id = _id(data.get("id"))
    if album_id is None:
        return None
    genres = data.get("genres")
    found = objects(genres.get("data")) if isinstance(genres, dict) else []
    return DeezerAlbum(
        id=album_id,
        label=text_of(data.get("label")),
        genres=tuple(name for name in (text_of(g.get("name")) for g in found) if name),
        release_date=_date(data.get("release_date")),
    )


def _date(value: object) -> str | None:
    """ "2016-04-01"; Deezer's "0000-00-00" for unknown is None."""
    text = text_of(value)
    return text if text and text.strip("0-") else None
