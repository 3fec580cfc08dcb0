"""Library tracks and discoveries in the database: the recordings crateloop knows, and how each
tracklist row was identified as one of them.

Two rows never stand for the same recording: `upsert_track` finds an existing one by MusicBrainz
recording id, then ISRC, then the normalised artists + title_base + version (`dedupe_key`, unique
in the table). Recording a discovery is idempotent (Dramatiq may deliver a job twice) and keeps
each track's `discovery_count` equal to the number of distinct tracklists it was heard in.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Select, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from domain.db import Sessions
from domain.library.facts import (
    TrackFacts,
    Version,
    VersionKind,
    comparison_key,
    musicbrainz_id,
    normal_isrc,
)
from domain.library.purchase import PurchaseLink, purchase_links
from domain.models import (
    Discovery,
    DiscoveryMethod,
    DiscoveryState,
    LibraryTrack,
    Tracklist,
)
from domain.paging import Page, offset, page_within
from domain.validation import Conflict, InputError, Refusals

# The outside ids a track may carry; the first is also a column of its own (indexed, unique).
EXTERNAL_ID_KINDS = (
    "musicbrainz_recording",
    "musicbrainz_release",
    "discogs_release",
    "deezer",
    "spotify",
    "beatport",
    "bandcamp",
)


class TrackNotFound(LookupError):
    """No library track with that id; the message names it (the fronts show it as it is)."""

    def __init__(self, track_id: int) -> None:
        super().__init__(f"no library track with id {track_id}")


@dataclass(frozen=True, slots=True)
class ReleaseFacts:
    """What a database knows of a recording beyond its names (TrackFacts has label and ISRC)."""

    catalogue_number: str | None = None
    release_title: str | None = None
    release_date: date | None = None
    genre: str | None = None
    bpm: float | None = None
    musical_key: str | None = None


def dedupe_key(facts: TrackFacts) -> str:
    """The recording a row or a database names, as one string: primary artists (order-free),
    title_base and version (kind and remixers). Generic cuts (Original, Extended, Radio Mix) are
    one recording here; "Opus (Four Tet Remix)" is not "Opus"."""
    artists = sorted(comparison_key(name) for name in facts.primary) or [
        comparison_key(facts.artists)
    ]
    remixers = sorted(comparison_key(name) for name in facts.version.remixers)
    return "|".join(
        (
            " & ".join(artists),
            comparison_key(facts.title_base),
            facts.version.kind.value,
            " & ".join(remixers),
        )
    )


def candidate_ids(
    source: str, recording_id: str | None, release_id: str | None
) -> dict[str, str | None]:
    """The outside ids a database's candidate names: its MusicBrainz recording and release, or
    its Discogs release."""
    if source == DiscoveryMethod.MUSICBRAINZ.value:
        return {"musicbrainz_recording": recording_id, "musicbrainz_release": release_id}
    return {"discogs_release": release_id}


def _external_ids(ids: Mapping[str, str | None]) -> dict[str, str]:
    unknown = set(ids) - set(EXTERNAL_ID_KINDS)
    if unknown:
        raise ValueError(f"unknown external id kinds {sorted(unknown)}: use {EXTERNAL_ID_KINDS}")
    return {kind: str(value) for kind, value in ids.items() if value}


# --- writing tracks ----------------------------------------------------------------------------


async def upsert_track(
    sessions: Sessions,
    facts: TrackFacts,
    external_ids: Mapping[str, str | None] | None = None,
    release: ReleaseFacts = ReleaseFacts(),
) -> int:
    """The id of the library track `facts` names, made if it is new; what it did not know yet
    (ids, release facts) is filled in, what it knew is kept."""
    async with sessions.begin() as session:
        return await upsert_track_in(session, facts, external_ids or {}, release)


async def upsert_track_in(
    session: AsyncSession,
    facts: TrackFacts,
    external_ids: Mapping[str, str | None],
    release: ReleaseFacts = ReleaseFacts(),
) -> int:
    """`upsert_track` inside a transaction the caller holds."""
    ids = _external_ids(external_ids)
    isrc = normal_isrc(facts.isrc) if facts.isrc else None
    # Two jobs may add one new recording at once: the loser of the insert finds the winner's row.
    for _attempt in range(3):
        found = await _existing(session, ids.get("musicbrainz_recording"), isrc, dedupe_key(facts))
        if found is not None:
            await _fill_in(session, found, facts, ids, isrc, release)
            return found.id
        inserted: int | None = await session.scalar(
            insert(LibraryTrack)
            .values(_new_columns(facts, ids, isrc, release))
            .on_conflict_do_nothing()
            .returning(LibraryTrack.id)
        )
        if inserted is not None:
            return inserted
    raise RuntimeError(f"library track {dedupe_key(facts)!r} could not be written")


async def _existing(
    session: AsyncSession, musicbrainz: str | None, isrc: str | None, key: str
) -> LibraryTrack | None:
    """The track by MusicBrainz id, then ISRC, then dedupe key (locked for the caller)."""
    conditions = []
    if musicbrainz:
        conditions.append(LibraryTrack.musicbrainz_recording_id == musicbrainz)
    if isrc:
        conditions.append(LibraryTrack.isrc == isrc)
    conditions.append(LibraryTrack.dedupe_key == key)
    for condition in conditions:
        found = await session.scalar(
            select(LibraryTrack)
            .where(condition)
            .order_by(LibraryTrack.id)
            .limit(1)
            .with_for_update()
        )
        if found is not None:
            return found
    return None


def _new_columns(
    facts: TrackFacts, ids: dict[str, str], isrc: str | None, release: ReleaseFacts
) -> dict[str, Any]:
    return {
        "artists": facts.artists,
        "primary_artists": list(facts.primary),
        "featured_artists": list(facts.featured),
        "title": facts.title,
        "title_base": facts.title_base,
        "version_kind": facts.version.kind.value,
        "version_text": facts.version.text,
        "remixers": list(facts.version.remixers),
        "label": facts.label,
        "duration": facts.duration,
        "isrc": isrc,
        "external_ids": ids,
        "dedupe_key": dedupe_key(facts),
        "artists_key": comparison_key(facts.artists),
        "title_key": comparison_key(facts.title),
        **_release_columns(release),
    }


def _release_columns(release: ReleaseFacts) -> dict[str, Any]:
    return {
        "catalogue_number": release.catalogue_number,
        "release_title": release.release_title,
        "release_date": release.release_date,
        "genre": release.genre,
        "bpm": release.bpm,
        "musical_key": release.musical_key,
    }


async def _fill_in(
    session: AsyncSession,
    track: LibraryTrack,
    facts: TrackFacts,
    ids: dict[str, str],
    isrc: str | None,
    release: ReleaseFacts,
) -> None:
    known = {"label": facts.label, "duration": facts.duration, **_release_columns(release)}
    for name, value in known.items():
        if value is not None and getattr(track, name) is None:
            setattr(track, name, value)
    if isrc and track.isrc is None:
        track.isrc = isrc
    # Known ids win: the MusicBrainz id is unique, and a join by key must not take another's.
    merged = ids | track.external_ids
    musicbrainz = merged.get("musicbrainz_recording")
    if musicbrainz and await _musicbrainz_taken(session, musicbrainz, track.id):
        del merged["musicbrainz_recording"]
    if merged != track.external_ids:
        track.external_ids = merged
    track.updated_at = datetime.now(UTC)


async def _musicbrainz_taken(session: AsyncSession, musicbrainz: str, track_id: int) -> bool:
    other = await session.scalar(
        select(LibraryTrack.id).where(
            LibraryTrack.musicbrainz_recording_id == musicbrainz, LibraryTrack.id != track_id
        )
    )
    return other is not None


# --- writing discoveries ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DiscoveryRecord:
    """How one row of one tracklist version was identified."""

    tracklist_id: int
    version_id: int
    version_number: int
    row_index: int
    position: int | None
    row_text: str
    state: DiscoveryState
    cue_seconds: int | None = None
    confidence: float = 0.0
    method: DiscoveryMethod | None = None
    library_track_id: int | None = None
    differences: Mapping[str, object] = field(default_factory=dict)
    candidates: Sequence[Mapping[str, object]] = ()
    sources_asked: Sequence[str] = ()


def _check(record: DiscoveryRecord) -> None:
    if record.state is DiscoveryState.MATCHED and record.library_track_id is None:
        raise ValueError("a matched discovery needs its library track")
    if not 0 <= record.confidence <= 1:
        raise ValueError(f"confidence {record.confidence} is not between 0 and 1")


async def record_discovery(sessions: Sessions, record: DiscoveryRecord) -> int:
    """Write how a row was identified (again): one discovery per version row, its track's
    counts kept true. A person's decision (method manual) is only replaced by another one."""
    async with sessions.begin() as session:
        return await record_discovery_in(session, record)


