"""The library as scripts read it (`crateloop library list --json`): one flat object per track."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select

from domain.db import Sessions
from domain.library.facts import comparison_key
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
        return {
            "id": self.id,
            "artist": self.artist,
            "title": self.title,
            "version": self.version,
            "label": self.label,
            "musicbrainz_recording_id": self.musicbrainz_recording_id,
            "isrc": self.isrc,
            "discovery_count": self.discovery_count,
        }


async def list_library(
    sessions: Sessions, query: str = "", *, limit: int = MAX_LISTED
) -> list[ListedTrack]:
    """Library tracks whose artists or title hold `query` (compared by comparison_key), the
    most discovered first; every track when `query` is empty."""
    statement = select(LibraryTrack).order_by(LibraryTrack.discovery_count.desc(), LibraryTrack.id)
    key = comparison_key(query)
    if key:
        statement = statement.where(
            or_(
                LibraryTrack.artists_key.contains(key, autoescape=True),
                LibraryTrack.title_key.contains(key, autoescape=True),
            )
        )
    async with sessions() as session:
        tracks = await session.scalars(statement.limit(max(1, min(limit, MAX_LISTED))))
        return [_listed(track) for track in tracks]


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
