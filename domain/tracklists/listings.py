"""Search results, DJ and source pages of 1001tracklists → a Listing of items and the next page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from urllib.parse import urljoin, urlsplit

from selectolax.lexbor import LexborHTMLParser

from domain.tracklists import selectors as S
from domain.tracklists.markup import _all, _clean, _first, _iso_date
from domain.tracklists.page_errors import _refuse_challenge


class ListingKind(StrEnum):
    TRACKLIST = "tracklist"
    DJ = "dj"
    SOURCE = "source"


@dataclass(frozen=True, slots=True)
class ListingItem:
    kind: ListingKind
    title: str
    url: str  # absolute, joined to the page URL
    date: date | None = None


@dataclass(frozen=True, slots=True)
class Listing:
    items: tuple[ListingItem, ...]
    next_url: str | None


def parse_listing(html: str, url: str) -> Listing:
    """A search result, DJ or source page → its items and the next page's URL (if any).

    A challenge page, or the homepage served in place of the page, raises ChallengePage."""
    tree = LexborHTMLParser(html)
    _refuse_challenge(tree, url, listing=True)
    items: dict[str, ListingItem] = {}
    for container in _all(tree, S.LISTING_ITEMS):
        link = _first(container, S.LISTING_LINK)
        if link is None:
            continue
        href = urljoin(url, (link.attributes.get("href") or "").strip())
        kind = _listing_kind(href)
        title = _clean(link.text())
        if kind is None or not title or href in items:
            continue
        date_node = _first(container, S.LISTING_DATE)
        day = None
        if date_node is not None:
            day = _iso_date(date_node.attributes.get("datetime") or _clean(date_node.text()))
        items[href] = ListingItem(kind, title, href, day)
    next_node = _first(tree, S.NEXT_PAGE)
    next_url = None
    if next_node is not None:
        next_url = urljoin(url, (next_node.attributes.get("href") or "").strip())
        if next_url == url:
            next_url = None  # a "next" pointing at this very page would loop forever
    return Listing(tuple(items.values()), next_url)


def _listing_kind(href: str) -> ListingKind | None:
    path = urlsplit(href).path
    for marker, kind in S.LISTING_KINDS:
        if path.startswith(marker):
            return ListingKind(kind)
    return None
