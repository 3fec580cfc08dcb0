"""Tracklists in the database, read: the list and its search, one tracklist at a version, a diff.

A tracklist's content lives in versions (history is kept: a version's rows are never changed)
and, while a DJ edits it, in its one draft (domain/tracklists/drafts.py). The `tracklists` row
carries the current metadata (the latest version's; the draft's while it was never published) for
the list and its search, with its DJs and sources linked in order. versions.py writes versions;
content.py reads and writes the content that versions and drafts share.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, exists, func, select
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.ext.asyncio import AsyncSession

from domain.db import Sessions
from domain.models import (
    Dj,
    Source,
    Tracklist,
    TracklistDj,
    TracklistDraft,
    TracklistDraftRow,
    TracklistSource,
    TracklistTrack,
    TracklistVersion,
    User,
)
from domain.paging import Page, offset, page_within
from domain.search import search_query
from domain.tracklists.content import TrackRow, draft_content, version_content
from domain.tracklists.diff import VersionDiff, diff_tracklists
from domain.tracklists.model import ParsedTracklist, is_main_track
from domain.validation import ID_MAX, VERSION_MAX

PER_PAGE_MAX = 200


class TracklistNotFound(LookupError):
    """No tracklist (or no such version, or no draft) with that id."""


@dataclass(frozen=True, slots=True)
class TracklistSummary:
    id: int
    title: str
    djs: tuple[str, ...]
    source: str | None
    date: date | None
    genres: tuple[str, ...]
    # Main tracks of the current version (of the draft while never published): "w/" rows and
    # mashup parts are not counted, as the site does not count them.
    track_count: int
    version: int | None  # None: never published
    url: str | None
    source_id: str | None
    checked_at: datetime | None
    updated_at: datetime
    has_draft: bool


@dataclass(frozen=True, slots=True)
class VersionInfo:
    number: int
    created_at: datetime
    origin: str  # "import" | "draft"
    summary: str  # "first import", "3 rows changed, 1 added"
    html_sha256: str | None
    created_by: str | None  # username


@dataclass(frozen=True, slots=True)
class TracklistDetail:
    summary: TracklistSummary
    version: VersionInfo | None  # None: never published (content is then the draft's)
    content: ParsedTracklist
    rows: tuple[TrackRow, ...]
    versions: tuple[VersionInfo, ...]  # newest first

    @property
    def main_track_count(self) -> int:
        """The rows of this version that are tracks of their own (see is_main_track)."""
        return sum(1 for row in self.rows if is_main_track(row.track))


@dataclass(frozen=True, slots=True)
class TracklistFilter:
    text: str = ""
    dj: str = ""
    genre: str = ""
    date_from: date | None = None
    date_to: date | None = None


# --- finding one ----------------------------------------------------------------------------------


async def find_tracklist(
    sessions: Sessions, *, source_id: str | None = None, url: str | None = None
) -> int | None:
    """The id of the tracklist with this site id (or, failing that, this page URL)."""
    async with sessions() as session:
        return await _find(session, source_id, url)


async def _find(session: AsyncSession, source_id: str | None, url: str | None) -> int | None:
    if source_id:
        found = await session.scalar(select(Tracklist.id).where(Tracklist.source_id == source_id))
        if found is not None:
            return found
    if url:
        return await session.scalar(
            select(Tracklist.id).where(Tracklist.url == url).order_by(Tracklist.id).limit(1)
        )
    return None


# --- the list -------------------------------------------------------------------------------------


def _summaries() -> Select[Any]:
    dj_names = (
        select(func.array_agg(aggregate_order_by(Dj.name, TracklistDj.position)))
        .select_from(TracklistDj)
        .join(Dj, Dj.id == TracklistDj.dj_id)
        .where(TracklistDj.tracklist_id == Tracklist.id)
        .scalar_subquery()
    )
    main_source = (
        select(Source.name)
        .join(TracklistSource, TracklistSource.source_id == Source.id)
        .where(TracklistSource.tracklist_id == Tracklist.id)
        .order_by(TracklistSource.position)
        .limit(1)
        .scalar_subquery()
    )
    # Main tracks only (as is_main_track): "w/" rows and mashup parts are not counted.
    version_tracks = (
        select(func.count())
        .select_from(TracklistTrack)
        .join(TracklistVersion, TracklistVersion.id == TracklistTrack.version_id)
        .where(
            TracklistVersion.tracklist_id == Tracklist.id,
            TracklistVersion.number == Tracklist.current_version,
            TracklistTrack.with_previous.is_(False),
            TracklistTrack.mashup.is_(False),
        )
        .scalar_subquery()
    )
    draft_tracks = (
        select(func.count())
        .select_from(TracklistDraftRow)
        .where(
            TracklistDraftRow.tracklist_id == Tracklist.id,
            TracklistDraftRow.with_previous.is_(False),
            TracklistDraftRow.mashup.is_(False),
        )
        .scalar_subquery()
    )
    has_draft = exists().where(TracklistDraft.tracklist_id == Tracklist.id)
    return select(
        Tracklist,
        dj_names.label("dj_names"),
        main_source.label("main_source"),
        version_tracks.label("version_tracks"),
        draft_tracks.label("draft_tracks"),
        has_draft.label("has_draft"),
    )


def _summary(row: Any) -> TracklistSummary:
    tracklist: Tracklist = row[0]
    never_published = tracklist.current_version is None
    return TracklistSummary(
        id=tracklist.id,
        title=tracklist.title,
        djs=tuple(row.dj_names or ()),
        source=row.main_source,
        date=tracklist.set_date,
        genres=tuple(tracklist.genres),
        track_count=row.draft_tracks if never_published else row.version_tracks,
        version=tracklist.current_version,
        url=tracklist.url,
        source_id=tracklist.source_id,
        checked_at=tracklist.checked_at,
        updated_at=tracklist.updated_at,
        has_draft=bool(row.has_draft),
    )


def _filtered(query: Select[Any], where: TracklistFilter) -> Select[Any]:
    terms = search_query(where.text)
    if terms:
        query = query.where(Tracklist.search_vector.bool_op("@@")(func.to_tsquery("simple", terms)))
    if where.dj.strip():
        query = query.where(
            exists()
            .where(TracklistDj.tracklist_id == Tracklist.id)
            .where(Dj.id == TracklistDj.dj_id)
            .where(func.lower(Dj.name) == where.dj.strip().lower())
        )
    if where.genre.strip():
        genre = func.unnest(Tracklist.genres).table_valued("name").render_derived()
        query = query.where(
            exists()
            .select_from(genre)
            .where(func.lower(genre.c.name) == where.genre.strip().lower())
        )
    if where.date_from is not None:
        query = query.where(Tracklist.set_date >= where.date_from)
    if where.date_to is not None:
        query = query.where(Tracklist.set_date <= where.date_to)
    return query


async def search_tracklists(
    sessions: Sessions, where: TracklistFilter, page: int = 1, per_page: int = 25
) -> Page[TracklistSummary]:
    """One page of the stored tracklists matching `where`, newest set date first (a page past
    the end is the last one)."""
    per_page = min(max(1, per_page), PER_PAGE_MAX)
    async with sessions() as session:
        count = _filtered(select(func.count()).select_from(Tracklist), where)
        total = await session.scalar(count) or 0
        page = page_within(page, total, per_page)
        rows = await session.execute(
            _filtered(_summaries(), where)
            .order_by(Tracklist.set_date.desc().nulls_last(), Tracklist.id.desc())
            .limit(per_page)
            .offset(offset(page, per_page))
        )
        items = tuple(_summary(row) for row in rows)
    return Page(items, total, page, per_page)


async def filter_choices(sessions: Sessions) -> tuple[list[str], list[str]]:
    """The DJs and the genres of the stored tracklists, for the list's filters."""
    async with sessions() as session:
        djs = await session.scalars(
            select(Dj.name)
            .where(exists().where(TracklistDj.dj_id == Dj.id))
            .distinct()
            .order_by(Dj.name)
        )
        genre = func.unnest(Tracklist.genres).label("genre")
        genres = await session.scalars(select(genre).distinct().order_by(genre))
        return list(djs), [str(name) for name in genres]


