"""Each user's want-list: the library tracks they mean to own, from "heard it" to "in my crate".

Status moves (`may_move`):
- forward along wanted → found → purchased → in_library, skipping steps (buying a track at once
  is normal: wanted → purchased);
- one step back, to undo a mistake (purchased → found, found → wanted);
- any status but in_library → unavailable (a track you own is not unavailable), and
  unavailable → wanted when it comes back.
- unavailable → in_library too: a track you found a file of after all is yours.
Anything else is refused naming the two statuses. At most WANT_LIST_MAX items per user.

When a collection file is linked to a wanted track, the item moves to in_library by itself
(`own_wanted_in`), from every status: each may move there (a removed item is no longer on the
list, so nothing moves it back).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, TypeVar

from sqlalchemy import Select, delete, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from domain.db import Sessions
from domain.library.facts import TrackFacts
from domain.library.purchase import PurchaseLink, purchase_links
from domain.library.store import track_facts
from domain.models import (
    Discovery,
    DiscoveryState,
    LibraryTrack,
    Tracklist,
    User,
    WantItem,
    WantStatus,
)
from domain.paging import Page, offset, page_within
from domain.plays.stats import csv_cell
from domain.tracklists.model import ParsedTrack, format_cue
from domain.tracklists.store import TracklistNotFound
from domain.tracklists.text_format import format_line
from domain.validation import InputError, Refusals, parse_date

T = TypeVar("T")

WANT_LIST_MAX = 10_000
NOTES_MAX = 2_000
PRIORITY_DEFAULT = 3
_CHAIN = (WantStatus.WANTED, WantStatus.FOUND, WantStatus.PURCHASED, WantStatus.IN_LIBRARY)
_SHOWN_MAX = 40


class WantNotFound(LookupError):
    """No want-list item with that id on this user's list; the message names it."""

    def __init__(self, want_id: int) -> None:
        super().__init__(f"no item {want_id} on your want-list")


# --- input rules -------------------------------------------------------------------------------


def parse_priority(field: str, raw: int | str | None) -> int:
    """A priority from 1 (most wanted) to 5; absent or blank: 3."""
    text = str(raw).strip() if raw is not None else ""
    if not text:
        return PRIORITY_DEFAULT
    if text in {"1", "2", "3", "4", "5"}:
        return int(text)
    raise InputError(field, f"{field} is {text[:_SHOWN_MAX]!r}: use a whole number from 1 to 5")


def parse_status(field: str, raw: str | None) -> WantStatus:
    """One of the want-list statuses, e.g. `purchased`."""
    text = (raw or "").strip().lower().replace(" ", "_")
    try:
        return WantStatus(text)
    except ValueError:
        listed = ", ".join(status.value for status in WantStatus)
        shown = (raw or "")[:_SHOWN_MAX]
        raise InputError(field, f"{field} is {shown!r}: use one of {listed}") from None


def parse_notes(field: str, raw: str | None) -> str:
    """Free text up to NOTES_MAX characters (no NUL byte: PostgreSQL cannot store one)."""
    text = (raw or "").strip()
    if "\x00" in text:
        raise InputError(field, f"{field} contains a NUL byte")
    if len(text) > NOTES_MAX:
        raise InputError(field, f"{field} is {len(text)} characters long: at most {NOTES_MAX}")
    return text


def may_move(old: WantStatus, new: WantStatus) -> bool:
    """Whether an item may go from `old` to `new` (the module docstring says why)."""
    if old is new:
        return True
    if new is WantStatus.UNAVAILABLE:
        return old is not WantStatus.IN_LIBRARY
    if old is WantStatus.UNAVAILABLE:
        return new in (WantStatus.WANTED, WantStatus.IN_LIBRARY)
    before, after = _CHAIN.index(old), _CHAIN.index(new)
    return after > before or after == before - 1


def _check_move(old: WantStatus, new: WantStatus) -> None:
    if not may_move(old, new):
        raise InputError(
            "status",
            f"status cannot go from {old.value} to {new.value}: forward along wanted → found →"
            " purchased → in_library, one step back, or to unavailable (not once in_library)",
        )


# --- what a list shows -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WantSource:
    """Where a wanted track was heard: a tracklist's version, row and cue."""

    tracklist_id: int
    version: int | None = None
    position: int | None = None
    cue_seconds: int | None = None


