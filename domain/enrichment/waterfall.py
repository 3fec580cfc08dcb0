"""One item through the music databases, in order, each step skipped when its answer is known:
MusicBrainz by identifier (ISRC → recording, MBID lookup), MusicBrainz text search, Deezer by
ISRC, Discogs, Last.fm, Spotify (only when configured), and the local analysis.

One API failing (its breaker open, a 503 storm, an error page) never stops the others: its
error is named, the item ends `partial` and is tried again later (domain/enrichment/pick.py). A
source that answered, found or not, is in `sources_enriched` and is not asked again; a
redelivered message finds everything known and adds nothing.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from domain import metrics
from domain.db import Sessions
from domain.enrichment.clients import Clients
from domain.enrichment.items import ItemKind, ItemRef, Known, claim, finish
from domain.library.candidates import Candidate
from domain.library.facts import comparison_key, normal_isrc
from domain.library.lookups import LookupFailed, objects, text_of
from domain.library.musicbrainz import candidate_of
from domain.library.reading import read_row
from domain.library.scoring import MatchState, decide
from domain.models import CollectionFile, EnrichmentStatus, LibraryTrack

log = logging.getLogger(__name__)

MUSICBRAINZ = "musicbrainz"
DEEZER = "deezer"
DISCOGS = "discogs"
LASTFM = "lastfm"
SPOTIFY = "spotify"
ANALYSIS = "analysis"
SOURCES = (MUSICBRAINZ, DEEZER, DISCOGS, LASTFM, SPOTIFY, ANALYSIS)
NAMES = {
    MUSICBRAINZ: "MusicBrainz",
    DEEZER: "Deezer",
    DISCOGS: "Discogs",
    LASTFM: "Last.fm",
    SPOTIFY: "Spotify",
    ANALYSIS: "Analysis",
}
SEARCH_SIZE = 10
MAX_GENRES = 10


@dataclass
class Run:
    """One item's pass: what it knows (updated as steps find things) and what they found."""

    ref: ItemRef
    known: Known
    found: dict[str, Any] = field(default_factory=dict)
    answered: set[str] = field(default_factory=set)
    errors: dict[str, str] = field(default_factory=dict)

    def done(self, source: str) -> bool:
        return source in self.known.sources or source in self.answered

    def fill(self, column: str, value: Any, known_attribute: str | None = None) -> None:
        """Keep `value` for `column` unless it is empty or the item knows it already."""
        if value is None or value in ((), []):
            return
        if known_attribute is not None:
            if getattr(self.known, known_attribute) not in (None, [], ""):
                return
            setattr(self.known, known_attribute, list(value) if isinstance(value, tuple) else value)
        self.found.setdefault(column, list(value) if isinstance(value, tuple) else value)


@dataclass(frozen=True, slots=True)
class Outcome:
    ref: ItemRef
    status: EnrichmentStatus | None  # None: skipped (gone, or another worker is on it)
    found: tuple[str, ...] = ()  # the columns filled
    errors: tuple[str, ...] = ()


Step = Callable[[Clients, Run], Awaitable[None]]


async def enrich_item(sessions: Sessions, clients: Clients, ref: ItemRef) -> Outcome:
    """Run the waterfall for one item and store what it found; see the module's docstring."""
    started = time.monotonic()
    known = await claim(sessions, ref)
    if known is None:
        metrics.enrichment_task("skipped")
        return Outcome(ref, None)
    run = Run(ref, known)
    for source, step in STEPS:
        try:
            await step(clients, run)
        except LookupFailed as failed:
            run.errors[source] = str(failed)
        except Exception as error:  # a source's surprise never stops the others
            log.exception("enrichment of %s: %s failed unexpectedly", ref, source)
            run.errors[source] = f"{NAMES[source]}: {error or type(error).__name__}"[:500]
    if ref.kind is ItemKind.LIBRARY:
        await _analysed_file(sessions, run)
    elif run.known.analysed:
        run.answered.add(ANALYSIS)
    status = await finish(sessions, ref, run.found, run.answered, run.errors)
    metrics.enrichment_task(status.value)
    if run.found:
        metrics.track_enriched(ref.kind.value, time.monotonic() - started)
    if run.errors:
        log.info("enrichment of %s: %s (%s)", ref, status.value, "; ".join(run.errors.values()))
    return Outcome(ref, status, tuple(sorted(run.found)), tuple(run.errors.values()))


