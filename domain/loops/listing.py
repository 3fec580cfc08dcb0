"""Reading the loops: the Loops page's listing (search, filter, sort, pages), the statistics, and
the tracks that still fall back to the default loop. Module functions over the read sessions;
`TrackMapper` offers them as its seed methods."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import aliased

from domain.db import Sessions
from domain.models import Play, Reason, TrackMapping
from domain.paging import Page, offset, page_within
from domain.search import search_query

COUNT_CAP = 1000
SortColumn = Literal["plays", "key", "last_played", "updated", "song_id", "loop", "status"]
_SORTS: dict[str, Any] = {
    "plays": TrackMapping.play_count,
    "key": TrackMapping.track_key,
    "last_played": TrackMapping.last_played_at,
    "updated": TrackMapping.updated_at,
    "song_id": TrackMapping.azuracast_song_id,
    "loop": TrackMapping.loop_file_path,
    "status": TrackMapping.loop_status,
}


@dataclass(frozen=True, slots=True)
class MappingStats:
    total: int
    active: int
    total_plays: int
    average_plays: float
    most_played: list[tuple[str, int]]


@dataclass(frozen=True, slots=True)
class Fallback:
    """A track that played with the default loop: a mapping worth making."""

    track_key: str
    artist: str | None
    title: str | None
    song_id: str | None
    plays: int
    last_played_at: datetime


def _listing(
    query: Select[Any], entity: Any, sort: str, descending: bool, page: int, per_page: int | None
) -> Select[Any]:
    """`query` over `entity` sorted by a column of the Loops table (then by id), one page of it."""
    base = _SORTS.get(sort, TrackMapping.play_count)
    column = getattr(entity, base.key)
    if base.nullable:
        order = column.desc().nulls_last() if descending else column.asc().nulls_first()
    else:  # plain order, so the (play_count DESC, id) index serves the default listing
        order = column.desc() if descending else column.asc()
    listing = query.order_by(order, entity.id)
    if per_page is not None:
        listing = listing.limit(per_page).offset(offset(page, per_page))
    return listing


# What LIKE reads as wildcards, and its escape character: a search matches them as typed.
_LIKE_ESCAPES = str.maketrans({"\\": "\\\\", "%": "\\%", "_": "\\_"})


def _literal_parts(search: str) -> list[str]:
    """The parts of a search the word index cannot find, matched as typed instead: anything
    with `%` or `_` in it ("100%", "a_b") and anything without a letter or digit ("&", "!!!")."""
    parts = search.split()
    literal = [p for p in parts if "%" in p or "_" in p or not any(c.isalnum() for c in p)]
    return literal[:8]


def _contains(part: str) -> ColumnElement[bool]:
    """The artist, title, loop file or key holds `part` as typed (case aside), wildcards
    escaped. The key has the " - " between artist and title that a pasted "Artist - Title" has."""
    pattern = f"%{part.translate(_LIKE_ESCAPES)}%"
    columns = (
        TrackMapping.artist,
        TrackMapping.title,
        TrackMapping.loop_file_path,
        TrackMapping.track_key,
    )
    return or_(*(column.ilike(pattern, escape="\\") for column in columns))


def _counting(query: Select[Any]) -> Select[Any]:
    counted = query.with_only_columns(TrackMapping.id).order_by(None)
    return select(func.count()).select_from(counted.subquery())


async def page_mappings(
    reads: Sessions,
    *,
    search: str | None = None,
    active: bool | None = None,
    sort: str = "plays",
    descending: bool = True,
    page: int = 1,
    per_page: int | None = 50,
    count: bool = True,
) -> Page[TrackMapping]:
    """One page of mappings for the UI and API: prefix word search, filter, sort, pages.
    Words match as prefixes through the search index; `%`, `_` and other symbols as typed.

    A search counts its matches only up to COUNT_CAP (`Page.capped` says so): a word
    found in most of 100,000 mappings must not cost a full count on every keystroke.
    """
    query = select(TrackMapping)
    if active is not None:
        query = query.where(TrackMapping.is_active.is_(active))
    tsquery = search_query(search or "")
    if tsquery:
        query = query.where(
            TrackMapping.search_vector.bool_op("@@")(func.to_tsquery("simple", tsquery))
        )
    literal = _literal_parts(search or "")
    for part in literal:
        query = query.where(_contains(part))
    page = max(page, 1)
    async with reads() as session:
        if not (tsquery or literal):
            total: int | None = None
            if count and per_page is not None and page > 1:
                # Counted first, so that a page past the end shows the last one.
                total = await session.scalar(_counting(query)) or 0
                page = page_within(page, total, per_page)
            listing = _listing(query, TrackMapping, sort, descending, page, per_page)
            items = list(await session.scalars(listing))
            if total is None:
                total = len(items)
                if count and per_page is not None and len(items) == per_page:
                    total = await session.scalar(_counting(query)) or 0
            return Page(items, total, page, per_page or max(total, 1))
        # PostgreSQL cannot estimate how many rows a prefix search matches, and guesses
        # "many": it then walks the play-count index hoping to meet 25 matches soon, which
        # for a rare word means the whole table. So count first (capped, from the search
        # index); below the cap, sort just the matches; above it, the walk is quick.
        found: int = await session.scalar(_counting(query.limit(COUNT_CAP + 1))) or 0
        capped = found > COUNT_CAP
        total = min(found, COUNT_CAP)
        if per_page is not None:
            page = page_within(page, total, per_page, capped=capped)
        entity: Any = TrackMapping
        if not capped:
            entity = aliased(TrackMapping, query.cte("matches").prefix_with("MATERIALIZED"))
            query = select(entity)
        listing = _listing(query, entity, sort, descending, page, per_page)
        items = list(await session.scalars(listing))
    return Page(items, total, page, per_page or max(total, 1), capped)


async def mapping_stats(reads: Sessions, most_played: int = 10) -> MappingStats:
    """Totals over all mappings and the most played ones."""
    async with reads() as session:
        row = (
            await session.execute(
                select(
                    func.count(),
                    func.count().filter(TrackMapping.is_active),
                    func.coalesce(func.sum(TrackMapping.play_count), 0),
                )
            )
        ).one()
        top = (
            await session.execute(
                select(TrackMapping.track_key, TrackMapping.play_count)
                .where(TrackMapping.play_count > 0)
                .order_by(TrackMapping.play_count.desc(), TrackMapping.id)
                .limit(most_played)
            )
        ).all()
    total, active, plays = int(row[0]), int(row[1]), int(row[2])
    return MappingStats(
        total=total,
        active=active,
        total_plays=plays,
        average_plays=round(plays / total, 2) if total else 0.0,
        most_played=[(key, count) for key, count in top],
    )


async def fallbacks(reads: Sessions, limit: int = 100) -> list[Fallback]:
    """Tracks that got the default loop and still have no active mapping, most played first."""
    mapped = select(TrackMapping.track_key).where(TrackMapping.is_active)
    query = (
        select(
            Play.track_key,
            func.max(Play.artist),
            func.max(Play.title),
            func.max(Play.song_id),
            func.count(),
            func.max(Play.started_at),
        )
        .where(Play.reason == Reason.DEFAULT, Play.track_key.is_not(None))
        .where(Play.track_key.not_in(mapped))
        .group_by(Play.track_key)
        .order_by(func.count().desc(), func.max(Play.started_at).desc())
        .limit(limit)
    )
    async with reads() as session:
        rows = (await session.execute(query)).all()
    return [Fallback(row[0] or "", *row[1:]) for row in rows]
