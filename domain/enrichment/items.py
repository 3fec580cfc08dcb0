"""The items enrichment works on, library tracks and collection files, and their rows: what an
item already knows, claiming it, and writing what was found.

Both tables carry the same enrichment columns (domain/models.py `Enriched`). What the music
databases said goes to those columns only, and only where nothing is known yet, so a redelivered
job finds its answers known and adds nothing twice; the local analysis step alone fills a
library track's own `bpm` and `musical_key` (from its analysed collection file) where empty.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import or_, select, update

from domain.db import Sessions
from domain.library.facts import normal_isrc
from domain.models import CollectionFile, EnrichmentStatus, LibraryTrack
from domain.validation import InputError

# An item `in_progress` for longer than this was left by a worker that died: it may be taken.
CLAIM_SECONDS = 15 * 60


class ItemKind(StrEnum):
    LIBRARY = "library"
    COLLECTION = "collection"


MODELS: dict[ItemKind, type[LibraryTrack] | type[CollectionFile]] = {
    ItemKind.LIBRARY: LibraryTrack,
    ItemKind.COLLECTION: CollectionFile,
}


@dataclass(frozen=True, slots=True, order=True)
class ItemRef:
    """One item: `library:12` or `collection:7` as text (messages, API, CLI)."""

    kind: ItemKind
    id: int

    def __str__(self) -> str:
        return f"{self.kind.value}:{self.id}"

    @classmethod
    def parse(cls, text: str) -> ItemRef:
        """`library:<id>` or `collection:<id>`; InputError("item") for anything else."""
        kind, _, number = str(text).strip().partition(":")
        if kind not in ItemKind.__members__.values() or not number.isdigit() or int(number) < 1:
            raise InputError(
                "item", f"{str(text)[:40]!r} is no item: write library:<id> or collection:<id>"
            )
        return cls(ItemKind(kind), int(number))


@dataclass
class Known:
    """What an item knows before the waterfall, from any source (tags, identification…)."""

    artist: str
    title: str
    duration: float | None
    isrc: str | None
    mbid: str | None
    label: str | None
    catalogue_number: str | None
    release_date: str | None
    country: str | None
    genres: list[str]
    styles: list[str]
    lastfm_tags: list[str]
    lastfm_playcount: int | None
    deezer_id: int | None
    spotify_id: str | None
    analysed: bool  # a collection file with its key and BPM from the audio
    sources: set[str] = field(default_factory=set)


def known_of(row: LibraryTrack | CollectionFile) -> Known:
    """What this row knows: its own columns first, then what enrichment found before."""
    if isinstance(row, LibraryTrack):
        artist, title = row.artists, row.title
        mbid = row.external_ids.get("musicbrainz_recording") or row.enriched_mbid
        release = str(row.release_date) if row.release_date else row.enriched_release_date
        genres = row.enriched_genres or ([row.genre] if row.genre else [])
        analysed = False
    else:
        artist, title = row.artist or "", row.title or ""
        mbid = row.enriched_mbid
        release = row.enriched_release_date or (str(row.year) if row.year else None)
        genres = row.enriched_genres
        analysed = row.bpm is not None and row.camelot is not None
    return Known(
        artist=artist,
        title=title,
        duration=row.duration,
        isrc=normal_isrc(row.isrc or "") or row.enriched_isrc,
        mbid=mbid,
        label=row.label or row.enriched_label,
        catalogue_number=row.catalogue_number or row.enriched_catalogue_number,
        release_date=release,
        country=row.enriched_country,
        genres=list(genres),
        styles=list(row.enriched_styles),
        lastfm_tags=list(row.lastfm_tags),
        lastfm_playcount=row.lastfm_playcount,
        deezer_id=row.deezer_id,
        spotify_id=row.spotify_id,
        analysed=analysed,
        sources=set(row.sources_enriched),
    )


async def claim(sessions: Sessions, ref: ItemRef) -> Known | None:
    """Mark the item `in_progress` and read what it knows; None when it is gone or another
    worker is on it right now."""
    model = MODELS[ref.kind]
    now = datetime.now(UTC)
    stale = now - timedelta(seconds=CLAIM_SECONDS)
    async with sessions.begin() as session:
        taken = await session.execute(
            update(model)
            .where(
                model.id == ref.id,
                or_(
                    model.enrichment_status != EnrichmentStatus.IN_PROGRESS,
                    model.last_attempt.is_(None),
                    model.last_attempt < stale,
                ),
            )
            .values(enrichment_status=EnrichmentStatus.IN_PROGRESS, last_attempt=now)
            .returning(model.id)
        )
        if taken.scalar() is None:
            return None
        row: LibraryTrack | CollectionFile | None = await session.scalar(
            select(model).where(model.id == ref.id)
        )
        assert row is not None
        return known_of(row)


async def finish(
    sessions: Sessions,
    ref: ItemRef,
    found: dict[str, Any],
    answered: set[str],
    errors: dict[str, str],
) -> EnrichmentStatus:
    """Write what was found (only into empty columns), the sources that answered and the
    status: completed with no error, partial when some source failed and something is known,
    failed when nothing answered. Failures count towards the retries."""
    model = MODELS[ref.kind]
    async with sessions.begin() as session:
        row: LibraryTrack | CollectionFile | None = await session.scalar(
            select(model).where(model.id == ref.id).with_for_update()
        )
        if row is None:
            return EnrichmentStatus.FAILED
        for column, value in found.items():
            if _empty(getattr(row, column)):
                setattr(row, column, value)
        sources = set(row.sources_enriched) | answered
        row.sources_enriched = sorted(sources)
        if not errors:
            status = EnrichmentStatus.COMPLETED
        elif sources:
            status = EnrichmentStatus.PARTIAL
        else:
            status = EnrichmentStatus.FAILED
        row.enrichment_status = status
        row.enrichment_retry_count = 0 if not errors else row.enrichment_retry_count + 1
        row.enrichment_error = "; ".join(errors.values())[:2000] or None
        row.last_attempt = datetime.now(UTC)
    return status


def _empty(value: object) -> bool:
    return value is None or value == [] or value == {} or value == ""
