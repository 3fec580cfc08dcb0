"""Drafts: a tracklist made by hand, or a copy of its current version, edited row by row and
published as its next version (or discarded).

A tracklist has at most one draft. Publishing a draft identical to the current version is refused
("nothing changed since version N") rather than making an empty version; a draft needs at least
one row. Discarding the draft of a tracklist that was never published deletes the tracklist
(nothing would be left of it). What a DJ types is checked by draft_fields.py; the tables are read
and written through content.py and versions.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.db import Sessions
from domain.models import (
    Tracklist,
    TracklistDraft,
    TracklistDraftRow,
    TracklistOrigin,
    VersionOrigin,
)
from domain.tracklists.content import (
    TrackRow,
    draft_content,
    draft_records,
    insert_tracks,
    links_of,
    meta_columns,
    row_columns,
    same_content,
    set_current,
    stored_content,
    track_of,
    track_rows,
    version_content,
)
from domain.tracklists.diff import diff_tracklists
from domain.tracklists.draft_fields import DraftError, check_meta, check_track, check_tracks
from domain.tracklists.model import TRACK_FIELDS, ParsedTrack, ParsedTracklist, is_main_track
from domain.tracklists.numbering import number_in_order, numbered_after
from domain.tracklists.store import TracklistNotFound
from domain.tracklists.versions import add_version, locked_tracklist

FIRST_VERSION = "first version"


@dataclass(frozen=True, slots=True)
class Draft:
    """A tracklist's draft as its editor shows it."""

    tracklist_id: int
    content: ParsedTracklist
    rows: tuple[TrackRow, ...]
    base_version: int | None  # the version it was copied from; None: never published
    updated_at: datetime

    def row(self, row_id: int) -> TrackRow:
        """The row with this id; TracklistNotFound when the draft has none."""
        for row in self.rows:
            if row.id == row_id:
                return row
        raise _no_row(self.tracklist_id, row_id)


def _no_row(tracklist_id: int, row_id: int) -> TracklistNotFound:
    return TracklistNotFound(f"the draft of tracklist {tracklist_id} has no row {row_id}")


async def _draft(session: AsyncSession, tracklist: Tracklist) -> Draft | None:
    stored = await draft_content(session, tracklist)
    if stored is None:
        return None
    draft = stored.record
    return Draft(tracklist.id, stored.content, stored.rows, draft.base_version, draft.updated_at)


async def _locked_draft(
    session: AsyncSession, tracklist_id: int
) -> tuple[Tracklist, TracklistDraft, list[TracklistDraftRow]]:
    """The tracklist, its draft and the draft's rows, locked for a change."""
    tracklist = await locked_tracklist(session, tracklist_id)
    draft = await session.scalar(
        select(TracklistDraft).where(TracklistDraft.tracklist_id == tracklist_id).with_for_update()
    )
    if draft is None:
        raise TracklistNotFound(f"tracklist {tracklist_id} has no draft")
    return tracklist, draft, await draft_records(session, tracklist_id)


async def _save_order(
    session: AsyncSession, draft: TracklistDraft, records: list[TracklistDraftRow]
) -> None:
    """Store each row's place in `records` and the draft's time of change."""
    for index, record in enumerate(records):
        if record.row_index != index:
            record.row_index = index
    draft.updated_at = func.now()
    await session.flush()


def _row_of(records: list[TracklistDraftRow], record: TracklistDraftRow) -> TrackRow:
    rows = track_rows(records)
    return rows[records.index(record)]


def _find_row(
    records: list[TracklistDraftRow], tracklist_id: int, row_id: int
) -> TracklistDraftRow:
    for record in records:
        if record.id == row_id:
            return record
    raise _no_row(tracklist_id, row_id)


def _new_draft(
    tracklist_id: int, content: ParsedTracklist, base_version: int | None, user_id: int | None
) -> TracklistDraft:
    return TracklistDraft(
        tracklist_id=tracklist_id,
        base_version=base_version,
        created_by=user_id,
        **meta_columns(content),
    )


async def _insert_rows(
    session: AsyncSession, tracklist_id: int, tracks: Sequence[ParsedTrack], first_index: int = 0
) -> None:
    owner = {"tracklist_id": tracklist_id}
    await insert_tracks(session, TracklistDraftRow, owner, tracks, first_index)


def _hand_made(
    *,
    title: str,
    djs: str | Sequence[str],
    source: str | None,
    date: date | str | None,
    genres: str | Sequence[str],
    tracks: Sequence[ParsedTrack],
) -> ParsedTracklist:
    """A hand-made tracklist's content, checked (DraftError naming the field or the row)."""
    meta = check_meta(title=title, djs=djs, source=source, date=date, genres=genres)
    return ParsedTracklist(
        title=meta.title,
        tracks=check_tracks(tracks),
        djs=meta.djs,
        source=meta.source,
        date=meta.date,
        genres=meta.genres,
    )