async def record_discovery_in(session: AsyncSession, record: DiscoveryRecord) -> int:
    """`record_discovery` inside a transaction the caller holds."""
    _check(record)
    before = await session.scalar(
        select(Discovery.library_track_id)
        .where(Discovery.version_id == record.version_id, Discovery.row_index == record.row_index)
        .with_for_update()
    )
    touched = sorted({t for t in (before, record.library_track_id) if t is not None})
    # Locking the tracks first makes two jobs counting one track take turns, so neither counts
    # without the other's discovery.
    if touched:
        await session.execute(
            select(LibraryTrack.id).where(LibraryTrack.id.in_(touched)).with_for_update()
        )
    values = _discovery_columns(record)
    statement = insert(Discovery).values(values)
    kept = {"tracklist_id", "version_id", "row_index", "created_at"}
    upsert = statement.on_conflict_do_update(
        index_elements=["version_id", "row_index"],
        set_={
            **{name: statement.excluded[name] for name in values if name not in kept},
            "updated_at": func.now(),
        },
        where=(Discovery.method.is_distinct_from(DiscoveryMethod.MANUAL.value))
        | (statement.excluded.method == DiscoveryMethod.MANUAL.value),
    ).returning(Discovery.id)
    written: int | None = await session.scalar(upsert)
    for track_id in touched:
        await _recount(session, track_id)
    if written is None:  # a person's decision was kept
        written = await session.scalar(
            select(Discovery.id).where(
                Discovery.version_id == record.version_id, Discovery.row_index == record.row_index
            )
        )
    assert written is not None
    return written


