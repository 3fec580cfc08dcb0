"""The review queue: the provisional discoveries a person decides, newest mix first.

A person accepts the suggested candidate or picks another (the library track is made or joined
with `store.upsert_track_in`), marks the row unknown, or rejects every candidate. Each decision
is written with method manual, so identifying the tracklist again never undoes it
(`store.record_discovery_in`), and the tracks' discovery counts stay true.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.db import Sessions
from domain.library.reading import read_row
from domain.library.store import (
    DiscoveryRecord,
    candidate_ids,
    record_discovery_in,
    upsert_track_in,
)
from domain.models import Discovery, DiscoveryMethod, DiscoveryState, Tracklist
from domain.paging import Page, offset, page_within
from domain.validation import InputError

PER_PAGE = 25
# The fields a row and a candidate are compared on, in the order the queue shows them.
SHOWN_FIELDS = ("artist", "title", "version", "label", "duration", "release_title", "source")


class DiscoveryNotFound(LookupError):
    """No discovery with that id; the message names it."""

    def __init__(self, discovery_id: int) -> None:
        super().__init__(f"no review row with id {discovery_id}")


@dataclass(frozen=True, slots=True)
class QueueRow:
    """One provisional row as heard, with its tracklist's title and its candidates."""

    discovery: Discovery
    tracklist_title: str

    @property
    def candidates(self) -> Sequence[Mapping[str, Any]]:
        return self.discovery.candidates

    @property
    def reasons(self) -> Sequence[str]:
        found = self.discovery.differences.get("reasons", [])
        return [str(reason) for reason in found] if isinstance(found, list) else []


def differing(candidate: Mapping[str, Any]) -> frozenset[str]:
    """The fields of a candidate that differ from the row (a penalty above nothing)."""
    penalties = candidate.get("penalties") or {}
    return frozenset(name for name, penalty in penalties.items() if penalty)


def _provisional() -> Any:
    return Discovery.state == DiscoveryState.PROVISIONAL.value


async def provisional_count(sessions: Sessions) -> int:
    """How many rows wait for a person (the navigation's badge)."""
    async with sessions() as session:
        total = await session.scalar(select(func.count()).where(_provisional()))
    return total or 0


async def review_queue(
    sessions: Sessions, page: int = 1, per_page: int = PER_PAGE
) -> Page[QueueRow]:
    """One page of provisional rows, newest mix (version) first: one query on the partial index
    `discoveries_review` for the rows with their tracklists' titles, one for the count."""
    async with sessions() as session:
        total = await session.scalar(select(func.count()).where(_provisional())) or 0
        page = page_within(page, total, per_page)
        rows = await session.execute(
            select(Discovery, Tracklist.title)
            .join(Tracklist, Tracklist.id == Discovery.tracklist_id)
            .where(_provisional())
            .order_by(Discovery.version_id.desc(), Discovery.row_index)
            .limit(per_page)
            .offset(offset(page, per_page))
        )
        items = [QueueRow(discovery, title) for discovery, title in rows.all()]
    return Page(items, total, page, per_page)


async def queue_row(sessions: Sessions, discovery_id: int) -> QueueRow:
    """One row of the queue as the page shows it (after a person searched for it)."""
    async with sessions() as session:
        found = (
            await session.execute(
                select(Discovery, Tracklist.title)
                .join(Tracklist, Tracklist.id == Discovery.tracklist_id)
                .where(Discovery.id == discovery_id)
            )
        ).one_or_none()
    if found is None:
        raise DiscoveryNotFound(discovery_id)
    return QueueRow(*found)


def parse_threshold(text: str) -> float:
    """The bulk action's confidence, a number from 0 to 1."""
    try:
        value = float(text.strip())
    except ValueError:
        raise InputError("confidence", "Confidence must be a number from 0 to 1.") from None
    if not math.isfinite(value) or not 0 <= value <= 1:
        raise InputError("confidence", "Confidence must be a number from 0 to 1.")
    return value


def parse_choice(text: str) -> int:
    """A candidate's place in a row's list (0: the suggestion)."""
    if not text.strip().isdigit() or len(text.strip()) > 3:
        raise InputError("candidate", "Pick one of the row's candidates.")
    return int(text.strip())


# --- decisions ---------------------------------------------------------------------------------


