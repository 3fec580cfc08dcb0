"""Which library track each collection file is: the library's own scorer and decision rules.

A file's tags are read as a DJ row is (`read_row` on artist, title and label, plus the file's
duration and ISRC) and scored against the library tracks the identification's library stage
finds (`identify.library_candidates`, plus the track holding the file's ISRC). `decide` rules:
- matched: the file is linked (`collection_files.library_track_id`) and every want-list item of
  that track moves to in_library with the file named on it (`wants.own_wanted_in`);
- provisional: a review item "is this file that track?" (`file_review.py`), the file not linked;
- unmatched: nothing close, or no artist and title tags.

A person's decision (`file_review.accept_file` / `reject_file`) is never undone here: a file a
person decided is skipped, and a track a person rejected for a file is never a candidate again.
Each file's result is kept in `collection_matches` with `facts_key` (a digest of the tags the
match reads: `FACTS_KEY`), so a pass only redoes files whose tags changed since (a status
change or an analysis is no reason), and writes nothing when the decision is the same: running it
twice, or a redelivered job, changes nothing.

When it runs (the worker, `match_collection` and `match_library_changes` actors):
- after each scan, for the files read since they were last matched (`stale_files`);
- when library tracks appear or change (identification, a review, a Discogs want-list), for the
  files that could be those tracks: tracks changed since a mark kept in Redis (with
  OVERLAP_SECONDS of overlap for transactions that committed late; CHANGED_BATCH tracks a job,
  the next job the rest), and per track only the unlinked files holding its title's words or
  its first artist's (`files_near_tracks`, on the files' title-and-artist index). Matching only
  those files, rather than the whole collection, is the cheapest correct trigger: a track can
  only change the decision of a file whose prefilter would find it.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Text, cast, func, literal, or_, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from domain import channels
from domain.db import Sessions
from domain.library.facts import TrackFacts, comparison_key, normal_isrc
from domain.library.identify import Found, candidate_json, isrc_candidates, library_candidates
from domain.library.reading import read_row
from domain.library.scoring import Decision, MatchState, decide
from domain.library.wants import own_wanted_in
from domain.models import (
    CollectionFile,
    CollectionMatch,
    CollectionStatus,
    FileMatchState,
    LibraryTrack,
)
from domain.resources import Resources

log = logging.getLogger(__name__)

BATCH = 200  # files a worker message
KEPT_CANDIDATES = 5
NEAR_FILES = 500  # files one changed track may touch (its title's or artist's words)
OVERLAP_SECONDS = 300
CHANGED_BATCH = 2_000  # changed library tracks one job looks at; the next job the rest
_WORD = re.compile(r"[^\W_]+")
# A digest of the tags a match reads, computed by PostgreSQL both when a file is matched and
# when the files to match again are looked for (so the two always agree).
FACTS_KEY = func.md5(
    func.concat_ws(
        "\x1f",
        *(
            func.coalesce(cast(column, Text), "")
            for column in (
                CollectionFile.artist,
                CollectionFile.title,
                CollectionFile.label,
                CollectionFile.duration,
                CollectionFile.isrc,
            )
        ),
    )
)


def file_facts(row: CollectionFile) -> TrackFacts | None:
    """A file's tags read as a DJ row (None without artist and title: nothing to match)."""
    facts = read_row(row.artist, row.title, None, row.label, row.duration)
    if facts is None:
        return None
    isrc = normal_isrc(row.isrc) if row.isrc else None
    return replace(facts, isrc=isrc) if isrc else facts


@dataclass(frozen=True, slots=True)
class Matched:
    """What one pass did: files linked, sent to review, left unmatched, and unchanged."""

    linked: int = 0
    review: int = 0
    unmatched: int = 0
    unchanged: int = 0
    wants_moved: int = 0


async def match_files(sessions: Sessions, file_ids: Sequence[int]) -> Matched:
    """Match these files (those a person decided, missing or unread are skipped)."""
    linked = review = unmatched = unchanged = moved = 0
    for file_id in sorted(set(file_ids)):
        async with sessions() as session:
            read = (
                await session.execute(
                    select(CollectionFile, FACTS_KEY).where(CollectionFile.id == file_id)
                )
            ).one_or_none()
            kept = await session.get(CollectionMatch, file_id)
        row, facts_key = read if read is not None else (None, "")
        if row is None or row.missing or row.status != CollectionStatus.COMPLETED.value:
            continue
        if kept is not None and kept.by_person:
            continue
        rejected = set(kept.rejected_track_ids) if kept is not None else set()
        decision, candidates = await _decided(sessions, row, rejected)
        result = _result(decision, candidates)
        if kept is not None and _same(kept, result) and kept.facts_key == facts_key:
            unchanged += 1
            continue
        moved += await _save(sessions, row.id, facts_key, result)
        if result["state"] == FileMatchState.MATCHED.value:
            linked += 1
        elif result["state"] == FileMatchState.PROVISIONAL.value:
            review += 1
        else:
            unmatched += 1
    return Matched(linked, review, unmatched, unchanged, moved)


