"""Pages of a listing: the one page shape every listing returns, and the rules for page numbers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")

# PostgreSQL's OFFSET is a bigint: a page number so large that its offset overflows would be a
# database error, so no page starts past this row.
_OFFSET_MAX = 2**62

# The page sizes the Loops and Tracklists pages offer: any other is refused by the rule every
# listing follows (domain.validation.paging), a 400 naming the parameter.
PER_PAGE_CHOICES = (10, 25, 50, 100)


def page_count(total: int, per_page: int) -> int:
    """How many pages `total` rows make at `per_page` a page (at least one, even when empty)."""
    return max(1, -(-total // per_page))


def page_within(page: int, total: int, per_page: int, *, capped: bool = False) -> int:
    """`page` made a page that exists: below 1 is the first, past the end the last.

    A `capped` total is only a lower bound, so pages past it may exist: such a page is only kept
    small enough for its offset to fit the database.
    """
    last = _OFFSET_MAX // per_page if capped else page_count(total, per_page)
    return min(max(page, 1), last)


def offset(page: int, per_page: int) -> int:
    """The row a page starts at (page 1 → 0)."""
    return (page - 1) * per_page


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a listing, as pages, the API and templates show it."""

    items: Sequence[T]
    total: int  # a lower bound when `capped`
    page: int
    per_page: int
    capped: bool = False  # the count stopped early: there are at least `total` rows

    @property
    def pages(self) -> int:
        return page_count(self.total, self.per_page)
