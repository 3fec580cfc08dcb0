"""Searching the collection (issue 12 §1): what was typed (query.py), ranked by where it matched,
narrowed by format, year range, status, key and BPM range, one page at a time.

The key filter takes any spelling keys.py reads ("8A", "Am", "A minor", "1m") and matches what the
audio says (`camelot`); BPM is the analysed one, else the tag's. Files gone from disk are left
out. A search ranks its matches a block of RANK_BLOCK at a time, title and artist matches first
(`_ranked_page`), so a word in every other title costs what a rare one does; its count stops at
the end of the page's block and says "at least" past it. A filtered listing (`capped_page`)
counts up to COUNT_CAP the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    bindparam,
    cast,
    func,
    literal,
    select,
    union_all,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from domain.collection.keys import parse_key
from domain.collection.query import Query, matches, parse, rank
from domain.collection.record import CollectionEntry, parse_format
from domain.collection.status import parse_status
from domain.collection.store import entries
from domain.db import Sessions
from domain.models import AudioFormat, CollectionFile
from domain.paging import Page, offset, page_within
from domain.validation import InputError

COUNT_CAP = 10_000
RANK_BLOCK = 250  # candidates ranked together (see _ranked_page)
PER_PAGE_MAX = 200
YEAR_RANGE = (1000, 2999)
BPM_RANGE = (1.0, 999.0)
_F = CollectionFile


@dataclass(frozen=True, slots=True)
class SearchFilter:
    """The narrowing a search may carry; None: not narrowed."""

    format: AudioFormat | None = None
    year_from: int | None = None
    year_to: int | None = None
    status: str | None = None
    camelot: str | None = None
    bpm_from: float | None = None
    bpm_to: float | None = None

    def conditions(self) -> list[ColumnElement[bool]]:
        bpm = func.coalesce(_F.bpm, _F.tag_bpm)
        found: list[ColumnElement[bool]] = []
        if self.format is not None:
            found.append(_F.format == self.format.value)
        if self.year_from is not None:
            found.append(_F.year >= self.year_from)
        if self.year_to is not None:
            found.append(_F.year <= self.year_to)
        if self.status is not None:
            found.append(_F.status == self.status)
        if self.camelot is not None:
            found.append(_F.camelot == self.camelot)
        if self.bpm_from is not None:
            found.append(bpm >= self.bpm_from)
        if self.bpm_to is not None:
            found.append(bpm <= self.bpm_to)
        return found


def search_filter(
    *,
    format: str | None = None,
    year_from: str | int | None = None,
    year_to: str | int | None = None,
    status: str | None = None,
    key: str | None = None,
    bpm_from: str | float | None = None,
    bpm_to: str | float | None = None,
) -> SearchFilter:
    """The filter as typed (blank: not narrowed); InputError naming the field and what would be
    valid for a value that is not."""
    chosen_format = parse_format("format", format) if format and format.strip() else None
    camelot = None
    if key and key.strip():
        found = parse_key(key)
        if found is None:
            raise InputError(
                "key", f"{key.strip()[:40]!r} is not a key: write e.g. 8A, Am, A minor or 1m"
            )
        camelot = found.camelot
    years = [_number("year_from", year_from, YEAR_RANGE), _number("year_to", year_to, YEAR_RANGE)]
    bpms = [_number("bpm_from", bpm_from, BPM_RANGE), _number("bpm_to", bpm_to, BPM_RANGE)]
    for (low, high), names in ((years, ("year_from", "year_to")), (bpms, ("bpm_from", "bpm_to"))):
        if low is not None and high is not None and low > high:
            raise InputError(names[1], f"{names[1]} must not be below {names[0]}")
    return SearchFilter(
        format=chosen_format,
        year_from=int(years[0]) if years[0] is not None else None,
        year_to=int(years[1]) if years[1] is not None else None,
        status=parse_status("status", status).value if status and status.strip() else None,
        camelot=camelot,
        bpm_from=bpms[0],
        bpm_to=bpms[1],
    )


def _number(field: str, raw: str | float | None, bounds: tuple[float, float]) -> float | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    try:
        value = float(raw)
    except ValueError:
        value = float("nan")
    low, high = bounds
    if not low <= value <= high:  # NaN fails this too
        raise InputError(field, f"{field} must be a number from {low:g} to {high:g}")
    return value


@dataclass(frozen=True, slots=True)
class SearchResult:
    """The query as read (its message when there was nothing to search) and one page of files,
    best match first."""

    query: Query
    page: Page[CollectionEntry]


async def search_files(
    sessions: Sessions,
    text: str,
    where: SearchFilter = SearchFilter(),
    *,
    page: int = 1,
    per_page: int = 50,
) -> SearchResult:
    """Files matching `text` (query.py's language), ranked, narrowed by `where`. Nothing to
    search in `text` is no error: an empty page, and `query.message` says what to type."""
    if not 1 <= per_page <= PER_PAGE_MAX:
        raise InputError("per_page", f"per_page must be from 1 to {PER_PAGE_MAX}")
    query = parse(text)
    if query.tsquery is None:
        return SearchResult(query, Page((), 0, 1, per_page))
    conditions = [_F.missing.is_(False), *where.conditions()]
    async with sessions() as session:
        shown = await _ranked_page(session, query, conditions, page=page, per_page=per_page)
    return SearchResult(query, shown)


async def _ranked_page(
    session: AsyncSession,
    query: Query,
    conditions: Sequence[ColumnElement[bool]],
    *,
    page: int,
    per_page: int,
) -> Page[CollectionEntry]:
    """One page of the matches in rank order, ranking only the blocks the page falls in.

    The candidates are the matches in a fixed order: title and artist matches first (their own
    index), then the others, each in the table's order. They are ranked block by block
    (RANK_BLOCK candidates each), so what a page costs does not grow with how common a word is,
    and pages never repeat or skip a file. With fewer matches than a block, as most searches
    have, that is the exact ranking; past it, the best of each block come first, title and
    artist matches before all others. The count stops at the end of the page's last block:
    past it the page says "at least", as the library's does.
    """
    first = offset(page, per_page)
    covered = -(-(first + per_page) // RANK_BLOCK) * RANK_BLOCK  # to the end of the page's block
    found = await _candidates(session, query, conditions, limit=covered + 1)
    capped = len(found) > covered
    total = covered if capped else len(found)
    number = page_within(page, total, per_page, capped=capped)
    first = offset(number, per_page)
    block_start = first // RANK_BLOCK * RANK_BLOCK
    # The page's blocks in candidate order, ranked within each: one statement.
    block = (
        func.unnest(_ids(found[block_start:covered]))
        .table_valued("id", with_ordinality="n")
        .render_derived("block")
    )
    order = ((block.c.n - 1) // RANK_BLOCK, rank(_F.__table__.c.search, query).desc(), _F.id)
    rows = (
        await session.execute(
            entries()
            .join(block, block.c.id == _F.id)
            .order_by(*order)
            .offset(first - block_start)
            .limit(per_page)
        )
    ).all()
    items = [CollectionEntry.of(row[0], row[1]) for row in rows]
    return Page(items, total, number, per_page, capped=capped)


def _ids(ids: list[int]) -> ColumnElement[Any]:
    """The ids as one array parameter, where IN would bind a thousand."""
    return cast(bindparam("ids", ids), ARRAY(BigInteger))


async def _candidates(
    session: AsyncSession,
    query: Query,
    conditions: Sequence[ColumnElement[bool]],
    *,
    limit: int,
) -> list[int]:
    """The first `limit` matching ids in the fixed candidate order: title and artist matches
    (`search_heavy`), then the others, each in the table's physical order. That order is made
    repeatable for this transaction: no scan joins another one midway, none runs in parallel.
    The others are only looked for when the title and artist matches are fewer than `limit`."""
    await session.execute(
        select(
            func.set_config("synchronize_seqscans", "off", True),
            func.set_config("max_parallel_workers_per_gather", "0", True),
        )
    )
    search: ColumnElement[Any] = _F.__table__.c.search
    heavy_vector: ColumnElement[Any] = _F.__table__.c.search_heavy
    included = query.included_tsquery
    assert included is not None  # a query with something to search includes a word
    in_heavy = heavy_vector.bool_op("@@")(func.to_tsquery("simple", included))
    heavy_conditions = [in_heavy, *conditions]
    if any(term.excluded for term in query.terms):
        heavy_conditions.append(matches(search, query))  # exclusions look at every field
    heavy = select(_F.id).where(*heavy_conditions).limit(limit).cte("heavy")
    too_few = select(func.count()).select_from(heavy).scalar_subquery() < limit
    rest = (
        select(_F.id).where(matches(search, query), *conditions, too_few).limit(limit).cte("rest")
    )
    # Each part comes out in its scan's order, the title and artist matches first (Append).
    rows = await session.execute(
        union_all(select(heavy.c.id, literal(True)), select(rest.c.id, literal(False)))
    )
    found: list[int] = []
    seen: set[int] = set()
    for file_id, title_match in rows:
        if title_match:
            seen.add(file_id)
        elif file_id in seen:
            continue
        found.append(file_id)
    # The first `limit` matches hold at most len(seen) title matches: enough others remain.
    return found[:limit]


async def capped_page(
    sessions: Sessions,
    conditions: Sequence[ColumnElement[bool]],
    order: Sequence[ColumnElement[Any]],
    *,
    page: int,
    per_page: int,
) -> Page[CollectionEntry]:
    """One page of the files passing `conditions` in `order`, counted up to COUNT_CAP (past it
    the page says "at least"): a search's and a filtered listing's page."""
    async with sessions() as session:
        counted = select(literal(1)).where(*conditions).limit(COUNT_CAP + 1).subquery()
        total = await session.scalar(select(func.count()).select_from(counted)) or 0
        capped = total > COUNT_CAP
        number = page_within(page, min(total, COUNT_CAP), per_page, capped=capped)
        rows = (
            await session.execute(
                entries()
                .where(*conditions)
                .order_by(*order)
                .offset(offset(number, per_page))
                .limit(per_page)
            )
        ).all()
    items = [CollectionEntry.of(row[0], row[1]) for row in rows]
    return Page(items, min(total, COUNT_CAP), number, per_page, capped=capped)