# --- one tracklist --------------------------------------------------------------------------------


def _version_info(version: TracklistVersion, username: str | None) -> VersionInfo:
    return VersionInfo(
        number=version.number,
        created_at=version.created_at,
        origin=version.origin,
        summary=version.summary,
        html_sha256=version.html_sha256,
        created_by=username,
    )


async def _versions(session: AsyncSession, tracklist_id: int) -> list[VersionInfo]:
    rows = await session.execute(
        select(TracklistVersion, User.username)
        .outerjoin(User, User.id == TracklistVersion.created_by)
        .where(TracklistVersion.tracklist_id == tracklist_id)
        .order_by(TracklistVersion.number.desc())
    )
    return [_version_info(version, username) for version, username in rows]


async def get_tracklist(
    sessions: Sessions, tracklist_id: int, version: int | None = None
) -> TracklistDetail:
    """A tracklist at `version` (default: the current one; the draft's content while it was never
    published)."""
    # Past the columns' range a number names nothing, and PostgreSQL would refuse the comparison.
    if not 1 <= tracklist_id <= ID_MAX:
        raise TracklistNotFound(f"no tracklist with id {tracklist_id}")
    if version is not None and not 1 <= version <= VERSION_MAX:
        raise TracklistNotFound(f"tracklist {tracklist_id} has no version {version}")
    async with sessions() as session:
        row = (await session.execute(_summaries().where(Tracklist.id == tracklist_id))).first()
        if row is None:
            raise TracklistNotFound(f"no tracklist with id {tracklist_id}")
        summary, tracklist = _summary(row), row[0]
        versions = await _versions(session, tracklist_id)
        number = version if version is not None else tracklist.current_version
        if number is None:
            draft = await draft_content(session, tracklist)
            if draft is None:
                content = ParsedTracklist(title=tracklist.title, tracks=())
                return TracklistDetail(summary, None, content, (), ())
            return TracklistDetail(summary, None, draft.content, draft.rows, ())
        found = await version_content(session, tracklist, number)
        if found is None:
            raise TracklistNotFound(f"tracklist {tracklist_id} has no version {number}")
        info = next(v for v in versions if v.number == found.record.number)
        return TracklistDetail(summary, info, found.content, found.rows, tuple(versions))


async def version_diff(sessions: Sessions, tracklist_id: int, number: int) -> VersionDiff:
    """What version `number` changed from the version before it (version 1: all rows added)."""
    async with sessions() as session:
        tracklist = await session.get(Tracklist, tracklist_id)
        if tracklist is None:
            raise TracklistNotFound(f"no tracklist with id {tracklist_id}")
        new = await version_content(session, tracklist, number)
        if new is None:
            raise TracklistNotFound(f"tracklist {tracklist_id} has no version {number}")
        old = await version_content(session, tracklist, number - 1) if number > 1 else None
        return diff_tracklists(
            old.content if old else None,
            new.content,
            old_number=old.record.number if old else None,
            new_number=number,
        )
