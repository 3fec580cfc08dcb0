"""SHOUTcast v2: `stats?sid=N&json=1` (songtitle, currentlisteners, streamstatus)."""

from __future__ import annotations

import time

import httpx

from domain.nowplaying.http import fetch_json
from domain.nowplaying.model import NowPlaying, SourceError, as_bool, as_int, make_track


def parse_shoutcast(data: object, *, received_at: float | None = None) -> NowPlaying:
    """A NowPlaying from a SHOUTcast v2 stream's JSON statistics."""
    if not isinstance(data, dict):
        raise SourceError("the statistics are not a JSON object")
    if not any(key in data for key in ("songtitle", "streamstatus", "currentlisteners")):
        raise SourceError("no songtitle or streamstatus in the statistics")
    received = time.time() if received_at is None else received_at
    listeners = as_int(data.get("currentlisteners"))
    # streamstatus 0 = no source connected to this stream id.
    if not as_bool(data.get("streamstatus"), default=True):
        return NowPlaying(online=False, track=None, listeners=listeners, received_at=received)
    return NowPlaying(
        online=True,
        track=make_track(text=data.get("songtitle")),
        listeners=listeners,
        next_track=make_track(text=data.get("nexttitle")),
        received_at=received,
    )


class ShoutcastSource:
    """One SHOUTcast v2 stream id, polled over `/stats?sid=N&json=1`."""

    def __init__(
        self, base_url: str, stream_id: int, http: httpx.AsyncClient, *, timeout: float = 5.0
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.stream_id = stream_id
        self.http = http
        self.timeout = timeout

    async def poll(self) -> NowPlaying:
        """What the stream plays now."""
        url = f"{self.base_url}/stats?sid={self.stream_id}&json=1"
        return parse_shoutcast(await fetch_json(self.http, url, time_limit=self.timeout))
