"""Reading what a station plays now: AzuraCast (REST, push feed, webhook), Icecast, SHOUTcast."""

from domain.nowplaying.azuracast import AzuraCastSource, parse_azuracast
from domain.nowplaying.icecast import IcecastSource, parse_icecast
from domain.nowplaying.model import NowPlaying, SourceError, Track
from domain.nowplaying.shoutcast import ShoutcastSource, parse_shoutcast
from domain.nowplaying.sources import Source, source_for

__all__ = [
    "AzuraCastSource",
    "IcecastSource",
    "NowPlaying",
    "ShoutcastSource",
    "Source",
    "SourceError",
    "Track",
    "parse_azuracast",
    "parse_icecast",
    "parse_shoutcast",
    "source_for",
]
