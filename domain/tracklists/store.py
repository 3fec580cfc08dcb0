"""Tracklists in the database: imports stored as versions, the list and its search, drafts.

A tracklist's content lives in versions (history is kept: a version's rows are never changed)
and, while a DJ edits it, in its one draft. The `tracklists` row carries the current metadata
(the latest version's; the draft's while it was never published) for the list and its search,
with its DJs and sources linked in order.

Choices: an unchanged re-import only sets `checked_at` (and the hash of the page just fetched in
`checked_sha256`); each version keeps the HTML hash of the page it was made from. "Unchanged"
means equal to the current version or to the last imported one, so re-importing a page a DJ has
since corrected by hand keeps the corrections; a page that really changed makes a new version.
Publishing a draft identical to the current version is refused ("nothing changed since version
N") rather than making an empty version; a draft needs at least one row. Discarding the draft of a
tracklist that was never published deletes the tracklist (nothing would be left of it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, delete, exists, func, select, update
from sqlalchemy.dialects.postgresql import aggregate_order_by, insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import aliased

from domain.mappings import search_query
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
from domain.tracklists.diff import VersionDiff, diff_tracklists
from domain.tracklists.draft_fields import DraftError as DraftError
from domain.tracklists.draft_fields import check_meta, check_track, check_tracks
from domain.tracklists.model import TRACK_FIELDS, Link, ParsedTrack, ParsedTracklist, row_warnings

Sessions = async_sessionmaker[AsyncSession]

FIRST_IMPORT = "first import"
FIRST_VERSION = "first version"
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
    track_count: int  # rows of the current version (of the draft while never published)
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


@dataclass(frozen=True, slots=True)
class TracklistFilter:
    text: str = ""
    dj: str = ""
    genre: str = ""
    date_from: date | None = None
    date_to: date | None = None


@dataclass(frozen=True, slots=True)
class TracklistPage:
    items: tuple[TracklistSummary, ...]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


@dataclass(frozen=True, slots=True)
class StoreResult:
    tracklist_id: int
    version: int
    created: bool  # a new tracklist
    changed: bool  # a new version was made (always true when created)
    summary: str = ""  # the version's summary, or "unchanged since version N"


@dataclass(frozen=True, slots=True)
class Draft:
    tracklist_id: int
    content: ParsedTracklist
    rows: tuple[TrackRow, ...]
    base_version: int | None  # the version it was copied from; None: never published
    updated_at: datetime


# --- rows ----------------------------------------------------------------------------------------


def _track_of(row: TracklistTrack | TracklistDraftRow) -> ParsedTrack:
    return ParsedTrack(**{name: getattr(row, name) for name in TRACK_FIELDS})


def _columns(track: ParsedTrack, index: int) -> dict[str, Any]:
    return {"row_index": index, **{name: getattr(track, name) for name in TRACK_FIELDS}}


def _track_rows(records: Sequence[TracklistTrack | TracklistDraftRow]) -> tuple[TrackRow, ...]:
    tracks = [_track_of(record) for record in records]
    warnings = row_warnings(tracks)
    return tuple(
        TrackRow(record.id, index, track, warnings[index])
        for index, (record, track) in enumerate(zip(records, tracks, strict=True))
    )


# --- metadata and links --------------------------------------------------------------------------


def _links_json(content: ParsedTracklist) -> dict[str, object]:
    def of(links: tuple[Link, ...]) -> list[dict[str, str | None]]:
        return [{"name": link.name, "url": link.url} for link in links]

    return {"djs": of(content.dj_links), "sources": of(content.source_links)}


def _links_of(data: dict[str, object] | None, key: str) -> tuple[Link, ...]:
    raw = (data or {}).get(key)
    if not isinstance(raw, list):
        return ()
    return tuple(
        Link(str(item["name"]), item.get("url"))
        for item in raw
        if isinstance(item, dict) and item.get("name")
    )


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


async def _set_current(
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


def _content(
    tracklist: Tracklist,
    meta: TracklistVersion | TracklistDraft,
    tracks: Sequence[ParsedTrack],
) -> ParsedTracklist:
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
        dj_links=_links_of(meta.links, "djs"),
        source_links=_links_of(meta.links, "sources"),
    )


def _same_content(a: ParsedTracklist, b: ParsedTracklist) -> bool:
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


async def _version_content(
    session: AsyncSession, tracklist: Tracklist, number: int | None
) -> tuple[TracklistVersion, list[TracklistTrack], ParsedTracklist] | None:
    if number is None:
        return None
    version = await _version_row(session, tracklist.id, number)
    if version is None:
        return None
    records = await _version_tracks(session, version.id)
    return version, records, _content(tracklist, version, [_track_of(r) for r in records])


async def _last_import(
    session: AsyncSession,
    tracklist: Tracklist,
    current: tuple[TracklistVersion, list[TracklistTrack], ParsedTracklist] | None,
) -> tuple[TracklistVersion, list[TracklistTrack], ParsedTracklist] | None:
    """The newest imported version, unless it is the current one (already compared)."""
    number = await session.scalar(
        select(func.max(TracklistVersion.number)).where(
            TracklistVersion.tracklist_id == tracklist.id,
            TracklistVersion.origin == VersionOrigin.IMPORT.value,
        )
    )
    if number is None or (current is not None and current[0].number == number):
        return None
    return await _version_content(session, tracklist, number)


async def _add_version(
    session: AsyncSession,
    tracklist: Tracklist,
    content: ParsedTracklist,
    *,
    origin: VersionOrigin,
    summary: str,
    html_sha256: str | None,
    user_id: int | None,
) -> int:
    number = (tracklist.current_version or 0) + 1
    version = TracklistVersion(
        tracklist_id=tracklist.id,
        number=number,
        created_by=user_id,
        origin=origin.value,
        html_sha256=html_sha256,
        summary=summary,
        title=content.title,
        djs=list(content.djs),
        source=content.source,
        set_date=content.date,
        genres=list(content.genres),
        claimed_track_count=content.claimed_track_count,
        links=_links_json(content),
    )
    session.add(version)
    await session.flush()
    if content.tracks:
        await session.execute(
            insert(TracklistTrack),
            [
                {"version_id": version.id, **_columns(track, index)}
                for index, track in enumerate(content.tracks)
            ],
        )
    tracklist.current_version = number
    await _set_current(session, tracklist, content)
    return number


async def _locked(session: AsyncSession, tracklist_id: int) -> Tracklist:
    tracklist = await session.scalar(
        select(Tracklist).where(Tracklist.id == tracklist_id).with_for_update()
    )
    if tracklist is None:
        raise TracklistNotFound(f"no tracklist with id {tracklist_id}")
    return tracklist


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
        tracklist = await _locked(session, tracklist_id)
        tracklist.checked_at = func.now()
        tracklist.checked_sha256 = html_sha256
        if parsed.url:
            tracklist.url = parsed.url
        current = await _version_content(session, tracklist, tracklist.current_version)
        # Unchanged: the page is what the tracklist shows, or what the last import found (then
        # the edits a DJ published since are kept).
        for seen in (current, await _last_import(session, tracklist, current)):
            if seen is not None and _same_content(seen[2], parsed):
                await session.flush()
                return StoreResult(
                    tracklist_id,
                    tracklist.current_version or seen[0].number,
                    False,
                    False,
                    f"unchanged since version {seen[0].number}",
                )
        summary = FIRST_IMPORT if current is None else diff_tracklists(current[2], parsed).summary
        number = await _add_version(
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
    version_rows = (
        select(func.count())
        .select_from(TracklistTrack)
        .join(TracklistVersion, TracklistVersion.id == TracklistTrack.version_id)
        .where(
            TracklistVersion.tracklist_id == Tracklist.id,
            TracklistVersion.number == Tracklist.current_version,
        )
        .scalar_subquery()
    )
    draft_rows = (
        select(func.count())
        .select_from(TracklistDraftRow)
        .where(TracklistDraftRow.tracklist_id == Tracklist.id)
        .scalar_subquery()
    )
    has_draft = exists().where(TracklistDraft.tracklist_id == Tracklist.id)
    return select(
        Tracklist,
        dj_names.label("dj_names"),
        main_source.label("main_source"),
        version_rows.label("version_rows"),
        draft_rows.label("draft_rows"),
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
        track_count=row.draft_rows if never_published else row.version_rows,
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
) -> TracklistPage:
    """One page of the stored tracklists matching `where`, newest set date first."""
    page, per_page = max(1, page), min(max(1, per_page), PER_PAGE_MAX)
    async with sessions() as session:
        total = await session.scalar(_filtered(select(func.count()).select_from(Tracklist), where))
        rows = await session.execute(
            _filtered(_summaries(), where)
            .order_by(Tracklist.set_date.desc().nulls_last(), Tracklist.id.desc())
            .limit(per_page)
            .offset((page - 1) * per_page)
        )
        items = tuple(_summary(row) for row in rows)
    return TracklistPage(items, total or 0, page, per_page)


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
            draft = await _draft(session, tracklist)
            if draft is None:
                content = ParsedTracklist(title=tracklist.title, tracks=())
                return TracklistDetail(summary, None, content, (), ())
            return TracklistDetail(summary, None, draft.content, draft.rows, ())
        found = await _version_content(session, tracklist, number)
        if found is None:
            raise TracklistNotFound(f"tracklist {tracklist_id} has no version {number}")
        record, tracks, content = found
        info = next(v for v in versions if v.number == record.number)
        return TracklistDetail(summary, info, content, _track_rows(tracks), tuple(versions))


async def version_diff(sessions: Sessions, tracklist_id: int, number: int) -> VersionDiff:
    """What version `number` changed from the version before it (version 1: all rows added)."""
    async with sessions() as session:
        tracklist = await session.get(Tracklist, tracklist_id)
        if tracklist is None:
            raise TracklistNotFound(f"no tracklist with id {tracklist_id}")
        new = await _version_content(session, tracklist, number)
        if new is None:
            raise TracklistNotFound(f"tracklist {tracklist_id} has no version {number}")
        old = await _version_content(session, tracklist, number - 1) if number > 1 else None
        return diff_tracklists(
            old[2] if old else None,
            new[2],
            old_number=old[0].number if old else None,
            new_number=number,
        )


# --- drafts --------------------------------------------------------------------------------------


async def _draft(session: AsyncSession, tracklist: Tracklist) -> Draft | None:
    draft = await session.get(TracklistDraft, tracklist.id, populate_existing=True)
    if draft is None:
        return None
    records = list(await _draft_records(session, tracklist.id))
    rows = _track_rows(records)
    content = _content(tracklist, draft, [row.track for row in rows])
    return Draft(tracklist.id, content, rows, draft.base_version, draft.updated_at)


async def _draft_records(session: AsyncSession, tracklist_id: int) -> list[TracklistDraftRow]:
    rows = await session.scalars(
        select(TracklistDraftRow)
        .where(TracklistDraftRow.tracklist_id == tracklist_id)
        .order_by(TracklistDraftRow.row_index, TracklistDraftRow.id)
    )
    return list(rows)


async def _locked_draft(
    session: AsyncSession, tracklist_id: int
) -> tuple[Tracklist, TracklistDraft, list[TracklistDraftRow]]:
    """The tracklist, its draft and the draft's rows, locked for a change."""
    tracklist = await _locked(session, tracklist_id)
    draft = await session.scalar(
        select(TracklistDraft).where(TracklistDraft.tracklist_id == tracklist_id).with_for_update()
    )
    if draft is None:
        raise TracklistNotFound(f"tracklist {tracklist_id} has no draft")
    return tracklist, draft, await _draft_records(session, tracklist_id)


