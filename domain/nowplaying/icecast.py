"""Icecast: `status-json.xsl`, whose `source` is missing, one object, or one object per mount."""

from __future__ import annotations

import time
from collections.abc import Mapping
from urllib.parse import urlsplit

import httpx

from domain.nowplaying.http import fetch_json
from domain.nowplaying.model import NowPlaying, SourceError, as_dict, as_int, as_str, make_track


def _mount_of(source: Mapping[str, object]) -> str:
    # Icecast names a source only through its listen URL (http://host:8000/radio.mp3);
    # forks such as Icecast-KH add a "mount" field.
    mount = as_str(source.get("mount"))
    return mount or urlsplit(as_str(source.get("listenurl"))).path


def _normal_mount(mount: str) -> str:
    return "/" + mount.strip().lstrip("/")


def _pick_source(sources: list[Mapping[str, object]], mount: str | None) -> Mapping[str, object]:
    mounts = [_mount_of(source) for source in sources]
    if mount:
        wanted = _normal_mount(mount)
        for source, source_mount in zip(sources, mounts, strict=True):
            if _normal_mount(source_mount) == wanted:
                return source
        for source in sources:
            if as_str(source.get("server_name")) == mount.strip():
                return source
        raise SourceError(f"no mount {wanted} in status (mounts: {', '.join(mounts)})")
    if len(sources) == 1:
        return sources[0]
    raise SourceError(f"{len(sources)} mounts in status ({', '.join(mounts)}): set the mount")


def parse_icecast(
    data: object, mount: str | None, *, received_at: float | None = None
) -> NowPlaying:
    """A NowPlaying from Icecast's status JSON, for the configured mount."""
    if not isinstance(data, dict) or not isinstance(data.get("icestats"), dict):
        raise SourceError("no icestats object in the status")
    raw = data["icestats"].get("source")
    listed = raw if isinstance(raw, list) else [raw] if raw is not None else []
    sources = [as_dict(source) for source in listed if isinstance(source, dict)]
    received = time.time() if received_at is None else received_at
    if not sources:
        # No source client connected: the station is off the air.
        return NowPlaying(online=False, track=None, received_at=received)
    source = _pick_source(sources, mount)
    artist = as_str(source.get("artist"))
    title = as_str(source.get("title")) or as_str(source.get("yp_currently_playing"))
    # Without a separate artist the title is the whole "Artist - Title" stream title.
    track = make_track(artist=artist, title=title) if artist else make_track(text=title)
    return NowPlaying(
        online=True, track=track, listeners=as_int(source.get("listeners")), received_at=received
    )


class IcecastSource:
    """One Icecast mount, polled over `/status-json.xsl`."""

    def __init__(
        self, base_url: str, mount: str | None, http: httpx.AsyncClient, *, timeout: float = 5.0
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.mount = mount
        self.http = http
        self.timeout = timeout

    async def poll(self) -> NowPlaying:
        """What the mount plays now."""
        data = await fetch_json(
            self.http, f"{self.base_url}/status-json.xsl", time_limit=self.timeout
        )
        return parse_icecast(data, self.mount)