async def _new_tracklist(
    session: AsyncSession, content: ParsedTracklist, user_id: int | None, origin: TracklistOrigin
) -> Tracklist:
    """A hand-made or pasted tracklist's row (its id assigned), before its draft or first
    version."""
    tracklist = Tracklist(title=content.title, created_by=user_id, origin=origin.value)
    session.add(tracklist)
    await session.flush()
    return tracklist


async def create_manual(
    sessions: Sessions,
    *,
    title: str,
    djs: str | Sequence[str],
    source: str | None,
    date: date | str | None,
    genres: str | Sequence[str],
    tracks: Sequence[ParsedTrack],
    user_id: int | None,
    origin: TracklistOrigin = TracklistOrigin.HAND,
) -> int:
    """A hand-made tracklist, as a draft (publishing it makes version 1); returns its id."""
    content = _hand_made(
        title=title, djs=djs, source=source, date=date, genres=genres, tracks=tracks
    )
    async with sessions.begin() as session:
        tracklist = await _new_tracklist(session, content, user_id, origin)
        await set_current(session, tracklist, content)
        session.add(_new_draft(tracklist.id, content, None, user_id))
        await session.flush()
        await _insert_rows(session, tracklist.id, content.tracks)
        return tracklist.id


async def create_published(
    sessions: Sessions,
    *,
    title: str,
    djs: str | Sequence[str],
    source: str | None,
    date: date | str | None,
    genres: str | Sequence[str],
    tracks: Sequence[ParsedTrack],
    user_id: int | None,
    origin: TracklistOrigin = TracklistOrigin.HAND,
) -> int:
    """A hand-made tracklist published at once as version 1, in one transaction (nothing is
    stored when anything is refused); returns its id."""
    content = _hand_made(
        title=title, djs=djs, source=source, date=date, genres=genres, tracks=tracks
    )
    if not content.tracks:
        raise DraftError("rows", "no track to publish: a tracklist needs at least one row")
    async with sessions.begin() as session:
        tracklist = await _new_tracklist(session, content, user_id, origin)
        await add_version(
            session,
            tracklist,
            content,
            origin=VersionOrigin.DRAFT,
            summary=FIRST_VERSION,
            html_sha256=None,
            user_id=user_id,
        )
        return tracklist.id


async def start_draft(sessions: Sessions, tracklist_id: int, user_id: int | None) -> Draft:
    """The tracklist's draft: the one being edited, else a new copy of the current version."""
    async with sessions.begin() as session:
        tracklist = await locked_tracklist(session, tracklist_id)
        existing = await _draft(session, tracklist)
        if existing is not None:
            return existing
        current = await version_content(session, tracklist, tracklist.current_version)
        if current is None:
            content = ParsedTracklist(title=tracklist.title, tracks=())
        else:
            content = current.content
        session.add(_new_draft(tracklist.id, content, tracklist.current_version, user_id))
        await session.flush()
        await _insert_rows(session, tracklist.id, content.tracks)
        draft = await _draft(session, tracklist)
        assert draft is not None
        return draft


async def get_draft(sessions: Sessions, tracklist_id: int) -> Draft | None:
    """The tracklist's draft, or None when nobody is editing it."""
    async with sessions() as session:
        tracklist = await session.get(Tracklist, tracklist_id)
        if tracklist is None:
            raise TracklistNotFound(f"no tracklist with id {tracklist_id}")
        return await _draft(session, tracklist)


async def update_draft_meta(
    sessions: Sessions,
    tracklist_id: int,
    *,
    title: str,
    djs: str | Sequence[str],
    source: str | None,
    date: date | str | None,
    genres: str | Sequence[str],
) -> None:
    """Change the draft's title, DJs (a list or "A, B"), source, date ("YYYY-MM-DD") and genres."""
    meta = check_meta(title=title, djs=djs, source=source, date=date, genres=genres)
    async with sessions.begin() as session:
        tracklist, draft, records = await _locked_draft(session, tracklist_id)
        # Pages stay linked to the names still there; a new name has no page.
        changed = replace(
            stored_content(tracklist, draft, ()),
            title=meta.title,
            djs=meta.djs,
            source=meta.source,
            date=meta.date,
            genres=meta.genres,
            dj_links=tuple(link for link in links_of(draft.links, "djs") if link.name in meta.djs),
            source_links=tuple(
                link for link in links_of(draft.links, "sources") if link.name == meta.source
            ),
        )
        for name, value in meta_columns(changed).items():
            setattr(draft, name, value)
        draft.updated_at = func.now()
        await session.flush()
        if tracklist.current_version is None:  # the list shows a never-published draft's metadata
            content = stored_content(tracklist, draft, [track_of(r) for r in records])
            await set_current(session, tracklist, content)