async def _decided(
    sessions: Sessions, row: CollectionFile, rejected: set[int]
) -> tuple[Decision, list[Found]]:
    facts = file_facts(row)
    if facts is None:
        return decide(facts, []), []
    found = [f for f in await library_candidates(sessions, facts) if f.library_track_id]
    if facts.isrc:
        known = {f.library_track_id for f in found}
        found += [
            f
            for f in await isrc_candidates(sessions, facts.isrc)
            if f.library_track_id not in known
        ]
    found = [f for f in found if f.library_track_id not in rejected]
    return decide(facts, [f.facts for f in found]), found


def _result(decision: Decision, found: Sequence[Found]) -> dict[str, Any]:
    """The collection_matches columns of a decision (an "ID" file is unmatched)."""
    best = found[decision.best] if decision.best is not None else None
    top = decision.ranked[0].score if decision.ranked else None
    state = {
        MatchState.MATCHED: FileMatchState.MATCHED,
        MatchState.PROVISIONAL: FileMatchState.PROVISIONAL,
    }.get(decision.state, FileMatchState.UNMATCHED)
    kept = best if state is not FileMatchState.UNMATCHED else None
    return {
        "state": state.value,
        "library_track_id": kept.library_track_id if kept is not None else None,
        "confidence": decision.confidence,
        "differences": {"penalties": top.penalties, "reasons": top.reasons} if top else {},
        "candidates": [
            candidate_json(found[r.index], r) for r in decision.ranked[:KEPT_CANDIDATES]
        ],
    }


def _same(kept: CollectionMatch, result: dict[str, Any]) -> bool:
    return all(getattr(kept, name) == value for name, value in result.items())


async def _save(sessions: Sessions, file_id: int, facts_key: str, result: dict[str, Any]) -> int:
    """Write a file's decision and its link; the want-list items moved to in_library."""
    now = datetime.now(UTC)
    track_id = result["library_track_id"] if result["state"] == "matched" else None
    async with sessions.begin() as session:
        written = await session.scalar(
            insert(CollectionMatch)
            .values(collection_file_id=file_id, facts_key=facts_key, **result)
            .on_conflict_do_update(
                index_elements=[CollectionMatch.collection_file_id],
                set_={**result, "facts_key": facts_key, "updated_at": now},
                where=CollectionMatch.by_person.is_(False),
            )
            .returning(CollectionMatch.collection_file_id)
        )
        if written is None:
            return 0  # a person decided meanwhile: their link stands
        return await link_file_in(session, file_id, track_id)


async def link_file_in(session: AsyncSession, file_id: int, track_id: int | None) -> int:
    """Link a file to a track (None: unlink) without touching its updated_at (a link is no
    change of the file's tags); a new link moves the track's wanted items to in_library."""
    before = await session.scalar(
        select(CollectionFile.library_track_id).where(CollectionFile.id == file_id)
    )
    if before == track_id:
        return 0
    await session.execute(
        update(CollectionFile).where(CollectionFile.id == file_id).values(library_track_id=track_id)
    )
    return await own_wanted_in(session, track_id, file_id) if track_id is not None else 0


# --- which files to match -----------------------------------------------------------------------


async def stale_files(sessions: Sessions, limit: int = 10_000) -> list[int]:
    """Files read fine and present that were never matched or changed since (a person's
    decisions excepted)."""
    async with sessions() as session:
        found = await session.scalars(
            select(CollectionFile.id)
            .outerjoin(CollectionMatch, CollectionMatch.collection_file_id == CollectionFile.id)
            .where(
                CollectionFile.status == CollectionStatus.COMPLETED.value,
                CollectionFile.missing.is_(False),
                or_(
                    CollectionMatch.collection_file_id.is_(None),
                    (CollectionMatch.by_person.is_(False))
                    & CollectionMatch.facts_key.is_distinct_from(FACTS_KEY),
                ),
            )
            .order_by(CollectionFile.id)
            .limit(limit)
        )
        return list(found)