@dataclass(frozen=True, slots=True)
class WantEntry:
    """One want-list item with its track, as the pages, the API and the exports show it."""

    id: int
    library_track_id: int
    facts: TrackFacts
    discogs_release: str | None
    status: WantStatus
    priority: int
    notes: str
    added_at: datetime
    status_changed_at: datetime
    source: WantSource | None
    source_title: str | None  # the tracklist's title
    collection_file_id: int | None = None  # the file that made it in_library

    @property
    def heard(self) -> str:
        """ "heard in X at 1:04:10" ("" when it was added by hand)."""
        if self.source is None or self.source_title is None:
            return ""
        cue = self.source.cue_seconds
        return f"heard in {self.source_title}" + (
            f" at {format_cue(cue)}" if cue is not None else ""
        )

    @property
    def links(self) -> list[PurchaseLink]:
        return purchase_links(self.facts, self.discogs_release)

    def to_json(self) -> dict[str, Any]:
        """The stable shape the JSON export and the API give."""
        source = self.source
        return {
            "id": self.id,
            "library_track_id": self.library_track_id,
            "artist": self.facts.artists,
            "title": self.facts.title_base,
            "version": self.facts.version.text,
            "label": self.facts.label,
            "status": self.status.value,
            "priority": self.priority,
            "notes": self.notes,
            "added_at": self.added_at.astimezone(UTC).isoformat(),
            "status_changed_at": self.status_changed_at.astimezone(UTC).isoformat(),
            "source": None
            if source is None
            else {
                "tracklist_id": source.tracklist_id,
                "tracklist_title": self.source_title,
                "version": source.version,
                "position": source.position,
                "cue_seconds": source.cue_seconds,
            },
            "purchase_links": [{"shop": link.shop, "url": link.url} for link in self.links],
            "collection_file_id": self.collection_file_id,
        }


_COLUMNS = (WantItem, LibraryTrack, Tracklist.title)


def _entry(item: WantItem, track: LibraryTrack, source_title: str | None) -> WantEntry:
    source = None
    if item.source_tracklist_id is not None:
        source = WantSource(
            item.source_tracklist_id,
            item.source_version,
            item.source_position,
            item.source_cue_seconds,
        )
    return WantEntry(
        id=item.id,
        library_track_id=item.library_track_id,
        facts=track_facts(track),
        discogs_release=track.external_ids.get("discogs_release"),
        status=WantStatus(item.status),
        priority=item.priority,
        notes=item.notes,
        added_at=item.added_at,
        status_changed_at=item.status_changed_at,
        source=source,
        source_title=source_title,
        collection_file_id=item.collection_file_id,
    )


def _listing(user_id: int) -> Select[*tuple[Any, ...]]:
    return (
        select(*_COLUMNS)
        .join(LibraryTrack, LibraryTrack.id == WantItem.library_track_id)
        .outerjoin(Tracklist, Tracklist.id == WantItem.source_tracklist_id)
        .where(WantItem.user_id == user_id)
    )


# --- adding ----------------------------------------------------------------------------------


async def _lock_user(session: AsyncSession, user_id: int) -> int:
    """Lock the user (adds of one user take turns, so the limit holds) and count their list."""
    await session.execute(select(User.id).where(User.id == user_id).with_for_update())
    count = await session.scalar(
        select(func.count()).select_from(WantItem).where(WantItem.user_id == user_id)
    )
    return count or 0


def _full() -> InputError:
    return InputError(
        "library_track_id",
        f"your want-list holds {WANT_LIST_MAX:,} tracks, the most it can:"
        " remove some (e.g. those in_library) before adding more",
    )


async def add_want(
    sessions: Sessions,
    user_id: int,
    library_track_id: int,
    *,
    priority: int | str | None = None,
    notes: str | None = None,
    source: WantSource | None = None,
) -> int:
    """Put a library track on the user's want-list; refused (InputError) when the track is
    unknown, already there, or the list is full."""
    chosen = parse_priority("priority", priority)
    text = parse_notes("notes", notes)
    async with sessions.begin() as session:
        track = await session.get(LibraryTrack, library_track_id)
        if track is None:
            raise InputError("library_track_id", f"there is no library track {library_track_id}")
        if await _lock_user(session, user_id) >= WANT_LIST_MAX:
            raise _full()
        added = await session.scalar(
            insert(WantItem)
            .values(_new_item(user_id, library_track_id, chosen, text, source))
            .on_conflict_do_nothing(index_elements=["user_id", "library_track_id"])
            .returning(WantItem.id)
        )
        if added is None:
            raise InputError(
                "library_track_id",
                f"{track.artists} - {track.title} is already on your want-list",
            )
        return int(added)


