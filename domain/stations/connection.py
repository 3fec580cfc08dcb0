"""Test connection: one read of a station's now-playing source, with the form's unsaved values.

The read is the daemon's own (the source reader for the kind, through the guarded station HTTP
client), so what works here works for the daemon. Failures are put in plain words: the name that
did not resolve, the address that refused, the HTTP status and what to check, never `[Errno -2]`.
"""

from __future__ import annotations

import errno
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

import httpx

from domain.config import Settings
from domain.models import SourceKind, Station
from domain.nowplaying import AzuraCastSource, IcecastSource, NowPlaying, ShoutcastSource, Source
from domain.nowplaying.http import HttpStatusError
from domain.nowplaying.model import SourceError
from domain.outbound.guard import AddressRefused
from domain.stations.station_input import StationInput
from domain.stations.validation import validate_source
from domain.validation import InputError

_DEFAULT_PORTS = {"http": 80, "https": 443}
# What to check after an HTTP error status, by source kind and status.
_STATUS_HINTS = {
    (SourceKind.AZURACAST, 404): "check the shortcode",
    (SourceKind.ICECAST, 404): "check the base URL: no Icecast status page there",
    (SourceKind.SHOUTCAST, 404): "check the base URL and the stream id",
    (SourceKind.AZURACAST, 401): "check the API key",
    (SourceKind.AZURACAST, 403): "check the API key",
}


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
    kind, base_url = values["kind"], values["base_url"]
    source = _source(values, http)
    try:
        playing = await source.poll()
    except SourceError as error:
        return ConnectionReport(False, plain_reason(error, kind, _first_url(values)))
    return ConnectionReport(True, describe(playing, base_url))


def _source(values: dict[str, object], http: httpx.AsyncClient) -> Source:
    base_url = str(values["base_url"])
    if values["kind"] == SourceKind.AZURACAST:
        api_key = values["api_key"]
        return AzuraCastSource(
            base_url, str(values["shortcode"]), str(api_key) if api_key else None, http
        )
    if values["kind"] == SourceKind.ICECAST:
        return IcecastSource(base_url, str(values["mount"]), http)
    stream_id = values["stream_id"]
    return ShoutcastSource(base_url, stream_id if isinstance(stream_id, int) else 1, http)


def _first_url(values: dict[str, object]) -> str:
    """The URL the reader asks first, as the error message names it."""
    base_url = str(values["base_url"])
    if values["kind"] == SourceKind.AZURACAST:
        return f"{base_url}/api/nowplaying/{quote(str(values['shortcode']), safe='')}"
    if values["kind"] == SourceKind.ICECAST:
        return f"{base_url}/status-json.xsl"
    return f"{base_url}/stats?sid={values['stream_id']}&json=1"


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


def _causes(error: BaseException) -> Iterator[BaseException]:
    """The error and what led to it (`raise … from None` still keeps the context)."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def plain_reason(error: SourceError, kind: str, url: str) -> str:
    """Why the read failed, in words a person can act on."""
    causes = list(_causes(error))
    parts = urlsplit(url)
    host = parts.hostname or url
    port = parts.port or _DEFAULT_PORTS.get(parts.scheme, 0)
    for cause in causes:
        if isinstance(cause, socket.gaierror):
            return f"could not resolve {host}: no such name, or no DNS answer"
    for cause in causes:
        if isinstance(cause, AddressRefused):
            return str(cause)
        if isinstance(cause, ConnectionRefusedError) or (
            isinstance(cause, OSError) and cause.errno == errno.ECONNREFUSED
        ):
            return f"connection refused by {host}:{port}: nothing listens there"
        if isinstance(cause, HttpStatusError):
            hint = _STATUS_HINTS.get((SourceKind(kind), cause.status))
            if hint is None and cause.status >= 500:
                hint = "the server failed; try again later"
            return f"HTTP {cause.status} from {url}" + (f": {hint}" if hint else "")
    return str(error)
