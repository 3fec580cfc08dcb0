"""Identifying a tracklist's rows as library tracks: the pipeline the worker runs.

For each row that is a track of its own ("w/" rows and mashup parts never are), in page order:
1. `read_row` reads it; an "ID" row is recorded as `id` and never searched.
2. Candidates come from the library (the exact dedupe key, then a simple SQL prefilter on the
   stored keys re-ranked with RapidFuzz: no pg_trgm or unaccent needed), then MusicBrainz, then
   Discogs when DISCOGS_TOKEN is set. An outside service is only asked when the library has no
   auto-accepted match. Every candidate title is read again with `read_row`, so versions compare.
3. `decide` (scoring.py): a matched row creates or joins a library track; every row gets its
   discovery, with the candidates and each field's reasons kept for the review queue.

Re-identifying updates the discoveries (store.record_discovery), so a job delivered twice does
no harm. An outside service that fails (breaker open, rate limit, bad answer) or a row that takes
over `ROW_SECONDS` leaves the row `unmatched`: the job completes, and the worker queues those
rows again for when the service may be asked (`Outcome.retry_rows`, `Outcome.retry_at`).

A job identifies at most `CHUNK_ROWS` rows per worker message; `start_identify` splits longer
lists. Progress lives in Redis (the job's hash and row sets, so chunks run in parallel and a
redelivery counts nothing twice) and every change is published on `channels.library_identify`.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import redis.asyncio as aioredis
from rapidfuzz import fuzz, process
from redis.exceptions import RedisError
from sqlalchemy import Integer, cast, func, literal, or_, select

from domain import channels
from domain.config import Settings
from domain.db import Sessions
from domain.library.candidates import Candidate
from domain.library.discogs import DiscogsClient, DiscogsTokenRefused
from domain.library.facts import TrackFacts, comparison_key
from domain.library.lookups import LookupFailed
from domain.library.musicbrainz import MusicBrainzClient
from domain.library.reading import read_row
from domain.library.review import DiscoveryNotFound
from domain.library.scoring import Decision, MatchState, Ranked, decide
from domain.library.store import (
    DiscoveryRecord,
    ReleaseFacts,
    candidate_ids,
    dedupe_key,
    record_discovery,
    track_facts,
    upsert_track,
)
from domain.models import (
    Discovery,
    DiscoveryMethod,
    DiscoveryState,
    LibraryTrack,
    Tracklist,
    TracklistVersion,
)
from domain.resources import Resources
from domain.tracklists.content import TrackRow, version_content
from domain.tracklists.model import ParsedTrack, is_main_track
from domain.tracklists.store import TracklistNotFound
from domain.validation import InputError, url_parameter

log = logging.getLogger(__name__)

CHUNK_ROWS = 100  # rows per worker message: a redelivered message redoes little
ROW_SECONDS = 30.0  # one row's identification at most; then unmatched, tried again later
RETRY_SECONDS = 60.0  # when a failure names no time to try again
MAX_ATTEMPTS = 10  # passes over rows an outside service keeps failing; then left unmatched
PROGRESS_TTL = 7 * 24 * 3600
LIBRARY_PREFILTER = 200  # tracks the SQL prefilter hands RapidFuzz
LIBRARY_CANDIDATES = 5
_WORD = re.compile(r"[^\W_]+")  # a word of a comparison key, for the library's tsquery
SEARCH_LIMIT = 10  # MusicBrainz recordings asked per row
KEPT_CANDIDATES = 5  # candidates kept on a discovery for the review queue


# --- a job ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Progress:
    """A job's progress as saved in Redis; `to_json()` is what its channel carries."""

    job_id: str
    tracklist_id: int
    version: int
    total: int
    done: int
    waiting: int  # rows identified as "unmatched (will retry)": an outside service failed
    waiting_for: tuple[str, ...]  # the services they wait for, e.g. ("MusicBrainz",)
    notice: str = ""  # what a person must fix, e.g. a Discogs token Discogs refused

    @property
    def finished(self) -> bool:
        """Every row has been through the pipeline once (waiting rows are tried again later)."""
        return self.done >= self.total

    @property
    def text(self) -> str:
        """ "14 / 22 rows, 3 waiting for MusicBrainz" """
        shown = f"{self.done} / {self.total} rows"
        if self.waiting:
            shown += f", {self.waiting} waiting for {' and '.join(self.waiting_for) or 'a retry'}"
        return f"{shown}; {self.notice}" if self.notice else shown

    def to_json(self) -> dict[str, Any]:
        return {
            "job_id": self.job_id,
            "tracklist_id": self.tracklist_id,
            "version": self.version,
            "total": self.total,
            "done": self.done,
            "waiting": self.waiting,
            "waiting_for": list(self.waiting_for),
            "notice": self.notice,
            "finished": self.finished,
            "text": self.text,
        }