async def _renumber(
    session: AsyncSession, draft: TracklistDraft, records: list[TracklistDraftRow]
) -> None:
    for index, record in enumerate(records):
        if record.row_index != index:
            record.row_index = index
    draft.updated_at = func.now()
    await session.flush()


def _row_of(records: list[TracklistDraftRow], record: TracklistDraftRow) -> TrackRow:
    rows = _track_rows(records)
    return rows[records.index(record)]


def _find_row(
    records: list[TracklistDraftRow], tracklist_id: int, row_id: int
) -> TracklistDraftRow:
    for record in records:
        if record.id == row_id:
            return record
    raise TracklistNotFound(f"the draft of tracklist {tracklist_id} has no row {row_id}")


def _new_draft(
    tracklist_id: int, content: ParsedTracklist, base_version: int | None, user_id: int | None
) -> TracklistDraft:
    return TracklistDraft(
        tracklist_id=tracklist_id,
        base_version=base_version,
        title=content.title,
        djs=list(content.djs),
        source=content.source,
        set_date=content.date,
        genres=list(content.genres),
        claimed_track_count=content.claimed_track_count,
        links=_links_json(content),
        created_by=user_id,
    )


async def _insert_rows(
    session: AsyncSession, tracklist_id: int, tracks: Sequence[ParsedTrack], first_index: int = 0
) -> None:
    if tracks:
        await session.execute(
            insert(TracklistDraftRow),
            [
                {"tracklist_id": tracklist_id, **_columns(track, first_index + offset)}
                for offset, track in enumerate(tracks)
            ],
        )


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
) -> int:
    """A hand-made tracklist, as a draft (publishing it makes version 1); returns its id."""
    meta = check_meta(title=title, djs=djs, source=source, date=date, genres=genres)
    checked = check_tracks(tracks)
    content = ParsedTracklist(
        title=meta.title,
        tracks=checked,
        djs=meta.djs,
        source=meta.source,
        date=meta.date,
        genres=meta.genres,
    )
    async with sessions.begin() as session:
        tracklist = Tracklist(title=meta.title, created_by=user_id)
        session.add(tracklist)
        await session.flush()
        await _set_current(session, tracklist, content)
        session.add(_new_draft(tracklist.id, content, None, user_id))
        await session.flush()
        await _insert_rows(session, tracklist.id, checked)
        return tracklist.id