async def files_near_tracks(sessions: Sessions, track_ids: Sequence[int]) -> list[int]:
    """Files not linked yet whose title-and-artist words hold a track's title or its first
    artist: those whose library prefilter could find the track (`search_heavy`, the files'
    title-and-artist words, indexed apart). A linked file keeps its link until its tags change
    (`stale_files`)."""
    near: set[int] = set()
    async with sessions() as session:
        tracks = (
            await session.execute(
                select(
                    LibraryTrack.title_base, LibraryTrack.primary_artists, LibraryTrack.artists
                ).where(LibraryTrack.id.in_(list(track_ids)))
            )
        ).all()
        for title, primary, artists in tracks:
            queries = [
                _all_words(comparison_key(title)),
                _all_words(comparison_key(primary[0] if primary else artists)),
            ]
            matches = [
                CollectionFile.search_heavy.bool_op("@@")(func.to_tsquery("simple", words))
                for words in queries
                if words
            ]
            if matches:
                near.update(
                    await session.scalars(
                        select(CollectionFile.id)
                        .where(or_(*matches), CollectionFile.library_track_id.is_(None))
                        .limit(NEAR_FILES)
                    )
                )
    return sorted(near)


def _all_words(key: str) -> str:
    """A tsquery for every word of a comparison key (searched among titles and artists)."""
    return " & ".join(dict.fromkeys(_WORD.findall(key)))


@dataclass(frozen=True, slots=True)
class Mark:
    """Where the last pass over changed library tracks stopped: tracks after (`at`, `id`) in
    (updated_at, id) order are still to do."""

    at: datetime
    id: int = 0

    def to_text(self) -> str:
        return json.dumps({"at": self.at.isoformat(), "id": self.id})

    @classmethod
    def read(cls, text: str) -> Mark:
        saved = json.loads(text)
        return cls(datetime.fromisoformat(saved["at"]), int(saved["id"]))


async def _mark(resources: Resources) -> Mark:
    """The saved mark; without one (a new install, Redis emptied), the oldest decision of a
    file still unlinked: tracks older than that were there when every such file was matched."""
    saved = await resources.redis.get(channels.collection_matching_mark(resources.settings))
    if saved:
        return Mark.read(channels.text(saved))
    async with resources.sessions() as session:
        oldest = await session.scalar(
            select(func.min(CollectionMatch.updated_at)).where(
                CollectionMatch.state != FileMatchState.MATCHED.value,
                CollectionMatch.by_person.is_(False),
            )
        )
        now = await session.scalar(select(func.now()))
    assert now is not None
    return Mark((oldest or now) - timedelta(seconds=OVERLAP_SECONDS))


async def changed_tracks(resources: Resources) -> tuple[list[int], Mark, bool]:
    """Up to CHANGED_BATCH library tracks changed after the mark, the mark after them, and
    whether more are left. Done, the mark goes back OVERLAP_SECONDS from now: a track written
    in a transaction that committed late is still seen (matching it twice changes nothing)."""
    mark = await _mark(resources)
    async with resources.sessions() as session:
        now = await session.scalar(select(func.now()))
        found = (
            await session.execute(
                select(LibraryTrack.id, LibraryTrack.updated_at)
                .where(
                    tuple_(LibraryTrack.updated_at, LibraryTrack.id)
                    > tuple_(literal(mark.at), literal(mark.id))
                )
                .order_by(LibraryTrack.updated_at, LibraryTrack.id)
                .limit(CHANGED_BATCH)
            )
        ).all()
    assert now is not None
    if len(found) == CHANGED_BATCH:
        last_id, last_at = found[-1]
        return [track for track, _ in found], Mark(last_at, last_id), True
    return [track for track, _ in found], Mark(now - timedelta(seconds=OVERLAP_SECONDS)), False


async def match_library_changes(resources: Resources) -> tuple[Matched, bool]:
    """Match the files that could be library tracks changed since the mark, then move it (a
    job that fails leaves it, so the next one does the work); whether more tracks are left
    (the worker queues the next part)."""
    track_ids, mark, more = await changed_tracks(resources)
    total = Matched()
    for start in range(0, len(track_ids), BATCH):
        files = await files_near_tracks(resources.sessions, track_ids[start : start + BATCH])
        done = await match_files(resources.sessions, files)
        total = Matched(*(a + b for a, b in zip(_counts(total), _counts(done), strict=True)))
    await resources.redis.set(channels.collection_matching_mark(resources.settings), mark.to_text())
    return total, more


def _counts(matched: Matched) -> tuple[int, ...]:
    return (
        matched.linked,
        matched.review,
        matched.unmatched,
        matched.unchanged,
        matched.wants_moved,
    )