# --- MusicBrainz ------------------------------------------------------------------------------


async def musicbrainz(clients: Clients, run: Run) -> None:
    """By MBID, else by ISRC, else a text search whose best match is strong (the library's
    scorer and rules); then the recording's lookup for its labels, genres and tags."""
    known = run.known
    if run.done(MUSICBRAINZ) or _musicbrainz_known(known):
        return
    client = clients.musicbrainz
    mbid = known.mbid
    if mbid is None and known.isrc:
        found = await client.by_isrc(known.isrc)
        mbid = found[0].recording_id if found else None
    if mbid is None:
        mbid = await _search(clients, known)
    if mbid is not None:
        data = await client.recording_data(mbid)
        if data:
            _musicbrainz_facts(run, candidate_of(data), data)
    run.answered.add(MUSICBRAINZ)


def _musicbrainz_known(known: Known) -> bool:
    return all(
        (known.mbid, known.isrc, known.label, known.catalogue_number, known.release_date)
    ) and bool(known.genres)


async def _search(clients: Clients, known: Known) -> str | None:
    row = read_row(known.artist or None, known.title or None, duration=known.duration)
    if row is None or not known.title.strip():
        return None
    candidates = await clients.musicbrainz.search_recordings(
        known.artist, known.title, limit=SEARCH_SIZE
    )
    decision = decide(row, [candidate.facts for candidate in candidates])
    if decision.state is not MatchState.MATCHED or decision.best is None:
        return None
    return candidates[decision.best].recording_id


def _musicbrainz_facts(run: Run, candidate: Candidate, data: dict[str, Any]) -> None:
    run.fill("enriched_mbid", candidate.recording_id, "mbid")
    isrc = normal_isrc(candidate.facts.isrc or "")
    run.fill("enriched_isrc", isrc, "isrc")
    run.fill("enriched_label", candidate.facts.label, "label")
    run.fill("enriched_catalogue_number", candidate.catalogue_number, "catalogue_number")
    run.fill("enriched_release_date", candidate.release_date, "release_date")
    countries = [text_of(r.get("country")) for r in objects(data.get("releases"))]
    run.fill("enriched_country", next((c for c in countries if c), None), "country")
    run.fill("enriched_genres", _names(data.get("genres")) or _names(data.get("tags")), "genres")


def _names(values: object) -> tuple[str, ...]:
    """MusicBrainz genres or tags, most voted first."""
    found = sorted(objects(values), key=lambda v: -(v.get("count") or 0))
    names = (text_of(value.get("name")) for value in found)
    return tuple(dict.fromkeys(name for name in names if name))[:MAX_GENRES]


# --- Deezer, Discogs, Last.fm, Spotify --------------------------------------------------------


async def deezer(clients: Clients, run: Run) -> None:
    """By ISRC (known, or found by MusicBrainz): BPM, gain, release date, then the album's label
    and genres."""
    known = run.known
    if run.done(DEEZER) or not known.isrc or known.deezer_id is not None:
        return
    track = await clients.deezer.by_isrc(known.isrc)
    if track is not None:
        run.fill("deezer_id", track.id, "deezer_id")
        run.fill("deezer_bpm", track.bpm)
        run.fill("deezer_gain", track.gain)
        run.fill("enriched_release_date", track.release_date, "release_date")
        if track.album_id is not None and (not known.label or not known.genres):
            album = await clients.deezer.album(track.album_id)
            if album is not None:
                run.fill("enriched_label", album.label, "label")
                run.fill("enriched_genres", album.genres, "genres")
    run.answered.add(DEEZER)


