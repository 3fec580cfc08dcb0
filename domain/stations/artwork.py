"""Now-playing artwork, fetched by the server from the station's own origin and cached in Redis.

The card's art URL comes from the radio station's answers; a browser told to load it would call
wherever the station says (and tell that server who is watching the dashboard). So the page asks
us, and we fetch only from the station's own scheme, host and port, through the station HTTP
client (every connection's address checked, `domain/outbound/guard.py`), sending no
credentials, taking only an image of at most ARTWORK_MAX_BYTES. Answers, and failures for a
short while, are cached in Redis: every open dashboard asks, the station is asked once.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import httpx
import redis.asyncio as aioredis
from sqlalchemy import select

from domain import channels
from domain.config import Settings
from domain.db import Sessions
from domain.models import Station, StationHealth
from domain.nowplaying.http import fetch_bytes, same_origin
from domain.nowplaying.model import SourceError
from domain.stations.events import NowPlayingCard

ARTWORK_MAX_BYTES = 2 * 1024 * 1024
ARTWORK_TTL_SECONDS = 3600
# A failed fetch is remembered this long, so a broken image does not cost a request per viewer.
FAILURE_TTL_SECONDS = 60
FETCH_SECONDS = 5.0
# SVG is an image that can hold script: never served from our origin.
_REFUSED_TYPES = ("image/svg+xml",)
_FAILED = b"!"


class ArtworkMissing(LookupError):
    """No artwork to show: no such station, no art in its card, or art on another origin."""


class ArtworkUnavailable(RuntimeError):
    """The station's artwork could not be fetched, or is not an image we serve (message: why)."""


@dataclass(frozen=True, slots=True)
class Artwork:
    content_type: str
    body: bytes


async def station_artwork(
    sessions: Sessions,
    redis: aioredis.Redis,
    http: httpx.AsyncClient,
    settings: Settings,
    slug: str,
) -> Artwork:
    """The artwork of what station `slug` plays now, from the cache or its own server."""
    url = await _art_url(sessions, slug)
    key = channels.station_artwork(settings, hashlib.sha256(url.encode()).hexdigest())
    cached = await redis.get(key)
    if isinstance(cached, bytes):  # the client returns bytes: it is made without decoding
        return _from_cache(cached)
    try:
        artwork = await fetch_artwork(http, url)
    except ArtworkUnavailable as error:
        await redis.set(key, _FAILED + str(error).encode(), ex=FAILURE_TTL_SECONDS)
        raise
    await redis.set(key, _to_cache(artwork), ex=ARTWORK_TTL_SECONDS)
    return artwork


async def _art_url(sessions: Sessions, slug: str) -> str:
    """The art URL of the station's current card, when it is on the station's own origin."""
    query = (
        select(Station.base_url, StationHealth.now_playing)
        .outerjoin(StationHealth, StationHealth.station_id == Station.id)
        .where(Station.slug == slug)
    )
    async with sessions() as session:
        row = (await session.execute(query)).first()
    if row is None:
        raise ArtworkMissing(f"no station {slug[:100]!r}")
    card = NowPlayingCard.parse(row.now_playing)
    if card is None or not card.art:
        raise ArtworkMissing("the station shows no artwork for this track")
    if not same_origin(card.art, row.base_url):
        raise ArtworkMissing("the artwork is not on the station's own server: not fetched")
    return card.art


async def fetch_artwork(http: httpx.AsyncClient, url: str) -> Artwork:
    """GET one image: at most ARTWORK_MAX_BYTES, an image/* content type but SVG."""
    try:
        content_type, body = await fetch_bytes(
            http, url, accept="image/*", time_limit=FETCH_SECONDS, limit=ARTWORK_MAX_BYTES
        )
    except SourceError as error:
        raise ArtworkUnavailable(f"the station's artwork: {error}") from None
    kind = content_type.split(";")[0].strip().lower()
    if not kind.startswith("image/") or kind in _REFUSED_TYPES:
        shown = kind[:60] or "none"
        raise ArtworkUnavailable(f"the station's artwork is not an image (content type {shown})")
    return Artwork(kind, body)


def _to_cache(artwork: Artwork) -> bytes:
    return artwork.content_type.encode() + b"\n" + artwork.body


def _from_cache(cached: bytes) -> Artwork:
    if cached.startswith(_FAILED):
        raise ArtworkUnavailable(cached[1:].decode(errors="replace"))
    content_type, _, body = cached.partition(b"\n")
    return Artwork(content_type.decode(), body)