def _new_item(
    user_id: int, track_id: int, priority: int, notes: str, source: WantSource | None
) -> dict[str, Any]:
    values: dict[str, Any] = {
        "user_id": user_id,
        "library_track_id": track_id,
        "priority": priority,
        "notes": notes,
    }
    if source is not None:
        values |= {
            "source_tracklist_id": source.tracklist_id,
            "source_version": source.version,
            "source_position": source.position,
            "source_cue_seconds": source.cue_seconds,
        }
    return values


async def add_identified(sessions: Sessions, user_id: int, tracklist_id: int) -> int:
    """Add every identified (matched) track of a tracklist's current version that is not on the
    user's list yet, each with where it was heard; how many were added. Refused when they would
    not all fit; TracklistNotFound without the tracklist."""
    async with sessions.begin() as session:
        if await session.get(Tracklist, tracklist_id) is None:
            raise TracklistNotFound(f"no tracklist with id {tracklist_id}")
        count = await _lock_user(session, user_id)
        wanted = select(WantItem.library_track_id).where(WantItem.user_id == user_id)
        rows = (
            await session.execute(
                select(
                    Discovery.library_track_id,
                    Discovery.version_number,
                    Discovery.position,
                    Discovery.cue_seconds,
                )
                .join(Tracklist, Tracklist.id == Discovery.tracklist_id)
                .where(
                    Discovery.tracklist_id == tracklist_id,
                    Discovery.version_number == Tracklist.current_version,
                    Discovery.state == DiscoveryState.MATCHED.value,
                    Discovery.library_track_id.is_not(None),
                    Discovery.library_track_id.not_in(wanted),
                )
                .order_by(Discovery.row_index)
            )
        ).all()
        first_heard: dict[int, WantSource] = {}
        for track_id, version, position, cue in rows:
            if track_id is not None:
                first_heard.setdefault(track_id, WantSource(tracklist_id, version, position, cue))
        if count + len(first_heard) > WANT_LIST_MAX:
            raise _full()
        for track_id, source in first_heard.items():
            await session.execute(
                insert(WantItem)
                .values(_new_item(user_id, track_id, PRIORITY_DEFAULT, "", source))
                .on_conflict_do_nothing(index_elements=["user_id", "library_track_id"])
            )
        return len(first_heard)


async def add_tracks(
    sessions: Sessions, user_id: int, track_ids: Sequence[int], *, notes: str = ""
) -> tuple[int, int]:
    """Put these library tracks on the user's want-list with the same notes (e.g. the Discogs
    want they came from); those already there are left as they were. (added, already there);
    refused (nothing added) when the new ones would not all fit."""
    text = parse_notes("notes", notes)
    chosen = list(dict.fromkeys(track_ids))
    async with sessions.begin() as session:
        count = await _lock_user(session, user_id)
        present = set(
            await session.scalars(
                select(WantItem.library_track_id).where(
                    WantItem.user_id == user_id, WantItem.library_track_id.in_(chosen)
                )
            )
        )
        new = [track_id for track_id in chosen if track_id not in present]
        if count + len(new) > WANT_LIST_MAX:
            raise _full()
        if new:
            await session.execute(
                insert(WantItem)
                .values([_new_item(user_id, i, PRIORITY_DEFAULT, text, None) for i in new])
                .on_conflict_do_nothing(index_elements=["user_id", "library_track_id"])
            )
        return len(new), len(present)


# --- changing --------------------------------------------------------------------------------


