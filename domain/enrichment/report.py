"""One item's enrichment as its page shows it: where it stands (status, the sources that
answered, the last attempt, the error) and each fact the databases looked up, beside what the
item's own tags, analysis or identification say (provenance stays visible, issue 12 §4)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from domain.db import Sessions
from domain.enrichment.items import MODELS, ItemRef
from domain.enrichment.waterfall import NAMES
from domain.models import CollectionFile, LibraryTrack

# Audio features shown on a page (Spotify's names), when Spotify granted them.
FEATURES = ("danceability", "energy", "valence", "tempo", "loudness")


@dataclass(frozen=True, slots=True)
class Fact:
    """One fact: what the item itself says (`own`, "" when nothing) and what was looked up."""

    name: str
    own: str
    found: str


@dataclass(frozen=True, slots=True)
class EnrichmentReport:
    ref: ItemRef
    status: str
    sources: tuple[str, ...]  # the APIs' display names, in the order they answered
    last_attempt: datetime | None
    retry_count: int
    error: str | None
    facts: tuple[Fact, ...]  # only those with a looked-up value

    def to_json(self) -> dict[str, Any]:
        return {
            "item": str(self.ref),
            "status": self.status,
            "sources": list(self.sources),
            "last_attempt": self.last_attempt.isoformat() if self.last_attempt else None,
            "retry_count": self.retry_count,
            "error": self.error,
            "facts": [{"name": f.name, "own": f.own, "found": f.found} for f in self.facts],
        }


async def enrichment_report(sessions: Sessions, ref: ItemRef) -> EnrichmentReport | None:
    """The item's enrichment, or None when there is no such item."""
    model = MODELS[ref.kind]
    async with sessions() as session:
        row: LibraryTrack | CollectionFile | None = await session.scalar(
            select(model).where(model.id == ref.id)
        )
    if row is None:
        return None
    facts = [fact for fact in _facts(row) if fact.found]
    return EnrichmentReport(
        ref=ref,
        status=str(row.enrichment_status),
        sources=tuple(NAMES.get(source, source) for source in row.sources_enriched),
        last_attempt=row.last_attempt,
        retry_count=row.enrichment_retry_count,
        error=row.enrichment_error,
        facts=tuple(facts),
    )


def _facts(row: LibraryTrack | CollectionFile) -> list[Fact]:
    if isinstance(row, LibraryTrack):
        own_year = row.release_date.isoformat() if row.release_date else ""
        own_bpm = _text(row.bpm)
        own_mbid = row.musicbrainz_recording_id
    else:
        own_year = _text(row.year)
        own_bpm = _text(row.bpm if row.bpm is not None else row.tag_bpm)
        own_mbid = None
    features = row.audio_features or {}
    return [
        Fact("ISRC", _text(row.isrc), _text(row.enriched_isrc)),
        Fact("MusicBrainz recording", _text(own_mbid), _text(row.enriched_mbid)),
        Fact("Label", _text(row.label), _text(row.enriched_label)),
        Fact("Catalogue number", _text(row.catalogue_number), _text(row.enriched_catalogue_number)),
        Fact("Released", own_year, _text(row.enriched_release_date)),
        Fact("Country", "", _text(row.enriched_country)),
        Fact("Genres", _text(row.genre), ", ".join(row.enriched_genres)),
        Fact("Styles", "", ", ".join(row.enriched_styles)),
        Fact("BPM (Deezer)", own_bpm, _text(row.deezer_bpm)),
        Fact("Gain (Deezer)", "", _text(row.deezer_gain and f"{row.deezer_gain:g} dB")),
        Fact("Last.fm tags", "", ", ".join(row.lastfm_tags)),
        Fact("Last.fm listeners", "", _count(row.lastfm_listeners)),
        Fact("Last.fm playcount", "", _count(row.lastfm_playcount)),
        Fact("Discogs release", "", _text(row.discogs_release_id)),
        Fact("Deezer track", "", _text(row.deezer_id)),
        Fact("Spotify track", "", _text(row.spotify_id)),
        Fact(
            "Audio features (Spotify)",
            "",
            ", ".join(
                f"{name} {features[name]:g}"
                for name in FEATURES
                if isinstance(features.get(name), int | float)
            ),
        ),
    ]


def _text(value: object) -> str:
    return "" if value is None else str(value)


def _count(value: int | None) -> str:
    return "" if value is None else f"{value:,}"