async def add_draft_row(
    sessions: Sessions, tracklist_id: int, track: ParsedTrack, *, at: int | None = None
) -> TrackRow:
    """Add a row at index `at` (default: at the end)."""
    checked = check_track(track)
    async with sessions.begin() as session:
        _, draft, records = await _locked_draft(session, tracklist_id)
        index = len(records) if at is None else min(max(at, 0), len(records))
        record = TracklistDraftRow(tracklist_id=tracklist_id, **row_columns(checked, index))
        session.add(record)
        records.insert(index, record)
        # A number the DJ typed is kept (even a repeated one: row_warnings flags it).
        if checked.position is None and is_main_track(checked):
            number_in_order(records)
        await _save_order(session, draft, records)
        return _row_of(records, record)


async def update_draft_row(
    sessions: Sessions, tracklist_id: int, row_id: int, track: ParsedTrack
) -> TrackRow:
    """Replace the fields of one draft row."""
    checked = check_track(track)
    async with sessions.begin() as session:
        _, draft, records = await _locked_draft(session, tracklist_id)
        record = _find_row(records, tracklist_id, row_id)
        for name in TRACK_FIELDS:
            setattr(record, name, getattr(checked, name))
        await _save_order(session, draft, records)
        return _row_of(records, record)


async def move_draft_row(sessions: Sessions, tracklist_id: int, row_id: int, to_index: int) -> None:
    """Move one draft row to index `to_index` (clamped to the list)."""
    async with sessions.begin() as session:
        _, draft, records = await _locked_draft(session, tracklist_id)
        record = _find_row(records, tracklist_id, row_id)
        records.remove(record)
        records.insert(min(max(to_index, 0), len(records)), record)
        number_in_order(records)
        await _save_order(session, draft, records)


async def delete_draft_row(sessions: Sessions, tracklist_id: int, row_id: int) -> None:
    """Delete one draft row; the rows after it move up."""
    async with sessions.begin() as session:
        _, draft, records = await _locked_draft(session, tracklist_id)
        record = _find_row(records, tracklist_id, row_id)
        records.remove(record)
        await session.delete(record)
        number_in_order(records)
        await _save_order(session, draft, records)


async def replace_draft_rows(
    sessions: Sessions, tracklist_id: int, tracks: Sequence[ParsedTrack], *, append: bool = False
) -> None:
    """Pasted rows: they replace the draft's rows, or follow them with `append` (numbered on from
    the last number above them)."""
    async with sessions.begin() as session:
        tracklist, draft, records = await _locked_draft(session, tracklist_id)
        if not records and tracklist.current_version is None:
            # A new tracklist's first rows came as text: it was pasted, not typed.
            tracklist.origin = TracklistOrigin.PASTE.value
        first = len(records) if append else 0
        checked = check_tracks(tracks, first_row=first + 1)
        if append:
            last = max((r.position for r in records if r.position is not None), default=0)
            checked = tuple(numbered_after(checked, last))
        else:
            await session.execute(
                delete(TracklistDraftRow).where(TracklistDraftRow.tracklist_id == tracklist_id)
            )
        await _insert_rows(session, tracklist_id, checked, first)
        draft.updated_at = func.now()


async def publish_draft(sessions: Sessions, tracklist_id: int, user_id: int | None) -> int:
    """Make the draft the tracklist's next version and drop it; returns the new version number."""
    async with sessions.begin() as session:
        tracklist, draft, records = await _locked_draft(session, tracklist_id)
        if not records:
            raise DraftError("rows", "the draft has no rows: add or paste at least one")
        content = stored_content(tracklist, draft, [track_of(r) for r in records])
        current = await version_content(session, tracklist, tracklist.current_version)
        if current is not None and same_content(current.content, content):
            raise DraftError("draft", f"nothing changed since version {current.record.number}")
        summary = (
            FIRST_VERSION if current is None else diff_tracklists(current.content, content).summary
        )
        number = await add_version(
            session,
            tracklist,
            content,
            origin=VersionOrigin.DRAFT,
            summary=summary,
            html_sha256=None,
            user_id=user_id,
        )
        await session.delete(draft)
        return number


async def discard_draft(sessions: Sessions, tracklist_id: int) -> bool:
    """Drop the draft; a tracklist never published goes with it (returns True then)."""
    async with sessions.begin() as session:
        tracklist, draft, _ = await _locked_draft(session, tracklist_id)
        if tracklist.current_version is None:
            await session.delete(tracklist)
            return True
        await session.delete(draft)
        return False