class JobNotFound(LookupError):
    """No identification job with that id (or its progress has expired)."""


async def start_identify(
    resources: Resources, tracklist_id: int, *, positions: Iterable[int] | None = None
) -> Progress:
    """Queue the identification of a tracklist's current version (or the rows at `positions`)
    for the worker, in messages of at most CHUNK_ROWS rows. TracklistNotFound without the
    tracklist; InputError("positions") for a position the tracklist does not have."""
    every_row, _, version = await _rows(resources.sessions, tracklist_id, None)
    rows = chosen_rows(every_row, positions)
    job_id = uuid.uuid4().hex
    await _start_progress(resources.settings, resources.redis, job_id, tracklist_id, version, rows)
    for start in range(0, len(rows), CHUNK_ROWS):
        chunk = [row.index for row in rows[start : start + CHUNK_ROWS]]
        await asyncio.to_thread(
            resources.jobs.identify_tracklist, job_id, tracklist_id, version, chunk
        )
    return await get_progress(resources.settings, resources.redis, job_id)


def chosen_rows(rows: Sequence[TrackRow], positions: Iterable[int] | None) -> list[TrackRow]:
    """The rows that are tracks of their own, only those at `positions` when given."""
    main = [row for row in rows if is_main_track(row.track)]
    if positions is None:
        return main
    wanted = set(positions)
    known = {row.track.position for row in main}
    missing = sorted(wanted - known)
    if missing:
        shown = ", ".join(str(p) for p in missing[:10])
        raise InputError("positions", f"the tracklist has no track at position {shown}")
    return [row for row in main if row.track.position in wanted]


# --- running a job (the worker) -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one message did: the rows to try again and when (the worker queues them)."""

    identified: int
    retry_rows: tuple[int, ...] = ()
    retry_at: datetime | None = None
    notice: str = ""


@dataclass(slots=True)
class _Clients:
    musicbrainz: MusicBrainzClient
    discogs: DiscogsClient | None  # None: not configured, or its token was refused
    notice: str = ""  # why an outside service was left out


async def identify_tracklist(
    resources: Resources,
    tracklist_id: int,
    *,
    version: int | None = None,
    row_indexes: Sequence[int] | None = None,
    positions: Iterable[int] | None = None,
    job_id: str | None = None,
) -> Outcome:
    """Identify the rows of a tracklist version (the current one by default): those at
    `row_indexes` (a job's chunk), or at `positions`, or every track row. TracklistNotFound when
    the tracklist (or the version) is gone."""
    rows, version_id, number = await _rows(resources.sessions, tracklist_id, version)
    if row_indexes is not None:
        wanted = set(row_indexes)
        rows = [row for row in rows if row.index in wanted and is_main_track(row.track)]
    else:
        rows = chosen_rows(rows, positions)
    clients = _Clients(
        musicbrainz=resources.client(MusicBrainzClient),
        discogs=(
            resources.client(DiscogsClient)
            if resources.settings.music_databases.discogs_token
            else None
        ),
    )
    where = _Where(tracklist_id, version_id, number)
    retry: list[int] = []
    retry_at: datetime | None = None
    for row in rows:
        failed = await _identify_row(resources, clients, where, row)
        if job_id is not None:
            await _row_done(
                resources.settings, resources.redis, job_id, row.index, failed, clients.notice
            )
        if failed is not None:
            retry.append(row.index)
            when = failed.retry_at or datetime.now(UTC) + timedelta(seconds=RETRY_SECONDS)
            retry_at = when if retry_at is None else min(retry_at, when)
    return Outcome(len(rows), tuple(retry), retry_at, clients.notice)


