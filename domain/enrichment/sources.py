"""The Sources page's facts, per outside API: configured or not, its breaker's state, the calls
every process made and the answer cache's hit rate (counted in Redis: domain/outbound/tally.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from domain import channels
from domain.enrichment.policy import breaker_of
from domain.enrichment.waterfall import NAMES
from domain.outbound.breaker import BreakerStatus
from domain.outbound.tally import Counts, read_counts
from domain.resources import Resources

# The APIs in the waterfall's order.
APIS = ("musicbrainz", "deezer", "discogs", "lastfm", "spotify")
# The settings that turn an API on ("" for those asked without any).
SETTINGS = {
    "musicbrainz": "",
    "deezer": "",
    "discogs": "DISCOGS_TOKEN",
    "lastfm": "LASTFM_API_KEY",
    "spotify": "SPOTIFY_CLIENT_ID and SPOTIFY_CLIENT_SECRET",
}


@dataclass(frozen=True, slots=True)
class SourceStatus:
    source: str  # "musicbrainz"…
    name: str  # "MusicBrainz"…
    configured: bool  # asked at all (Discogs, Last.fm and Spotify need credentials)
    breaker: BreakerStatus
    counts: Counts
    note: str = ""  # e.g. "audio features refused (403): not asked"

    @property
    def setting(self) -> str:
        """The settings that turn this API on ("" when it needs none)."""
        return SETTINGS[self.source]

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "name": self.name,
            "configured": self.configured,
            "setting": self.setting,
            "breaker": {
                "state": self.breaker.state.value,
                "open_until": self.breaker.open_until.isoformat()
                if self.breaker.open_until
                else None,
                "failures": self.breaker.failures,
            },
            "calls": self.counts.calls,
            "errors": self.counts.errors,
            "cache_hits": self.counts.cache_hits,
            "cache_misses": self.counts.cache_misses,
            "cache_hit_rate": self.counts.cache_hit_rate,
            "note": self.note,
        }


async def sources_status(resources: Resources) -> list[SourceStatus]:
    """Every enrichment API as the Sources page shows it, in the waterfall's order."""
    settings, redis = resources.settings, resources.redis
    databases = settings.music_databases
    configured = {
        "musicbrainz": True,
        "deezer": True,
        "discogs": bool(databases.discogs_token),
        "lastfm": bool(databases.lastfm_api_key),
        "spotify": databases.spotify_configured,
    }
    tally = channels.api_tally(settings)
    off = await redis.exists(channels.music_api(settings, "spotify", "audio-features-off"))
    statuses = []
    for source in APIS:
        name = NAMES[source]
        breaker = breaker_of(settings, redis, source, 0)  # the window only matters when opening
        note = "audio features refused (403): not asked" if source == "spotify" and off else ""
        statuses.append(
            SourceStatus(
                source=source,
                name=name,
                configured=configured[source],
                breaker=await breaker.status(),
                counts=await read_counts(redis, tally, source),
                note=note,
            )
        )
    return statuses
