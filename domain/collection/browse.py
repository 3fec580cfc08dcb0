"""What the Collection page lists and exports (issue 12 §5): a search when words were typed
(search.py, ranked), else the collection by path, narrowed by the same filters either way.

One function for a page of it and one for all of it (an export, at most search.COUNT_CAP files),
so the page, its export links and the CLI's export agree on what "the current view" is.
"""

from __future__ import annotations

from dataclasses import dataclass

from domain.collection import search, store
from domain.collection.query import Query
from domain.collection.record import CollectionEntry
from domain.collection.search import COUNT_CAP, PER_PAGE_MAX, SearchFilter
from domain.db import Sessions
from domain.models import CollectionFile
from domain.paging import Page

_F = CollectionFile
NO_FILTER = SearchFilter()


@dataclass(frozen=True, slots=True)
class Browsed:
    """One page of the view; `query` is the search as read (None: nothing typed, listed by path)."""

    query: Query | None
    page: Page[CollectionEntry]


async def browse(
    sessions: Sessions,
    text: str,
    where: SearchFilter = NO_FILTER,
    *,
    page: int = 1,
    per_page: int = 50,
) -> Browsed:
    """A page of what `text` finds (best first), or with nothing typed the collection by path;
    `where` narrows both. With no filter either, every file is listed (`store.list_files`),
    missing ones included so a person sees what went."""
    if text.strip():
        found = await search.search_files(sessions, text, where, page=page, per_page=per_page)
        return Browsed(found.query, found.page)
    if where == NO_FILTER:
        return Browsed(None, await store.list_files(sessions, page=page, per_page=per_page))
    return Browsed(None, await _filtered(sessions, where, page, per_page))


async def browse_all(
    sessions: Sessions, text: str, where: SearchFilter = NO_FILTER, *, most: int = COUNT_CAP
) -> list[CollectionEntry]:
    """Every file of the view that is still on disk, in the view's order, at most `most`: what
    an export writes. Nothing to search in `text` is nothing at all."""
    entries: list[CollectionEntry] = []
    number = 1
    while len(entries) < most:
        shown = await browse(sessions, text, where, page=number, per_page=PER_PAGE_MAX)
        entries.extend(entry for entry in shown.page.items if not entry.missing)
        if not shown.page.items or (number >= shown.page.pages and not shown.page.capped):
            break
        number += 1
    return entries[:most]


async def _filtered(
    sessions: Sessions, where: SearchFilter, page: int, per_page: int
) -> Page[CollectionEntry]:
    """The files present that pass `where`, by path; counted up to COUNT_CAP like a search."""
    conditions = [_F.missing.is_(False), *where.conditions()]
    order = store.ORDERINGS[store.DEFAULT_ORDER]
    return await search.capped_page(sessions, conditions, order, page=page, per_page=per_page)
