"""The library as scripts read it (`crateloop library list --json`): one flat object per track."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from domain.db import Sessions
from domain.library.store import TrackFilter, TrackSort, list_tracks
from domain.models import LibraryTrack

MAX_LISTED = 10_000


@dataclass(frozen=True, slots=True)
class ListedTrack:
    id: int
    artist: str
    title: str
    version: str | None  # as written ("Truncate Remix"); None for the original without a name
    label: str | None
    musicbrainz_recording_id: str | None
    isrc: str | None
    discovery_count: int

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


async def list_library(
    sessions: Sessions, query: str = "", *, limit: int = MAX_LISTED
) -> list[ListedTrack]:
    """Library tracks whose artists or title hold `query` (compared by comparison_key), the
    most discovered first; every track when `query` is empty."""
    size = max(1, min(limit, MAX_LISTED))
    found = await list_tracks(sessions, TrackFilter(text=query), TrackSort.MOST_SUPPORTED, 1, size)
    return [_listed(track) for track in found.items]


def _listed(track: LibraryTrack) -> ListedTrack:
    return ListedTrack(
        id=track.id,
        artist=track.artists,
        title=track.title,
        version=track.version_text
        or (None if track.version_kind == "original" else track.version_kind),
        label=track.label,
        musicbrainz_recording_id=track.musicbrainz_recording_id,
        isrc=track.isrc,
        discovery_count=track.discovery_count,
    )