async def start_draft(sessions: Sessions, tracklist_id: int, user_id: int | None) -> Draft:
    """The tracklist's draft: the one being edited, else a new copy of the current version."""
    async with sessions.begin() as session:
        tracklist = await _locked(session, tracklist_id)
        existing = await _draft(session, tracklist)
        if existing is not None:
            return existing
        current = await _version_content(session, tracklist, tracklist.current_version)
        if current is None:
            content = ParsedTracklist(title=tracklist.title, tracks=())
        else:
            content = current[2]
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
        kept = replace(
            _content(tracklist, draft, ()),
            djs=meta.djs,
            source=meta.source,
            dj_links=tuple(link for link in _links_of(draft.links, "djs") if link.name in meta.djs),
            source_links=tuple(
                link for link in _links_of(draft.links, "sources") if link.name == meta.source
            ),
        )
        draft.title, draft.djs, draft.source = meta.title, list(meta.djs), meta.source
        draft.set_date, draft.genres = meta.date, list(meta.genres)
        draft.links = _links_json(kept)
        draft.updated_at = func.now()
        await session.flush()
        if tracklist.current_version is None:  # the list shows a never-published draft's metadata
            content = _content(tracklist, draft, [_track_of(r) for r in records])
            await _set_current(session, tracklist, content)


