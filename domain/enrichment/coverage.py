"""Coverage: how much of the library and of the collection the facts DJs sort by are known
for, in percent, from any source (tags, analysis, identification or enrichment)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.enrichment.items import ItemKind
from domain.models import CollectionFile, EnrichmentStatus, LibraryTrack

FACTS = ("isrc", "mbid", "bpm", "key", "label", "audio_features")


@dataclass(frozen=True, slots=True)
class Coverage:
    """One kind of item: how many there are, the percent having each fact (0 when there are
    none) and how many are in each enrichment status."""

    kind: ItemKind
    items: int
    percent: dict[str, float]  # FACTS → 0..100, one decimal
    statuses: dict[str, int]  # EnrichmentStatus value → items

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "items": self.items,
            "percent": self.percent,
            "statuses": self.statuses,
        }


def _library_facts() -> dict[str, ColumnElement[bool]]:
    track = LibraryTrack
    return {
        "isrc": or_(track.isrc.is_not(None), track.enriched_isrc.is_not(None)),
        "mbid": or_(track.musicbrainz_recording_id.is_not(None), track.enriched_mbid.is_not(None)),
        "bpm": or_(track.bpm.is_not(None), track.deezer_bpm.is_not(None)),
        "key": track.musical_key.is_not(None),
        "label": or_(track.label.is_not(None), track.enriched_label.is_not(None)),
        "audio_features": track.audio_features.is_not(None),
    }


def _collection_facts() -> dict[str, ColumnElement[bool]]:
    """A file's audio features: Spotify's, or its own analysis (key and BPM from the audio)."""
    file = CollectionFile
    return {
        "isrc": or_(file.isrc.is_not(None), file.enriched_isrc.is_not(None)),
        "mbid": file.enriched_mbid.is_not(None),
        "bpm": or_(file.bpm.is_not(None), file.tag_bpm.is_not(None), file.deezer_bpm.is_not(None)),
        "key": or_(file.musical_key.is_not(None), file.tag_key.is_not(None)),
        "label": or_(file.label.is_not(None), file.enriched_label.is_not(None)),
        "audio_features": or_(
            file.audio_features.is_not(None),
            (file.bpm.is_not(None) & file.musical_key.is_not(None)),
        ),
    }


async def coverage(session: AsyncSession) -> dict[ItemKind, Coverage]:
    """Per kind (library, collection; files marked missing left out) the percent of items
    having an ISRC, MBID, BPM, key, label and audio features, and the enrichment statuses."""
    found: dict[ItemKind, Coverage] = {}
    for kind, model, facts in (
        (ItemKind.LIBRARY, LibraryTrack, _library_facts()),
        (ItemKind.COLLECTION, CollectionFile, _collection_facts()),
    ):
        present = [CollectionFile.missing.is_(False)] if kind is ItemKind.COLLECTION else []
        counts = [func.count().filter(condition) for condition in facts.values()]
        row = (await session.execute(select(func.count(), *counts).where(*present))).one()
        items = int(row[0])
        percent = {
            name: round(100.0 * int(n) / items, 1) if items else 0.0
            for name, n in zip(facts, row[1:], strict=True)
        }
        by_status = await session.execute(
            select(model.enrichment_status, func.count())
            .where(*present)
            .group_by(model.enrichment_status)
        )
        statuses = {status.value: 0 for status in EnrichmentStatus}
        statuses |= {str(status): int(n) for status, n in by_status.all()}
        found[kind] = Coverage(kind, items, percent, statuses)
    return found