@dataclass(frozen=True, slots=True)
class _Where:
    tracklist_id: int
    version_id: int
    version_number: int


async def _rows(
    sessions: Sessions, tracklist_id: int, version: int | None
) -> tuple[list[TrackRow], int, int]:
    async with sessions() as session:
        tracklist = await session.get(Tracklist, tracklist_id)
        if tracklist is None:
            raise TracklistNotFound(f"no tracklist with id {tracklist_id}")
        number = version if version is not None else tracklist.current_version
        stored = await version_content(session, tracklist, number)
        if stored is None:
            missing = "stored version" if number is None else f"version {number}"
            raise TracklistNotFound(f"tracklist {tracklist_id} has no {missing}")
        return list(stored.rows), stored.record.id, stored.record.number


@dataclass(frozen=True, slots=True)
class Found:
    """A candidate with where it came from: the library (its track id) or a database."""

    facts: TrackFacts
    method: DiscoveryMethod
    library_track_id: int | None = None
    candidate: Candidate | None = None  # None for library tracks
    musicbrainz_recording_id: str | None = None


async def _identify_row(
    resources: Resources, clients: _Clients, where: _Where, row: TrackRow
) -> LookupFailed | None:
    """Identify one row and record its discovery; the failure that left it unmatched, if any."""
    track = row.track
    facts = None if track.is_id else read_row(track.artist, track.title, track.remix, track.label)
    try:
        async with asyncio.timeout(ROW_SECONDS):
            found, asked, decision, failed = await _candidates(resources, clients, facts)
    except TimeoutError:
        retry_at = datetime.now(UTC) + timedelta(seconds=RETRY_SECONDS)
        found, asked, decision = [], [], decide(facts, [])
        failed = LookupFailed("identification", f"took over {ROW_SECONDS:g} s", retry_at=retry_at)
    record = await _record(resources.sessions, where, row, decision, found, asked)
    if failed is not None and record.state is not DiscoveryState.MATCHED:
        record = replace(record, state=DiscoveryState.UNMATCHED)
    else:
        failed = None
    await record_discovery(resources.sessions, record)
    return failed


async def _candidates(
    resources: Resources, clients: _Clients, facts: TrackFacts | None
) -> tuple[list[Found], list[str], Decision, LookupFailed | None]:
    """The row's candidates, the sources asked, the decision on those candidates and the failure
    of one source, if one failed. An "ID" row has none and asks nobody. Scoring is the costly
    part: each list of candidates is decided once."""
    if facts is None:
        return [], [], decide(None, []), None
    found = await library_candidates(resources.sessions, facts)
    asked = [DiscoveryMethod.LIBRARY.value]
    decision = _decided(facts, found)
    if decision.state is MatchState.MATCHED:
        return found, asked, decision, None
    artist = facts.primary[0] if facts.primary else facts.artists
    try:
        asked.append(DiscoveryMethod.MUSICBRAINZ.value)
        recordings = await clients.musicbrainz.search_recordings(
            artist, facts.title_base, limit=SEARCH_LIMIT
        )
        found = _distinct([*found, *(_outside(c, DiscoveryMethod.MUSICBRAINZ) for c in recordings)])
        decision = _decided(facts, found)
        if clients.discogs is None or decision.state is MatchState.MATCHED:
            return found, asked, decision, None
        tracks = await clients.discogs.track_candidates(artist, facts.title_base)
        asked.append(DiscoveryMethod.DISCOGS.value)
    except DiscogsTokenRefused as refused:
        # Not a row to try again: nothing changes until someone sets a valid token.
        log.warning("Discogs left out until DISCOGS_TOKEN changes: %s", refused)
        clients.discogs, clients.notice = None, str(refused)
        return found, asked, decision, None
    except LookupFailed as failed:
        # `found` is what `decision` was made on: library tracks, then MusicBrainz's (distinct).
        return found, asked, decision, failed
    found = _distinct([*found, *(_outside(c, DiscoveryMethod.DISCOGS) for c in tracks)])
    return found, asked, _decided(facts, found), None


def _decided(facts: TrackFacts, found: Sequence[Found]) -> Decision:
    return decide(facts, [f.facts for f in found])