async def update_want(
    sessions: Sessions,
    user_id: int,
    want_id: int,
    *,
    status: str | None = None,
    priority: int | str | None = None,
    notes: str | None = None,
) -> WantEntry:
    """Change an item's status, priority or notes (None: unchanged); WantNotFound when it is
    not on this user's list, InputError for a value or a status move that is refused."""
    new_status = parse_status("status", status) if status is not None else None
    new_priority = parse_priority("priority", priority) if priority is not None else None
    new_notes = parse_notes("notes", notes) if notes is not None else None
    async with sessions.begin() as session:
        found = (
            await session.execute(
                _listing(user_id).where(WantItem.id == want_id).with_for_update(of=WantItem)
            )
        ).one_or_none()
        if found is None:
            raise WantNotFound(want_id)
        item, track, source_title = found
        if new_status is not None and new_status.value != item.status:
            _check_move(WantStatus(item.status), new_status)
            item.status = new_status.value
            item.status_changed_at = datetime.now(UTC)
        if new_priority is not None:
            item.priority = new_priority
        if new_notes is not None:
            item.notes = new_notes
        return _entry(item, track, source_title)


async def bulk_update(
    sessions: Sessions,
    user_id: int,
    ids: Sequence[int],
    *,
    status: str | None = None,
    priority: int | str | None = None,
) -> int:
    """Set the status and/or priority of the chosen items at once; how many changed. When one
    of them may not take the new status, none is changed and the refusal says how many."""
    new_status = parse_status("status", status) if status is not None else None
    new_priority = parse_priority("priority", priority) if priority is not None else None
    async with sessions.begin() as session:
        items = list(
            (
                await session.scalars(
                    select(WantItem)
                    .where(WantItem.user_id == user_id, WantItem.id.in_(list(ids)))
                    .with_for_update()
                )
            ).all()
        )
        if new_status is not None:
            _check_bulk_move(items, new_status)
        for item in items:
            if new_status is not None and item.status != new_status.value:
                item.status = new_status.value
                item.status_changed_at = datetime.now(UTC)
            if new_priority is not None:
                item.priority = new_priority
        return len(items)


def _check_bulk_move(items: Sequence[WantItem], new: WantStatus) -> None:
    stuck = [item for item in items if not may_move(WantStatus(item.status), new)]
    if stuck:
        olds = ", ".join(sorted({item.status for item in stuck}))
        raise InputError(
            "status",
            f"{len(stuck)} of the {len(items)} chosen items cannot go to {new.value}"
            f" (they are {olds}); nothing was changed",
        )


async def remove_wants(sessions: Sessions, user_id: int, ids: Sequence[int]) -> int:
    """Take the chosen items off the user's list; how many were there."""
    async with sessions.begin() as session:
        removed = await session.execute(
            delete(WantItem)
            .where(WantItem.user_id == user_id, WantItem.id.in_(list(ids)))
            .returning(WantItem.id)
        )
        return len(removed.all())


async def own_wanted_in(session: AsyncSession, track_id: int, file_id: int) -> int:
    """A collection file of this track was linked: every user's item of it moves to in_library
    (dated) with the file named; one already in_library only gains the file (its date stays).
    How many items moved."""
    movable = [s for s in WantStatus if s is not WantStatus.IN_LIBRARY]
    assert all(may_move(status, WantStatus.IN_LIBRARY) for status in movable)
    moved = await session.execute(
        update(WantItem)
        .where(
            WantItem.library_track_id == track_id,
            WantItem.status.in_([status.value for status in movable]),
        )
        .values(
            status=WantStatus.IN_LIBRARY.value,
            status_changed_at=func.now(),
            collection_file_id=file_id,
        )
        .returning(WantItem.id)
    )
    await session.execute(
        update(WantItem)
        .where(
            WantItem.library_track_id == track_id,
            WantItem.status == WantStatus.IN_LIBRARY.value,
            WantItem.collection_file_id.is_(None),
        )
        .values(collection_file_id=file_id)
    )
    return len(moved.all())


# --- reading ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WantFilter:
    status: WantStatus | None = None
    priority: int | None = None
    added_after: date | None = None  # added on or after this day (UTC)

    def apply(self, query: Select[Any]) -> Select[Any]:
        if self.status is not None:
            query = query.where(WantItem.status == self.status.value)
        if self.priority is not None:
            query = query.where(WantItem.priority == self.priority)
        if self.added_after is not None:
            start = datetime.combine(self.added_after, datetime.min.time(), tzinfo=UTC)
            query = query.where(WantItem.added_at >= start)
        return query


