"""Tracklists in the database: imports stored as versions, the list and its search, one
tracklist at a version, and the reading and writing of stored content that drafts.py shares.

A tracklist's content lives in versions (history is kept: a version's rows are never changed)
and, while a DJ edits it, in its one draft (domain/tracklists/drafts.py). The `tracklists` row
carries the current metadata (the latest version's; the draft's while it was never published) for
the list and its search, with its DJs and sources linked in order.

Choices: an unchanged re-import only sets `checked_at` (and the hash of the page just fetched in
`checked_sha256`); each version keeps the HTML hash of the page it was made from. "Unchanged"
means equal to the current version or to the last imported one, so re-importing a page a DJ has
since corrected by hand keeps the corrections; a page that really changed makes a new version.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import Select, delete, exists, func, select, update
from sqlalchemy.dialects.postgresql import aggregate_order_by, insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import aliased

from domain.loops.mapper import search_query
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
    VersionOrigin,
)
from domain.paging import Page, offset, page_within
from domain.tracklists.diff import VersionDiff, diff_tracklists
from domain.tracklists.model import TRACK_FIELDS, Link, ParsedTrack, ParsedTracklist, row_warnings

Sessions = async_sessionmaker[AsyncSession]

FIRST_IMPORT = "first import"
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
class TrackRow:
    id: int  # the row's id in its version or draft
    index: int  # 0-based place in the list
    track: ParsedTrack
    warnings: tuple[str, ...]


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


def is_main_track(track: ParsedTrack) -> bool:
    """Whether a row is a track of its own ("w/" rows and mashup parts belong to another)."""
    return not (track.with_previous or track.mashup)


@dataclass(frozen=True, slots=True)
class TracklistFilter:
    text: str = ""
    dj: str = ""
    genre: str = ""
    date_from: date | None = None
    date_to: date | None = None


@dataclass(frozen=True, slots=True)
class StoreResult:
    tracklist_id: int
    version: int
    created: bool  # a new tracklist
    changed: bool  # a new version was made (always true when created)
    summary: str = ""  # the version's summary, or "unchanged since version N"


class StoredVersion(NamedTuple):
    """A version as read from the tables: its row, its content and its rows."""

    record: TracklistVersion
    content: ParsedTracklist
    rows: tuple[TrackRow, ...]


class StoredDraft(NamedTuple):
    """A draft as read from the tables: its row, its content and its rows."""

    record: TracklistDraft
    content: ParsedTracklist
    rows: tuple[TrackRow, ...]


# --- rows ----------------------------------------------------------------------------------------


def track_of(record: TracklistTrack | TracklistDraftRow) -> ParsedTrack:
    """The track a stored row (of a version or a draft) holds."""
    return ParsedTrack(**{name: getattr(record, name) for name in TRACK_FIELDS})


def row_columns(track: ParsedTrack, index: int) -> dict[str, Any]:
    """The columns of a stored row holding `track` at `index`."""
    return {"row_index": index, **{name: getattr(track, name) for name in TRACK_FIELDS}}


def track_rows(records: Sequence[TracklistTrack | TracklistDraftRow]) -> tuple[TrackRow, ...]:
    """Stored rows in order, each with the warnings of its place in the list."""
    tracks = [track_of(record) for record in records]
    warnings = row_warnings(tracks)
    return tuple(
        TrackRow(record.id, index, track, warnings[index])
        for index, (record, track) in enumerate(zip(records, tracks, strict=True))
    )


async def insert_tracks(
    session: AsyncSession,
    table: type[TracklistTrack] | type[TracklistDraftRow],
    owner: dict[str, int],
    tracks: Sequence[ParsedTrack],
    first_index: int = 0,
) -> None:
    """Store `tracks` as rows of a version or a draft (`owner`: its id column), the first at
    `first_index`."""
    if tracks:
        await session.execute(
            insert(table),
            [
                {**owner, **row_columns(track, first_index + offset)}
                for offset, track in enumerate(tracks)
            ],
        )


# --- metadata and links --------------------------------------------------------------------------


def links_json(content: ParsedTracklist) -> dict[str, object]:
    """The DJ and source pages of `content`, as the `links` column keeps them."""

    def of(links: tuple[Link, ...]) -> list[dict[str, str | None]]:
        return [{"name": link.name, "url": link.url} for link in links]

    return {"djs": of(content.dj_links), "sources": of(content.source_links)}


def links_of(data: dict[str, object] | None, key: str) -> tuple[Link, ...]:
    """The `key` ("djs" or "sources") links of a `links` column."""
    raw = (data or {}).get(key)
    if not isinstance(raw, list):
        return ()
    return tuple(
        Link(str(item["name"]), item.get("url"))
        for item in raw
        if isinstance(item, dict) and item.get("name")
    )


def meta_columns(content: ParsedTracklist) -> dict[str, Any]:
    """The metadata columns a version or a draft keeps of `content`."""
    return {
        "title": content.title,
        "djs": list(content.djs),
        "source": content.source,
        "set_date": content.date,
        "genres": list(content.genres),
        "claimed_track_count": content.claimed_track_count,
        "links": links_json(content),
    }


def _dj_entities(content: ParsedTracklist) -> list[Link]:
    """The DJs in order, each with its page when the page linked one."""
    urls = {link.name: link.url for link in content.dj_links}
    names = content.djs or tuple(link.name for link in content.dj_links)
    return [Link(name, urls.get(name)) for name in names]


def _source_entities(content: ParsedTracklist) -> list[Link]:
    """The main source first, then any other source the page linked."""
    urls = {link.name: link.url for link in content.source_links}
    entities = [Link(content.source, urls.get(content.source))] if content.source else []
    entities += [link for link in content.source_links if link.name != content.source]
    return entities


async def _entity_id(session: AsyncSession, model: type[Dj] | type[Source], link: Link) -> int:
    """The DJ or source with this page (or this name, without a page), made if new."""
    if link.url is None:
        statement = (
            insert(model)
            .values(name=link.name, url=None)
            .on_conflict_do_update(
                index_elements=["name"],
                index_where=model.url.is_(None),
                set_={"name": link.name},
            )
        )
    else:
        # A name known without a page gets the page the first time one is seen.
        other = aliased(model)
        adopted = await session.scalar(
            update(model)
            .where(model.name == link.name, model.url.is_(None))
            .where(~exists().where(other.url == link.url))
            .values(url=link.url)
            .returning(model.id)
        )
        if adopted is not None:
            return int(adopted)
        statement = (
            insert(model)
            .values(name=link.name, url=link.url)
            .on_conflict_do_update(
                index_elements=["url"],
                index_where=model.url.is_not(None),
                set_={"name": link.name},
            )
        )
    entity_id = await session.scalar(statement.returning(model.id))
    assert entity_id is not None
    return int(entity_id)


async def set_current(
    session: AsyncSession, tracklist: Tracklist, content: ParsedTracklist
) -> None:
    """Make `content`'s metadata the tracklist's current one (list, search, DJ/source links)."""
    tracklist.title = content.title
    tracklist.set_date = content.date
    tracklist.genres = list(content.genres)
    tracklist.claimed_track_count = content.claimed_track_count
    djs, sources = _dj_entities(content), _source_entities(content)
    tracklist.search_names = " ".join(link.name for link in [*djs, *sources])
    tracklist.updated_at = func.now()
    await session.flush()
    await session.execute(delete(TracklistDj).where(TracklistDj.tracklist_id == tracklist.id))
    await session.execute(
        delete(TracklistSource).where(TracklistSource.tracklist_id == tracklist.id)
    )
    for position, link in enumerate(djs):
        dj_id = await _entity_id(session, Dj, link)
        session.add(TracklistDj(tracklist_id=tracklist.id, position=position, dj_id=dj_id))
    for position, link in enumerate(sources):
        source_id = await _entity_id(session, Source, link)
        session.add(
            TracklistSource(tracklist_id=tracklist.id, position=position, source_id=source_id)
        )
    await session.flush()


def stored_content(
    tracklist: Tracklist,
    meta: TracklistVersion | TracklistDraft,
    tracks: Sequence[ParsedTrack],
) -> ParsedTracklist:
    """The content of a version or a draft: its metadata and `tracks`, with where the tracklist
    was found on the site."""
    return ParsedTracklist(
        title=meta.title,
        tracks=tuple(tracks),
        source_id=tracklist.source_id,
        url=tracklist.url,
        djs=tuple(meta.djs),
        source=meta.source,
        date=meta.set_date,
        genres=tuple(meta.genres),
        claimed_track_count=meta.claimed_track_count,
        dj_links=links_of(meta.links, "djs"),
        source_links=links_of(meta.links, "sources"),
    )


def same_content(a: ParsedTracklist, b: ParsedTracklist) -> bool:
    """Equal metadata and rows; where the page was found does not count."""
    return replace(a, source_id=None, url=None) == replace(b, source_id=None, url=None)


# --- versions ------------------------------------------------------------------------------------


async def _version_row(
    session: AsyncSession, tracklist_id: int, number: int
) -> TracklistVersion | None:
    return await session.scalar(
        select(TracklistVersion).where(
            TracklistVersion.tracklist_id == tracklist_id, TracklistVersion.number == number
        )
    )


async def _version_tracks(session: AsyncSession, version_id: int) -> list[TracklistTrack]:
    rows = await session.scalars(
        select(TracklistTrack)
        .where(TracklistTrack.version_id == version_id)
        .order_by(TracklistTrack.row_index)
    )
    return list(rows)


async def version_content(
    session: AsyncSession, tracklist: Tracklist, number: int | None
) -> StoredVersion | None:
    """Version `number` of the tracklist (None: no such version, or `number` is None)."""
    if number is None:
        return None
    version = await _version_row(session, tracklist.id, number)
    if version is None:
        return None
    rows = track_rows(await _version_tracks(session, version.id))
    return StoredVersion(version, stored_content(tracklist, version, [r.track for r in rows]), rows)


async def _last_import(
    session: AsyncSession, tracklist: Tracklist, current: StoredVersion | None
) -> StoredVersion | None:
    """The newest imported version, unless it is the current one (already compared)."""
    number = await session.scalar(
        select(func.max(TracklistVersion.number)).where(
            TracklistVersion.tracklist_id == tracklist.id,
            TracklistVersion.origin == VersionOrigin.IMPORT.value,
        )
    )
    if number is None or (current is not None and current.record.number == number):
        return None
    return await version_content(session, tracklist, number)


async def add_version(
    session: AsyncSession,
    tracklist: Tracklist,
    content: ParsedTracklist,
    *,
    origin: VersionOrigin,
    summary: str,
    html_sha256: str | None,
    user_id: int | None,
) -> int:
    """Store `content` as the tracklist's next version and make it the current one; returns its
    number."""
    number = (tracklist.current_version or 0) + 1
    version = TracklistVersion(
        tracklist_id=tracklist.id,
        number=number,
        created_by=user_id,
        origin=origin.value,
        html_sha256=html_sha256,
        summary=summary,
        **meta_columns(content),
    )
    session.add(version)
    await session.flush()
    await insert_tracks(session, TracklistTrack, {"version_id": version.id}, content.tracks)
    tracklist.current_version = number
    await set_current(session, tracklist, content)
    return number


async def locked_tracklist(session: AsyncSession, tracklist_id: int) -> Tracklist:
    """The tracklist, locked until the transaction ends; TracklistNotFound without one."""
    tracklist = await session.scalar(
        select(Tracklist).where(Tracklist.id == tracklist_id).with_for_update()
    )
    if tracklist is None:
        raise TracklistNotFound(f"no tracklist with id {tracklist_id}")
    return tracklist


# --- a draft as stored (domain/tracklists/drafts.py edits it) --------------------------------


async def draft_records(session: AsyncSession, tracklist_id: int) -> list[TracklistDraftRow]:
    """The rows of the tracklist's draft, in order."""
    rows = await session.scalars(
        select(TracklistDraftRow)
        .where(TracklistDraftRow.tracklist_id == tracklist_id)
        .order_by(TracklistDraftRow.row_index, TracklistDraftRow.id)
    )
    return list(rows)