def _outside(candidate: Candidate, method: DiscoveryMethod) -> Found:
    """A database's candidate with its title read again as a DJ row, so versions compare."""
    known = candidate.facts
    again = read_row(known.artists, known.title, known_artists=known.primary)
    if again is not None:
        featured = tuple(dict.fromkeys((*known.featured, *again.featured)))
        known = replace(
            known, title_base=again.title_base, version=again.version, featured=featured
        )
    return Found(
        known,
        method,
        candidate=replace(candidate, facts=known),
        musicbrainz_recording_id=candidate.recording_id,
    )


def _distinct(found: Sequence[Found]) -> list[Found]:
    """One candidate per recording (its dedupe key or MusicBrainz id): the library's first.
    Databases list one recording several times (on several releases), and the library holds
    what MusicBrainz found before: a twin must not count as a close runner-up."""
    kept: list[Found] = []
    seen: set[str] = set()
    for one in found:
        names = {dedupe_key(one.facts)}
        if one.musicbrainz_recording_id:
            names.add(one.musicbrainz_recording_id)
        if names.isdisjoint(seen):
            kept.append(one)
        seen |= names
    return kept


async def library_candidates(sessions: Sessions, facts: TrackFacts) -> list[Found]:
    """Library tracks that may be the row's recording: the exact dedupe key first, then the
    tracks with every word of its title or every word of its first artist (`search_words`, by
    index; those with both first), re-ranked with RapidFuzz."""
    title = comparison_key(facts.title_base)
    artist = comparison_key(facts.primary[0] if facts.primary else facts.artists)
    with_title, by_artist = _all_words(title), _all_words(artist)
    async with sessions() as session:
        exact = await session.scalar(
            select(LibraryTrack).where(LibraryTrack.dedupe_key == dedupe_key(facts))
        )
        nearby: list[LibraryTrack] = []
        matches = [
            LibraryTrack.search_words.bool_op("@@")(func.to_tsquery("simple", words))
            for words in (with_title, by_artist)
            if words
        ]
        if matches:
            # Those with both the title and the artist first, however many share a word.
            both = sum((cast(match, Integer) for match in matches), literal(0))
            nearby = list(
                await session.scalars(
                    select(LibraryTrack)
                    .where(or_(*matches))
                    .order_by(both.desc(), LibraryTrack.id)
                    .limit(LIBRARY_PREFILTER)
                )
            )
    query = f"{artist} {title}"
    choices = {t.id: f"{t.artists_key} {comparison_key(t.title_base)}" for t in nearby}
    best = process.extract(
        query, choices, scorer=fuzz.token_set_ratio, limit=LIBRARY_CANDIDATES, score_cutoff=60
    )
    tracks = {t.id: t for t in nearby}
    ranked = [tracks[track_id] for _text, _score, track_id in best]
    if exact is not None:
        ranked = [exact, *(t for t in ranked if t.id != exact.id)]
    return [_library(t) for t in ranked]


async def isrc_candidates(sessions: Sessions, isrc: str) -> list[Found]:
    """The library tracks holding this ISRC (a tagged file's strongest clue)."""
    async with sessions() as session:
        tracks = await session.scalars(
            select(LibraryTrack).where(LibraryTrack.isrc == isrc).order_by(LibraryTrack.id)
        )
        return [_library(t) for t in tracks]


def _all_words(key: str) -> str:
    """A tsquery asking for every word of a comparison key ("" when it has none). Words are
    letters and digits only, so nothing in them is tsquery syntax."""
    return " & ".join(dict.fromkeys(_WORD.findall(key)))


def _library(track: LibraryTrack) -> Found:
    return Found(
        track_facts(track),
        DiscoveryMethod.LIBRARY,
        library_track_id=track.id,
        musicbrainz_recording_id=track.musicbrainz_recording_id,
    )