def want_filter(
    status: str | None = None, priority: str | None = None, added_after: str | None = None
) -> WantFilter:
    """The filters as typed (the page's URL, the API's query, the CLI's options); blank or None
    is not filtered. Every refused value is named at once (InputErrors when several are)."""
    refusals = Refusals()
    chosen = refusals.check(_unless_blank, parse_status, "status", status)
    level = refusals.check(_unless_blank, parse_priority, "priority", priority)
    after = refusals.check(parse_date, "added_after", added_after)
    refusals.raise_any()
    return WantFilter(status=chosen, priority=level, added_after=after)


def _unless_blank(rule: Callable[[str, str], T], field: str, raw: str | None) -> T | None:
    return rule(field, raw) if raw is not None and raw.strip() else None


_NEWEST = (WantItem.added_at.desc(), WantItem.id.desc())


async def list_wants(
    sessions: Sessions,
    user_id: int,
    where: WantFilter = WantFilter(),
    page: int = 1,
    per_page: int = 50,
) -> Page[WantEntry]:
    """One page of the user's want-list, newest first (a page past the end: the last one)."""
    async with sessions() as session:
        counted = select(func.count()).select_from(WantItem).where(WantItem.user_id == user_id)
        total = await session.scalar(where.apply(counted)) or 0
        page = page_within(page, total, per_page)
        listing = (
            where.apply(_listing(user_id))
            .order_by(*_NEWEST)
            .limit(per_page)
            .offset(offset(page, per_page))
        )
        entries = [_entry(*row) for row in (await session.execute(listing)).all()]
    return Page(entries, total, page, per_page)


async def get_want(sessions: Sessions, user_id: int, want_id: int) -> WantEntry:
    """One item of the user's list; WantNotFound when it is not theirs or not there."""
    async with sessions() as session:
        found = (
            await session.execute(_listing(user_id).where(WantItem.id == want_id))
        ).one_or_none()
    if found is None:
        raise WantNotFound(want_id)
    return _entry(*found)


async def all_wants(
    sessions: Sessions, user_id: int, where: WantFilter = WantFilter()
) -> list[WantEntry]:
    """The whole filtered list, newest first, for an export (at most WANT_LIST_MAX items)."""
    async with sessions() as session:
        rows = await session.execute(where.apply(_listing(user_id)).order_by(*_NEWEST))
        return [_entry(*row) for row in rows.all()]


# --- exports ---------------------------------------------------------------------------------

EXPORT_FORMATS = {"csv": "text/csv", "json": "application/json", "txt": "text/plain"}
CSV_COLUMNS = (
    "id", "artist", "title", "version", "label", "status", "priority", "notes",
    "added_at", "status_changed_at", "heard", "library_track_id",
)  # fmt: skip


def export_format(raw: str | None) -> str:
    """An export's format: csv, json or txt (absent: csv)."""
    text = (raw or "csv").strip().lower()
    if text not in EXPORT_FORMATS:
        shown = (raw or "")[:_SHOWN_MAX]
        raise InputError("format", f"format is {shown!r}: use csv, json or txt")
    return text


def export_wants(entries: Sequence[WantEntry], fmt: str) -> str:
    """The entries in one of EXPORT_FORMATS."""
    writers = {"csv": wants_csv, "json": wants_json, "txt": wants_txt}
    return writers[export_format(fmt)](entries)


def wants_csv(entries: Sequence[WantEntry]) -> str:
    """A spreadsheet's CSV, every cell guarded like the Plays export: a title starting with `=`
    is shown as text, never run as a formula."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for entry in entries:
        cells = (
            entry.id, entry.facts.artists, entry.facts.title_base, entry.facts.version.text,
            entry.facts.label, entry.status.value, entry.priority, entry.notes,
            entry.added_at, entry.status_changed_at, entry.heard, entry.library_track_id,
        )  # fmt: skip
        writer.writerow([csv_cell(cell) for cell in cells])
    return buffer.getvalue()


def wants_json(entries: Sequence[WantEntry]) -> str:
    return json.dumps([entry.to_json() for entry in entries], ensure_ascii=False, indent=2) + "\n"


def wants_txt(entries: Sequence[WantEntry]) -> str:
    """One `Artist - Title (Version) [Label]` a line, in the tracklist paste format (so the list
    can be pasted as a tracklist and read back)."""
    lines = []
    for entry in entries:
        facts = entry.facts
        row = ParsedTrack(
            position=None,
            artist=facts.artists,
            title=facts.title_base,
            remix=facts.version.text or None,
            label=facts.label,
        )
        lines.append(format_line(row) + "\n")
    return "".join(lines)