async def accept(sessions: Sessions, discovery_id: int, choice: int = 0) -> int:
    """Accept candidate `choice` of a row (0: the suggestion): its library track is made or
    joined and the row is matched by hand. Returns the library track's id."""
    async with sessions.begin() as session:
        discovery = await _locked(session, discovery_id)
        return await _accept_in(session, discovery, choice)


async def mark_unknown(sessions: Sessions, discovery_id: int) -> None:
    """The row is an unknown track ("ID"): no candidate, and no more searching."""
    await _decide(sessions, discovery_id, DiscoveryState.ID)


async def reject(sessions: Sessions, discovery_id: int) -> None:
    """None of the candidates is the row."""
    await _decide(sessions, discovery_id, DiscoveryState.REJECTED)


async def accept_above(sessions: Sessions, threshold: float) -> int:
    """Accept the suggestion of every provisional row at or above `threshold`; how many."""
    async with sessions.begin() as session:
        found = await session.scalars(
            select(Discovery)
            .where(_provisional(), Discovery.confidence >= threshold)
            .order_by(Discovery.id)
            .with_for_update()
        )
        rows = [row for row in found.all() if row.candidates]
        for discovery in rows:
            await _accept_in(session, discovery, 0)
    return len(rows)


async def _locked(session: AsyncSession, discovery_id: int) -> Discovery:
    discovery = await session.scalar(
        select(Discovery).where(Discovery.id == discovery_id).with_for_update()
    )
    if discovery is None:
        raise DiscoveryNotFound(discovery_id)
    return discovery


async def _accept_in(session: AsyncSession, discovery: Discovery, choice: int) -> int:
    if not 0 <= choice < len(discovery.candidates):
        raise InputError("candidate", "Pick one of the row's candidates.")
    track_id = await _track_of(session, discovery.candidates[choice])
    await record_discovery_in(
        session,
        dataclasses.replace(
            _record(discovery), state=DiscoveryState.MATCHED, library_track_id=track_id
        ),
    )
    return track_id


async def _track_of(session: AsyncSession, candidate: Mapping[str, Any]) -> int:
    """The library track a candidate names: the one it came from, or one made or joined."""
    known = candidate.get("library_track_id")
    if isinstance(known, int):
        return known
    facts = read_row(
        str(candidate.get("artist") or ""),
        str(candidate.get("title") or ""),
        label=candidate.get("label"),
        duration=candidate.get("duration"),
    )
    if facts is None:
        raise InputError("candidate", "That candidate names no track: pick another.")
    ids = candidate_ids(
        str(candidate.get("source")),
        candidate.get("musicbrainz_recording_id"),
        candidate.get("release_id"),
    )
    return await upsert_track_in(session, facts, ids)


async def _decide(sessions: Sessions, discovery_id: int, state: DiscoveryState) -> None:
    async with sessions.begin() as session:
        discovery = await _locked(session, discovery_id)
        decided = dataclasses.replace(_record(discovery), state=state, library_track_id=None)
        await record_discovery_in(session, decided)


def _record(discovery: Discovery) -> DiscoveryRecord:
    """The discovery as written again by a person (its candidates kept to decide again)."""
    return DiscoveryRecord(
        tracklist_id=discovery.tracklist_id,
        version_id=discovery.version_id,
        version_number=discovery.version_number,
        row_index=discovery.row_index,
        position=discovery.position,
        row_text=discovery.row_text,
        state=DiscoveryState(discovery.state),
        cue_seconds=discovery.cue_seconds,
        confidence=discovery.confidence,
        method=DiscoveryMethod.MANUAL,
        library_track_id=discovery.library_track_id,
        differences=discovery.differences,
        candidates=discovery.candidates,
        sources_asked=discovery.sources_asked,
    )


# --- a tracklist's rows ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RowState:
    """How one row of a tracklist version stands: its state and its library track, if any."""

    state: str
    library_track_id: int | None


async def row_states(sessions: Sessions, tracklist_id: int, version: int) -> dict[int, RowState]:
    """The identification of each row of a tracklist version, by row index (rows never
    identified are absent)."""
    async with sessions() as session:
        found = await session.execute(
            select(Discovery.row_index, Discovery.state, Discovery.library_track_id).where(
                Discovery.tracklist_id == tracklist_id, Discovery.version_number == version
            )
        )
        return {index: RowState(state, track) for index, state, track in found.all()}