async def _record(
    sessions: Sessions,
    where: _Where,
    row: TrackRow,
    decision: Decision,
    found: Sequence[Found],
    asked: Sequence[str],
) -> DiscoveryRecord:
    """The discovery of a decided row; a matched one's library track made or joined first."""
    best = found[decision.best] if decision.best is not None else None
    best_score = decision.ranked[0].score if decision.ranked else None
    track_id = None
    if decision.state is MatchState.MATCHED and best is not None:
        track_id = best.library_track_id or await _upsert(sessions, best)
    return DiscoveryRecord(
        tracklist_id=where.tracklist_id,
        version_id=where.version_id,
        version_number=where.version_number,
        row_index=row.index,
        position=row.track.position,
        row_text=row_text(row.track),
        state=DiscoveryState(decision.state.value),
        cue_seconds=row.track.cue_seconds,
        confidence=decision.confidence,
        method=best.method if best is not None else None,
        library_track_id=track_id,
        differences=(
            {"penalties": best_score.penalties, "reasons": best_score.reasons} if best_score else {}
        ),
        candidates=[candidate_json(found[r.index], r) for r in decision.ranked[:KEPT_CANDIDATES]],
        sources_asked=list(asked),
    )


async def keep_candidate(sessions: Sessions, candidate: Candidate) -> int:
    """The library track a database's candidate names, made if it is new (its title read as a
    DJ row first, so "Strobe (Original Mix)" joins "Strobe"); e.g. a Discogs want's tracks."""
    return await _upsert(sessions, _outside(candidate, DiscoveryMethod(candidate.source.value)))


async def _upsert(sessions: Sessions, found: Found) -> int:
    candidate = found.candidate
    assert candidate is not None
    ids = candidate_ids(candidate.source, candidate.recording_id, candidate.release_id)
    release = ReleaseFacts(
        catalogue_number=candidate.catalogue_number,
        release_title=candidate.release_title,
        release_date=_day(candidate.release_date),
    )
    return await upsert_track(sessions, found.facts, ids, release)


def _day(text: str | None) -> date | None:
    """A release date known to the day; "1999" or "1999-03" is not a date to store."""
    try:
        return date.fromisoformat(text) if text and len(text) == 10 else None
    except ValueError:
        return None


def candidate_json(found: Found, ranked: Ranked) -> dict[str, object]:
    """A candidate as a discovery keeps it (the review queue and the CLI show it)."""
    facts, candidate = found.facts, found.candidate
    return {
        "source": found.method.value,
        "library_track_id": found.library_track_id,
        "musicbrainz_recording_id": found.musicbrainz_recording_id,
        "release_id": candidate.release_id if candidate else None,
        "release_title": candidate.release_title if candidate else None,
        "artist": facts.artists,
        "title": facts.title,
        "version": facts.version.text or facts.version.kind.value,
        "label": facts.label,
        "duration": facts.duration,
        "distance": round(ranked.score.distance, 4),
        "penalties": ranked.score.penalties,
        "reasons": ranked.score.reasons,
    }


def row_text(track: ParsedTrack) -> str:
    """The row as heard: "Artist - Title (Remix) [Label]"."""
    return f"{track.display} [{track.label}]" if track.label else track.display


# --- a person's search (the review queue) ---------------------------------------------------------

SEARCH_TEXT_MAX = 500  # an artist, a title or a link typed into the review's search
KEPT_BY_HAND = 10  # candidates a row keeps once a person searched for more
MUSICBRAINZ_RECORDING = re.compile(
    r"https?://(?:www\.|beta\.)?musicbrainz\.org/recording/"
    r"([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(?:[/?#].*)?",
    re.IGNORECASE,
)
DISCOGS_RELEASE = re.compile(
    r"https?://(?:www\.)?discogs\.com/(?:[^/?#]+/)?release/(\d{1,12})(?:[-/?#].*)?",
    re.IGNORECASE,
)