def _discovery_columns(record: DiscoveryRecord) -> dict[str, Any]:
    return {
        "tracklist_id": record.tracklist_id,
        "version_id": record.version_id,
        "version_number": record.version_number,
        "row_index": record.row_index,
        "position": record.position,
        "cue_seconds": record.cue_seconds,
        "row_text": record.row_text,
        "state": record.state.value,
        "confidence": record.confidence,
        "method": record.method.value if record.method else None,
        "library_track_id": record.library_track_id,
        "differences": dict(record.differences),
        "candidates": [dict(candidate) for candidate in record.candidates],
        "sources_asked": list(record.sources_asked),
    }


async def _recount(session: AsyncSession, track_id: int) -> None:
    """A track's discovery figures, from its discoveries: distinct tracklists, first and last
    time heard (a track no row points at any more keeps its dates, with a count of 0)."""
    heard = select(
        func.count(Discovery.tracklist_id.distinct()),
        func.min(Discovery.created_at),
        func.max(Discovery.updated_at),
    ).where(Discovery.library_track_id == track_id)
    count, first, last = (await session.execute(heard)).one()
    values: dict[str, Any] = {"discovery_count": count}
    if first is not None:
        values |= {
            "first_discovered": func.least(LibraryTrack.first_discovered, first),
            "last_seen": func.greatest(LibraryTrack.last_seen, last),
        }
    await session.execute(update(LibraryTrack).where(LibraryTrack.id == track_id).values(values))


# --- reading -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Heard:
    """One mix a track was heard in."""

    tracklist_id: int
    tracklist_title: str
    version_number: int
    position: int | None
    cue_seconds: int | None


@dataclass(frozen=True, slots=True)
class TrackView:
    """A library track with every mix it was heard in, newest first."""

    track: LibraryTrack
    heard_in: tuple[Heard, ...]

    @property
    def facts(self) -> TrackFacts:
        return track_facts(self.track)

    @property
    def links(self) -> list[PurchaseLink]:
        """Where to buy it: shop searches built from its metadata (and its Discogs release)."""
        return purchase_links(self.facts, self.track.external_ids.get("discogs_release"))


def track_facts(track: LibraryTrack) -> TrackFacts:
    """A stored track as the TrackFacts the reader and the scorer use."""
    return TrackFacts(
        artists=track.artists,
        primary=tuple(track.primary_artists),
        featured=tuple(track.featured_artists),
        title=track.title,
        title_base=track.title_base,
        version=Version(VersionKind(track.version_kind), tuple(track.remixers), track.version_text),
        duration=track.duration,
        label=track.label,
        isrc=track.isrc,
    )


async def identify_by_hand(
    sessions: Sessions,
    track_id: int,
    *,
    musicbrainz_recording_id: str | None = None,
    discogs_release_id: int | None = None,
    isrc: str | None = None,
) -> TrackView:
    """A person says which recording a library track is: its MusicBrainz recording, its Discogs
    release, its ISRC. Unlike what identification learns, a person's word replaces what was
    known. InputError names a value that is none of these; Conflict when another track already
    is that MusicBrainz recording; TrackNotFound without the track."""
    refusals = Refusals()
    recording = code = None
    if musicbrainz_recording_id is not None:
        recording = refusals.check(
            musicbrainz_id, "musicbrainz_recording_id", musicbrainz_recording_id
        )
    if isrc is not None:
        code = refusals.check(_isrc_code, isrc)
    refusals.raise_any()
    ids = {"musicbrainz_recording": recording} if recording else {}
    if discogs_release_id is not None:
        ids["discogs_release"] = str(discogs_release_id)
    if not ids and code is None:
        raise InputError(
            "data", "give musicbrainz_recording_id, discogs_release_id or isrc (or several)"
        )
    async with sessions.begin() as session:
        track = await session.get(LibraryTrack, track_id, with_for_update=True)
        if track is None:
            raise TrackNotFound(track_id)
        if recording and await _musicbrainz_taken(session, recording, track_id):
            other = await session.scalar(
                select(LibraryTrack.id).where(LibraryTrack.musicbrainz_recording_id == recording)
            )
            raise Conflict(
                "musicbrainz_recording_id",
                f"library track {other} already is MusicBrainz recording {recording}",
            )
        if ids:
            track.external_ids = track.external_ids | ids
        if code is not None:
            track.isrc = code
        track.updated_at = datetime.now(UTC)
    return await get_track(sessions, track_id)


