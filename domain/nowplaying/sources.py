"""The right source reader for a station's configuration."""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx

from domain.nowplaying.azuracast import AzuraCastSource
from domain.nowplaying.icecast import IcecastSource
from domain.nowplaying.shoutcast import ShoutcastSource

if TYPE_CHECKING:
    from domain.stations.store import StationConfig

Source = AzuraCastSource | IcecastSource | ShoutcastSource
KINDS = ("azuracast", "icecast", "shoutcast")


def source_for(station: StationConfig, http: httpx.AsyncClient) -> Source:
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
