"""AzuraCast: the now-playing object (REST, static JSON, webhook) and the SSE push feed.

Shapes and facts: docs/architecture.md, AzuraCast. Parsing is tolerant: missing, null or
extra fields, numbers as strings and `[]` for empty objects never raise; only a response with
nothing usable in it does.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import AsyncGenerator, Iterator, Mapping
from urllib.parse import quote

import httpx

from domain.nowplaying.http import HttpStatusError, fetch_json, open_event_stream, sse_data
from domain.nowplaying.model import (
    NowPlaying,
    SourceError,
    Track,
    as_bool,
    as_dict,
    as_float,
    as_int,
    as_str,
    is_offline_track,
    make_track,
    positive,
)

log = logging.getLogger(__name__)


def _kind(value: object) -> str:
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "null"
    return f"a {type(value).__name__}"


def _pick_station(data: list[object], shortcode: str | None) -> object:
    """Some proxies answer `/api/nowplaying/{shortcode}` with the list of every station."""
    objects = [item for item in data if isinstance(item, dict)]
    if shortcode:
        for item in objects:
            if as_str(as_dict(item.get("station")).get("shortcode")) == shortcode:
                return item
        raise SourceError(f"a list of {len(data)} stations without station {shortcode!r}")
    if len(objects) == 1:
        return objects[0]
    raise SourceError(f"a list of {len(data)} stations where one was expected")


def _song_track(entry: object) -> Track | None:
    song = as_dict(as_dict(entry).get("song"))
    return make_track(
        artist=song.get("artist"),
        title=song.get("title"),
        text=song.get("text"),
        song_id=song.get("id"),
        album=song.get("album"),
        art=song.get("art"),
    )


def _listeners(value: object) -> int | None:
    # Current servers send {total, unique, current}; very old ones a bare number.
    if isinstance(value, dict):
        for key in ("current", "total"):
            count = as_int(value.get(key))
            if count is not None:
                return count
        return None
    return as_int(value)


def parse_azuracast(
    data: object, shortcode: str | None = None, *, received_at: float | None = None
) -> NowPlaying:
    """A NowPlaying from AzuraCast's now-playing object (REST, static JSON or webhook body)."""
    if isinstance(data, list):
        data = _pick_station(data, shortcode)
    if not isinstance(data, dict):
        raise SourceError(f"{_kind(data)} where a now-playing object was expected")
    if data.get("is_online") is None and not isinstance(data.get("now_playing"), dict):
        raise SourceError("neither is_online nor a now_playing object in the response")
    now = as_dict(data.get("now_playing"))
    track = _song_track(now)
    sh_id = as_int(now.get("sh_id")) or None
    # Older servers omit is_online: a known song or play means the station is on the air.
    online = as_bool(data.get("is_online"), default=track is not None or sh_id is not None)
    if is_offline_track(track):
        online, track = False, None
    live = as_dict(data.get("live"))
    streamer = as_str(live.get("streamer_name")) or as_str(now.get("streamer")) or None
    return NowPlaying(
        online=online,
        track=track if online else None,
        sh_id=sh_id if online else None,
        played_at=positive(as_float(now.get("played_at"))) if online else None,
        duration=positive(as_float(now.get("duration"))) if online else None,
        is_live=online and as_bool(live.get("is_live")),
        streamer=streamer if online else None,
        listeners=_listeners(data.get("listeners")),
        next_track=_song_track(data.get("playing_next")) if online else None,
        received_at=time.time() if received_at is None else received_at,
    )


def feed_messages(frame: object, channel: str) -> Iterator[object]:
    """The MSG objects (`{"np": …}`) in one decoded Centrifugo frame of the push feed.

    Raises SourceError for a `disconnect` frame; pings (`{}`) and unknown frames yield nothing.
    """
    frame = as_dict(frame)
    if "push" in frame:  # Centrifugo protocol variants wrap publications in "push"
        frame = as_dict(frame["push"])
    if "disconnect" in frame:
        info = as_dict(frame["disconnect"])
        reason = as_str(info.get("reason")) or "no reason given"
        code = as_int(info.get("code"))
        raise SourceError(f"feed disconnected: {reason}" + (f" (code {code})" if code else ""))
    if "connect" in frame:
        subs = as_dict(as_dict(frame["connect"]).get("subs"))
        publications = as_dict(subs.get(channel)).get("publications")
        for publication in publications if isinstance(publications, list) else []:
            if "data" in as_dict(publication):
                yield as_dict(publication)["data"]
        return
    if "pub" in frame and as_str(frame.get("channel")) in ("", channel):
        pub = as_dict(frame["pub"])
        if "data" in pub:
            yield pub["data"]


class AzuraCastSource:
    """One AzuraCast station: `poll()` over REST, `feed()` over the SSE push feed."""

    def __init__(
        self,
        base_url: str,
        shortcode: str,
        api_key: str | None,
        http: httpx.AsyncClient,
        *,
        timeout: float = 5.0,
        dead_after: float = 60.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.shortcode = shortcode
        self.http = http
        self.timeout = timeout
        self.dead_after = dead_after  # no frame (pings come every ~25 s) for this long = dead
        self._headers: Mapping[str, str] = {"X-API-Key": api_key} if api_key else {}

    @property
    def channel(self) -> str:
        return f"station:{self.shortcode}"

    @property
    def feed_url(self) -> str:
        subs = json.dumps({"subs": {self.channel: {"recover": True}}}, separators=(",", ":"))
        return f"{self.base_url}/api/live/nowplaying/sse?cf_connect={quote(subs, safe='')}"

    async def poll(self) -> NowPlaying:
        """The station's now playing over REST, falling back to the static JSON on 404/5xx."""
        sc = quote(self.shortcode, safe="")
        try:
            data = await self._get(f"{self.base_url}/api/nowplaying/{sc}")
        except HttpStatusError as exc:
            if exc.status != 404 and exc.status < 500:
                raise
            try:
                data = await self._get(f"{self.base_url}/api/nowplaying_static/{sc}.json")
            except SourceError as static_exc:
                raise SourceError(f"{exc}; static JSON: {static_exc}") from None
        return parse_azuracast(data, self.shortcode)

    async def _get(self, url: str) -> object:
        return await fetch_json(self.http, url, headers=self._headers, time_limit=self.timeout)

    async def feed(self) -> AsyncGenerator[NowPlaying, None]:
        """Now-playing updates from the push feed: the connect frame's message, then each pub.

        Never ends normally: raises SourceError on a disconnect frame, the end of the stream or
        `dead_after` seconds without any frame. Reconnecting is the caller's job.
        """
        async with open_event_stream(
            self.http,
            self.feed_url,
            headers=self._headers,
            connect_timeout=self.timeout,
            read_timeout=self.dead_after,
        ) as response:
            async for data in sse_data(response):
                try:
                    frame = json.loads(data)
                except json.JSONDecodeError as exc:
                    raise SourceError(f"invalid JSON in a feed frame: {exc.msg}") from None
                for message in feed_messages(frame, self.channel):
                    try:
                        yield parse_azuracast(as_dict(message).get("np"), self.shortcode)
                    except SourceError as exc:
                        # One odd message is no reason to drop a live feed; the next cycle comes.
                        log.debug("skipping a feed message for %s: %s", self.shortcode, exc)
        raise SourceError("the feed ended")