async def search_by_hand(
    resources: Resources, discovery_id: int, *, artist: str = "", title: str = "", url: str = ""
) -> int:
    """Look for a review row's recording as a person asks: by artist and title (the library,
    MusicBrainz, and Discogs when a token is set), or by a MusicBrainz recording link or a
    Discogs release link. What is found joins the row's candidates, scored against the row (or,
    for an "ID" row, against what was typed), first; returns how many were found.

    InputError names the field for nothing to search, a text too long or a link neither service
    has; LookupFailed when the service asked did not answer; DiscoveryNotFound without the row.
    """
    artist, title, url = (
        _search_text(name, value)
        for name, value in (("artist", artist), ("title", title), ("url", url))
    )
    async with resources.sessions() as session:
        discovery = await session.get(Discovery, discovery_id)
    if discovery is None:
        raise DiscoveryNotFound(discovery_id)
    rows, _, _ = await _rows(resources.sessions, discovery.tracklist_id, discovery.version_number)
    heard = next((row.track for row in rows if row.index == discovery.row_index), None)
    facts = read_row(heard.artist, heard.title, heard.remix, heard.label) if heard else None
    if url:
        found = await _found_at(resources, url)
    elif artist and title:
        typed = read_row(artist, title)
        assert typed is not None  # both given, neither "ID"
        facts = facts or typed
        found = await _searched(resources, typed, artist, title)
    else:
        raise InputError(
            "artist", "type an artist and a title, or paste a MusicBrainz or Discogs link"
        )
    if not found:
        return 0
    # An "ID" row found by a link has nothing of its own to compare: the link is the answer.
    decision = _decided(facts or found[0].facts, found)
    fresh = [candidate_json(found[r.index], r) for r in decision.ranked]
    async with resources.sessions.begin() as session:
        kept = await session.get(Discovery, discovery_id, with_for_update=True)
        if kept is None:
            raise DiscoveryNotFound(discovery_id)
        kept.candidates = _merged(fresh, kept.candidates)[:KEPT_BY_HAND]
        kept.updated_at = datetime.now(UTC)
    return len(found)


def _search_text(field: str, value: str) -> str:
    return url_parameter(field, value.strip(), SEARCH_TEXT_MAX)


async def _found_at(resources: Resources, url: str) -> list[Found]:
    """The recording a MusicBrainz link names, or the tracks of a Discogs release."""
    if recording := MUSICBRAINZ_RECORDING.fullmatch(url):
        candidate = await resources.client(MusicBrainzClient).lookup_recording(recording[1])
        return [_outside(candidate, DiscoveryMethod.MUSICBRAINZ)] if candidate else []
    if release_link := DISCOGS_RELEASE.fullmatch(url):
        if not resources.settings.music_databases.discogs_token:
            raise InputError(
                "url", "Discogs is not set up (DISCOGS_TOKEN): paste a MusicBrainz link instead"
            )
        release = await resources.client(DiscogsClient).release(int(release_link[1]))
        tracks = release.tracks if release else ()
        return [_outside(track, DiscoveryMethod.DISCOGS) for track in tracks]
    raise InputError(
        "url",
        "paste a MusicBrainz recording link (https://musicbrainz.org/recording/…) or a Discogs"
        " release link (https://www.discogs.com/release/…)",
    )


async def _searched(
    resources: Resources, typed: TrackFacts, artist: str, title: str
) -> list[Found]:
    """What the library, MusicBrainz and (with a token) Discogs hold under these names."""
    found = await library_candidates(resources.sessions, typed)
    recordings = await resources.client(MusicBrainzClient).search_recordings(
        artist, title, limit=SEARCH_LIMIT
    )
    found += [_outside(c, DiscoveryMethod.MUSICBRAINZ) for c in recordings]
    if resources.settings.music_databases.discogs_token:
        tracks = await resources.client(DiscogsClient).track_candidates(artist, title)
        found += [_outside(c, DiscoveryMethod.DISCOGS) for c in tracks]
    return _distinct(found)


def _merged(
    fresh: Sequence[dict[str, object]], kept: Sequence[dict[str, object]]
) -> list[dict[str, object]]:
    """The candidates found by hand first, then those the row had; one of each recording."""
    merged: list[dict[str, object]] = []
    seen: set[object] = set()
    for candidate in (*fresh, *kept):
        name = (
            candidate.get("library_track_id")
            or candidate.get("musicbrainz_recording_id")
            or (candidate.get("source"), candidate.get("release_id"), candidate.get("title"))
        )
        if name not in seen:
            seen.add(name)
            merged.append(candidate)
    return merged


# --- progress -------------------------------------------------------------------------------------