async def discogs(clients: Clients, run: Run) -> None:
    """The first release a search finds: label, catalogue number, date, country, styles."""
    known = run.known
    facts = (known.label, known.catalogue_number, known.release_date, known.country)
    if run.done(DISCOGS) or not clients.discogs.enabled or not known.title.strip():
        return
    if all(facts) and known.styles:
        return
    hits = await clients.discogs.search(known.artist, known.title)
    release = await clients.discogs.release(hits[0].id) if hits else None
    if release is not None:
        run.fill("discogs_release_id", release.id)
        run.fill("enriched_label", release.label, "label")
        run.fill("enriched_catalogue_number", release.catalogue_number, "catalogue_number")
        run.fill("enriched_release_date", release.released, "release_date")
        run.fill("enriched_country", release.country, "country")
        run.fill("enriched_styles", release.styles, "styles")
    run.answered.add(DISCOGS)


async def lastfm(clients: Clients, run: Run) -> None:
    """Tags, playcount and listeners."""
    known = run.known
    if run.done(LASTFM) or not clients.lastfm.enabled or not known.title.strip():
        return
    if known.lastfm_tags and known.lastfm_playcount is not None:
        return
    track = await clients.lastfm.track_info(known.artist, known.title)
    if track is not None:
        run.fill("lastfm_tags", track.tags, "lastfm_tags")
        run.fill("lastfm_playcount", track.playcount, "lastfm_playcount")
        run.fill("lastfm_listeners", track.listeners)
    run.answered.add(LASTFM)


async def spotify(clients: Clients, run: Run) -> None:
    """The track a search finds with the same ISRC, or else the same title and artist; its
    audio features while Spotify grants them. Neither ISRC nor popularity is assumed."""
    known = run.known
    client = clients.spotify
    if run.done(SPOTIFY) or not client.enabled or known.spotify_id or not known.title.strip():
        return
    tracks = await client.search(known.artist, known.title)
    title, artist = comparison_key(known.title), comparison_key(known.artist)
    same_isrc = [t for t in tracks if known.isrc and t.isrc and normal_isrc(t.isrc) == known.isrc]
    same_name = [
        t
        for t in tracks
        if comparison_key(t.name) == title
        and (not artist or any(comparison_key(a) in artist for a in t.artists))
    ]
    chosen = next(iter(same_isrc or same_name), None)
    if chosen is not None:
        run.fill("spotify_id", chosen.id, "spotify_id")
        run.fill("enriched_isrc", normal_isrc(chosen.isrc or ""), "isrc")
        run.fill("audio_features", await client.audio_features(chosen.id))
    run.answered.add(SPOTIFY)


STEPS: tuple[tuple[str, Step], ...] = (
    (MUSICBRAINZ, musicbrainz),
    (DEEZER, deezer),
    (DISCOGS, discogs),
    (LASTFM, lastfm),
    (SPOTIFY, spotify),
)


# --- local analysis ---------------------------------------------------------------------------


async def _analysed_file(sessions: Sessions, run: Run) -> None:
    """A library track takes key and BPM from a linked collection file's analysis, where it has
    none (the collection file keeps its own; nothing is analysed here)."""
    async with sessions() as session:
        track = await session.get(LibraryTrack, run.ref.id)
        analysed = await session.execute(
            select(CollectionFile.bpm, CollectionFile.musical_key)
            .where(
                CollectionFile.library_track_id == run.ref.id,
                CollectionFile.bpm.is_not(None),
                CollectionFile.musical_key.is_not(None),
            )
            .order_by(CollectionFile.analysed_at.desc())
            .limit(1)
        )
        first = analysed.first()
    if track is None or first is None:
        return
    bpm, key = first
    run.fill("bpm", float(bpm) if bpm is not None else None)
    run.fill("musical_key", key)
    run.answered.add(ANALYSIS)
