"""A version's or a draft's content as stored: its rows, metadata columns and DJ/source links."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, NamedTuple

from sqlalchemy import delete, exists, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

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
)
from domain.tracklists.model import TRACK_FIELDS, Link, ParsedTrack, ParsedTracklist, row_warnings


@dataclass(frozen=True, slots=True)
class TrackRow:
    id: int  # the row's id in its version or draft
    index: int  # 0-based place in the list
    track: ParsedTrack
    warnings: tuple[str, ...]


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


# --- rows -----------------------------------------------------------------------------------------


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


# --- metadata and links ---------------------------------------------------------------------------


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


# --- a version as stored --------------------------------------------------------------------------


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


# --- a draft as stored (domain/tracklists/drafts.py edits it) -------------------------------------


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