async def draft_content(session: AsyncSession, tracklist: Tracklist) -> StoredDraft | None:
    """The tracklist's draft as stored, or None when nobody is editing it."""
    draft = await session.get(TracklistDraft, tracklist.id, populate_existing=True)
    if draft is None:
        return None
    rows = track_rows(await draft_records(session, tracklist.id))
    return StoredDraft(draft, stored_content(tracklist, draft, [row.track for row in rows]), rows)


# --- imports -------------------------------------------------------------------------------------


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


async def store_import(
    sessions: Sessions,
    parsed: ParsedTracklist,
    *,
    html_sha256: str | None,
    user_id: int | None = None,
) -> StoreResult:
    """Store a parsed page: a new tracklist (version 1), a new version when its content changed,
    or only `checked_at` when it did not (neither from the current version nor from the last
    imported one: a DJ's published edits are not undone by a re-import of the same page)."""
    async with sessions.begin() as session:
        created = False
        tracklist_id = await _find(session, parsed.source_id, parsed.url)
        if tracklist_id is None and parsed.source_id:
            # Two imports of one page at once: the second waits on the unique index, then updates.
            tracklist_id = await session.scalar(
                insert(Tracklist)
                .values(source_id=parsed.source_id, url=parsed.url, title=parsed.title)
                .values(created_by=user_id)
                .on_conflict_do_nothing(
                    index_elements=["source_id"], index_where=Tracklist.source_id.is_not(None)
                )
                .returning(Tracklist.id)
            )
            created = tracklist_id is not None
            tracklist_id = tracklist_id or await _find(session, parsed.source_id, None)
        elif tracklist_id is None:
            tracklist = Tracklist(url=parsed.url, title=parsed.title, created_by=user_id)
            session.add(tracklist)
            await session.flush()
            tracklist_id, created = tracklist.id, True
        assert tracklist_id is not None
        tracklist = await locked_tracklist(session, tracklist_id)
        tracklist.checked_at = func.now()
        tracklist.checked_sha256 = html_sha256
        if parsed.url:
            tracklist.url = parsed.url
        current = await version_content(session, tracklist, tracklist.current_version)
        # Unchanged: the page is what the tracklist shows, or what the last import found (then
        # the edits a DJ published since are kept).
        for seen in (current, await _last_import(session, tracklist, current)):
            if seen is not None and same_content(seen.content, parsed):
                await session.flush()
                return StoreResult(
                    tracklist_id,
                    tracklist.current_version or seen.record.number,
                    False,
                    False,
                    f"unchanged since version {seen.record.number}",
                )
        summary = (
            FIRST_IMPORT if current is None else diff_tracklists(current.content, parsed).summary
        )
        number = await add_version(
            session,
            tracklist,
            parsed,
            origin=VersionOrigin.IMPORT,
            summary=summary,
            html_sha256=html_sha256,
            user_id=user_id,
        )
        return StoreResult(tracklist_id, number, created, True, summary)


# --- the list ------------------------------------------------------------------------------------


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


# --- one tracklist -------------------------------------------------------------------------------


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