async def _start_progress(
    settings: Settings,
    redis: aioredis.Redis,
    job_id: str,
    tracklist_id: int,
    version: int,
    rows: Sequence[TrackRow],
) -> None:
    key = channels.library_identify(settings, job_id)
    fields = {"tracklist_id": tracklist_id, "version": version, "total": len(rows)}
    async with redis.pipeline(transaction=True) as pipe:
        for name, value in fields.items():
            pipe.hset(key, name, value)
        pipe.expire(key, PROGRESS_TTL)
        await pipe.execute()


async def _row_done(
    settings: Settings,
    redis: aioredis.Redis,
    job_id: str,
    row_index: int,
    failed: LookupFailed | None,
    notice: str = "",
) -> None:
    """Count a row done (a set: counted once however often it runs), waiting or not, and publish
    the progress. Redis missing a beat loses a progress line, never a discovery."""
    key = channels.library_identify(settings, job_id)
    try:
        async with redis.pipeline(transaction=True) as pipe:
            pipe.sadd(f"{key}:done", row_index)
            if notice:
                pipe.hset(key, "notice", notice)
            if failed is not None:
                pipe.hset(f"{key}:waiting", str(row_index), failed.source)
            else:
                pipe.hdel(f"{key}:waiting", str(row_index))
            for name in (f"{key}:done", f"{key}:waiting"):
                pipe.expire(name, PROGRESS_TTL)
            await pipe.execute()
        progress = await get_progress(settings, redis, job_id)
        await redis.publish(
            channels.library_identify_events(settings, job_id), json.dumps(progress.to_json())
        )
    except (RedisError, JobNotFound) as error:
        log.warning("could not save the progress of identification %s: %s", job_id, error)


async def get_progress(settings: Settings, redis: aioredis.Redis, job_id: str) -> Progress:
    """A job's progress as saved; JobNotFound when there is none."""
    key = channels.library_identify(settings, job_id)
    async with redis.pipeline(transaction=True) as pipe:
        pipe.hgetall(key)
        pipe.scard(f"{key}:done")
        pipe.hvals(f"{key}:waiting")
        saved, done, waiting = await pipe.execute()
    if not saved:
        raise JobNotFound(f"no identification job {job_id}")
    fields = {channels.text(k): channels.text(v) for k, v in saved.items()}
    services = sorted({channels.text(name) for name in waiting})
    return Progress(
        job_id=job_id,
        tracklist_id=int(fields["tracklist_id"]),
        version=int(fields["version"]),
        total=int(fields["total"]),
        done=int(done),
        waiting=len(waiting),
        waiting_for=tuple(services),
        notice=fields.get("notice", ""),
    )


# --- results --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class IdentifiedRow:
    """One row's identification as the CLI and scripts read it."""

    position: int | None
    state: str
    confidence: float
    musicbrainz_recording_id: str | None
    library_track_id: int | None
    candidates: list[dict[str, object]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


CANDIDATE_FIELDS = ("musicbrainz_recording_id", "artist", "title", "distance", "reasons")


async def identified_rows(
    sessions: Sessions, tracklist_id: int, version: int, positions: Iterable[int] | None = None
) -> list[IdentifiedRow]:
    """The identified rows of a tracklist version in page order (only those at `positions`)."""
    query = (
        select(Discovery, LibraryTrack.musicbrainz_recording_id)
        .join(TracklistVersion, TracklistVersion.id == Discovery.version_id)
        .outerjoin(LibraryTrack, LibraryTrack.id == Discovery.library_track_id)
        .where(TracklistVersion.tracklist_id == tracklist_id, TracklistVersion.number == version)
        .order_by(Discovery.row_index)
    )
    if positions is not None:
        query = query.where(Discovery.position.in_(list(positions)))
    async with sessions() as session:
        found = (await session.execute(query)).all()
    return [_identified(discovery, musicbrainz) for discovery, musicbrainz in found]


def _identified(discovery: Discovery, musicbrainz: str | None) -> IdentifiedRow:
    matched = discovery.state == DiscoveryState.MATCHED.value
    return IdentifiedRow(
        position=discovery.position,
        state=discovery.state,
        confidence=discovery.confidence,
        musicbrainz_recording_id=musicbrainz if matched else None,
        library_track_id=discovery.library_track_id,
        candidates=[
            {name: candidate.get(name) for name in CANDIDATE_FIELDS}
            for candidate in discovery.candidates
        ],
    )
