"""Test connection: one read of a station's now-playing source, with the form's unsaved values.

The read is the daemon's own (`source_for`, through the guarded station HTTP client), so what
works here works for the daemon. Its failures are already in plain words (domain/nowplaying/http.py:
the name that did not resolve, the address that refused, never `[Errno -2]`); an HTTP error status
gets here what to check for the source's kind.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

from domain.config import Settings
from domain.models import SourceKind, Station
from domain.nowplaying import NowPlaying, source_for
from domain.nowplaying.http import HttpStatusError, causes
from domain.nowplaying.model import SourceError
from domain.stations.station_input import StationInput
from domain.stations.validation import validate_source
from domain.validation import InputError

# What to check after an HTTP error status, by source kind and status.
_STATUS_HINTS = {
    (SourceKind.AZURACAST, 404): "check the shortcode",
    (SourceKind.ICECAST, 404): "check the base URL: no Icecast status page there",
    (SourceKind.SHOUTCAST, 404): "check the base URL and the stream id",
    (SourceKind.AZURACAST, 401): "check the API key",
    (SourceKind.AZURACAST, 403): "check the API key",
}


@dataclass(frozen=True, slots=True)
class _SourceValues:
    """The form's source values, as `source_for` reads a station (its SourceSettings)."""

    name: str
    kind: str
    base_url: str
    shortcode: str | None
    api_key: str | None
    mount: str | None
    stream_id: int | None


@dataclass(frozen=True, slots=True)
class ConnectionReport:
    """What one read of the source gave: `ok` and what it read, or why it failed (`text`)."""

    ok: bool
    text: str


async def check_connection(
    http: httpx.AsyncClient,
    settings: Settings,
    data: StationInput,
    current: Station | None = None,
) -> ConnectionReport:
    """Read the source `data` describes once (nothing is saved) and say what came back."""
    try:
        values = validate_source(data, settings, current)
    except InputError as error:
        reasons = " ".join(error.by_field().values())
        return ConnectionReport(False, "Fix the source first: " + reasons)
    station = _SourceValues(
        data.name,
        values["kind"],
        values["base_url"],
        values["shortcode"],
        values["api_key"],
        values["mount"],
        values["stream_id"],
    )
    try:
        playing = await source_for(station, http).poll()
    except SourceError as error:
        return ConnectionReport(False, plain_reason(error, station.kind))
    return ConnectionReport(True, describe(playing, station.base_url))


def describe(playing: NowPlaying, base_url: str) -> str:
    """What a successful read shows: the track and listeners, or that nothing plays."""
    where = urlsplit(base_url).netloc
    if not playing.online:
        what = "the station is off the air"
    elif playing.track is None:
        what = "nothing playing"
    else:
        track = playing.track
        what = f"{track.artist} \u2013 {track.title}" if track.artist else track.title
        if playing.is_live and playing.streamer:
            what += f" (live: {playing.streamer})"
    if playing.listeners is not None:
        what += f" · {playing.listeners} listener" + ("" if playing.listeners == 1 else "s")
    return f"Connected to {where}: {what}"


def plain_reason(error: SourceError, kind: str) -> str:
    """Why the read failed, in words a person can act on: an HTTP error status says what to
    check, naming the URL the reader asked first."""
    statuses = [cause for cause in causes(error) if isinstance(cause, HttpStatusError)]
    if not statuses:
        return str(error)
    first = statuses[-1]  # AzuraCast's fallback to its static JSON comes after
    hint = _STATUS_HINTS.get((SourceKind(kind), first.status))
    if hint is None and first.status >= 500:
        hint = "the server failed; try again later"
    return f"HTTP {first.status} from {first.url}" + (f": {hint}" if hint else "")