def _isrc_code(text: str) -> str:
    code = normal_isrc(text)
    if code is None:
        raise InputError("isrc", f"{text[:40]!r} is no ISRC (12 characters, e.g. GBEWA0800001)")
    return code


async def get_track(sessions: Sessions, track_id: int) -> TrackView:
    """A track and the mixes it was heard in; TrackNotFound when there is none."""
    async with sessions() as session:
        track = await session.get(LibraryTrack, track_id)
        if track is None:
            raise TrackNotFound(track_id)
        rows = await session.execute(
            select(
                Discovery.tracklist_id,
                Tracklist.title,
                Discovery.version_number,
                Discovery.position,
                Discovery.cue_seconds,
            )
            .join(Tracklist, Tracklist.id == Discovery.tracklist_id)
            .where(Discovery.library_track_id == track_id)
            .order_by(Discovery.version_id.desc(), Discovery.row_index)
        )
        return TrackView(track, tuple(Heard(*row) for row in rows))


class TrackSort(enum.StrEnum):
    MOST_SUPPORTED = "discovered"  # times discovered: in the most mixes first
    LAST_SEEN = "last_seen"
    TITLE = "title"


@dataclass(frozen=True, slots=True)
class TrackFilter:
    """The library's filters; None or empty: not filtered."""

    artist: str | None = None  # part of the displayed artists, compared by comparison_key
    title: str | None = None
    genre: str | None = None  # the whole genre, case-insensitive
    label: str | None = None  # the whole label, case-insensitive
    discovered_after: date | None = None  # first discovered on or after this day (UTC)
    min_mixes: int | None = None  # heard in at least this many tracklists
    text: str | None = None  # part of the artists or of the title (the CLI's search)

    def apply(self, query: Select[Any]) -> Select[Any]:
        for column, text in (
            (LibraryTrack.artists_key, self.artist),
            (LibraryTrack.title_key, self.title),
        ):
            key = comparison_key(text or "")
            if key:
                query = query.where(column.contains(key, autoescape=True))
        if key := comparison_key(self.text or ""):
            query = query.where(
                or_(
                    LibraryTrack.artists_key.contains(key, autoescape=True),
                    LibraryTrack.title_key.contains(key, autoescape=True),
                )
            )
        for named, name in ((LibraryTrack.genre, self.genre), (LibraryTrack.label, self.label)):
            if name and name.strip():
                query = query.where(func.lower(named) == name.strip().lower())
        if self.discovered_after is not None:
            query = query.where(
                LibraryTrack.first_discovered
                >= datetime.combine(self.discovered_after, datetime.min.time(), tzinfo=UTC)
            )
        if self.min_mixes:
            query = query.where(LibraryTrack.discovery_count >= self.min_mixes)
        return query


_ORDER: dict[TrackSort, tuple[Any, ...]] = {
    TrackSort.MOST_SUPPORTED: (LibraryTrack.discovery_count.desc(), LibraryTrack.id),
    TrackSort.LAST_SEEN: (LibraryTrack.last_seen.desc(), LibraryTrack.id),
    TrackSort.TITLE: (LibraryTrack.title_key, LibraryTrack.id),
}


async def list_tracks(
    sessions: Sessions,
    where: TrackFilter = TrackFilter(),
    sort: TrackSort = TrackSort.MOST_SUPPORTED,
    page: int = 1,
    per_page: int = 50,
) -> Page[LibraryTrack]:
    """One page of library tracks, filtered and sorted (a page past the end: the last one)."""
    async with sessions() as session:
        total = await session.scalar(where.apply(select(func.count()).select_from(LibraryTrack)))
        total = total or 0
        page = page_within(page, total, per_page)
        listing = (
            where.apply(select(LibraryTrack))
            .order_by(*_ORDER[sort])
            .limit(per_page)
            .offset(offset(page, per_page))
        )
        tracks = list((await session.scalars(listing)).all())
    return Page(tracks, total, page, per_page)
