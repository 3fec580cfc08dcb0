"""The right source reader for a station's configuration."""

from __future__ import annotations

from typing import Protocol

import httpx

from domain.nowplaying.azuracast import AzuraCastSource
from domain.nowplaying.icecast import IcecastSource
from domain.nowplaying.shoutcast import ShoutcastSource

Source = AzuraCastSource | IcecastSource | ShoutcastSource
KINDS = ("azuracast", "icecast", "shoutcast")


class SourceSettings(Protocol):
    """What a reader needs of a station (`domain.stations.store.StationConfig` has it)."""

    @property
    def name(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def base_url(self) -> str: ...
    @property
    def shortcode(self) -> str | None: ...
    @property
    def api_key(self) -> str | None: ...
    @property
    def mount(self) -> str | None: ...
    @property
    def stream_id(self) -> int | None: ...


def source_for(station: SourceSettings, http: httpx.AsyncClient) -> Source:
    """The reader for `station`'s kind; ValueError for an unknown kind or a missing shortcode."""
    if station.kind == "azuracast":
        if not station.shortcode:
            raise ValueError(f"station {station.name!r}: AzuraCast needs a shortcode")
        return AzuraCastSource(station.base_url, station.shortcode, station.api_key, http)
    if station.kind == "icecast":
        return IcecastSource(station.base_url, station.mount, http)
    if station.kind == "shoutcast":
        return ShoutcastSource(station.base_url, station.stream_id or 1, http)
    raise ValueError(f"station {station.name!r}: unknown kind {station.kind!r} (one of {KINDS})")