async def add_draft_row(
    sessions: Sessions, tracklist_id: int, track: ParsedTrack, *, at: int | None = None
) -> TrackRow:
    """Add a row at index `at` (default: at the end)."""
    checked = check_track(track)
    async with sessions.begin() as session:
        _, draft, records = await _locked_draft(session, tracklist_id)
        index = len(records) if at is None else min(max(at, 0), len(records))
        record = TracklistDraftRow(tracklist_id=tracklist_id, **_columns(checked, index))
        session.add(record)
        records.insert(index, record)
        await _renumber(session, draft, records)
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
        await _renumber(session, draft, records)
        return _row_of(records, record)


async def move_draft_row(sessions: Sessions, tracklist_id: int, row_id: int, to_index: int) -> None:
    """Move one draft row to index `to_index` (clamped to the list)."""
    async with sessions.begin() as session:
        _, draft, records = await _locked_draft(session, tracklist_id)
        record = _find_row(records, tracklist_id, row_id)
        records.remove(record)
        records.insert(min(max(to_index, 0), len(records)), record)
        await _renumber(session, draft, records)


async def delete_draft_row(sessions: Sessions, tracklist_id: int, row_id: int) -> None:
    async with sessions.begin() as session:
        _, draft, records = await _locked_draft(session, tracklist_id)
        record = _find_row(records, tracklist_id, row_id)
        records.remove(record)
        await session.delete(record)
        await _renumber(session, draft, records)


async def replace_draft_rows(
    sessions: Sessions, tracklist_id: int, tracks: Sequence[ParsedTrack], *, append: bool = False
) -> None:
    """Pasted rows: they replace the draft's rows, or follow them with `append`."""
    async with sessions.begin() as session:
        _, draft, records = await _locked_draft(session, tracklist_id)
        first = len(records) if append else 0
        checked = check_tracks(tracks, first_row=first + 1)
        if not append:
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
        content = _content(tracklist, draft, [_track_of(r) for r in records])
        current = await _version_content(session, tracklist, tracklist.current_version)
        if current is not None and _same_content(current[2], content):
            raise DraftError("draft", f"nothing changed since version {current[0].number}")
        summary = FIRST_VERSION if current is None else diff_tracklists(current[2], content).summary
        number = await _add_version(
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
