"""A tracklist page being read: its page-wide parts, then its table, into a ParsedTracklist."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace
from urllib.parse import urljoin, urlsplit

from selectolax.lexbor import LexborCSSSelector, LexborHTMLParser, LexborNode

from domain.tracklists import selectors as S
from domain.tracklists.markup import (
    _all,
    _canonical,
    _clean,
    _first,
    _iso_date,
    _origin,
    _without_query,
)
from domain.tracklists.model import Link, ParsedTrack, ParsedTracklist
from domain.tracklists.page_errors import LayoutError
from domain.tracklists.rows import _read_row, _row_parts, _rows

_TRACKLIST_ID = re.compile(r"/tracklist/([^/?#]+)/")


class _NotShown(Exception):
    """The segmented reading could not show that it equals the whole document's."""


class _Scope:
    """Answers the page-wide lookups (canonical link, title block): on the whole document, or on
    its first segment, a prefix of it, where an answer stands only when the rest of the page
    cannot change it."""

    def __init__(self, tree: LexborHTMLParser, open_ids: frozenset[int] | None = None) -> None:
        self.tree = tree
        self.open_ids = open_ids  # a prefix: the elements still open where it was cut

    def first(self, selector: S.Selector) -> LexborNode | None:
        if self.open_ids is None:
            return _first(self.tree, selector)
        # The first match in a prefix is the document's first match when it is for the best CSS
        # (a later one is only tried when the best matches nothing, in the whole page) and the
        # element ended before the cut (its content is all there).
        found = self.tree.css_first(selector.css[0])
        if found is None or found.mem_id in self.open_ids:
            raise _NotShown(f"{selector.name}: not in the first segment")
        return found


class _Page:
    """A tracklist page being read: what is page-wide first (so that the tree holding it can go),
    then the rows, table part by table part in page order (the whole table, or one segment of it
    at a time)."""

    def __init__(self, scope: _Scope, playlist: LexborNode, url: str | None) -> None:
        self.canonical = _canonical(scope.first(S.CANONICAL))
        self.page_url = _without_query(url) if url else self.canonical
        self.base = self.page_url or "/"
        self.origin = _origin(self.base)
        title_block = scope.first(S.TITLE_BLOCK)
        self.dj_links = tuple(_links(title_block, S.DJ_LINKS, self.base))
        self.source_links = tuple(_links(title_block, S.SOURCE_LINKS, self.base))
        # The title shown, needed only without the title meta; or why the first segment cannot
        # tell it (kept as text: an exception would keep the tree alive through its traceback).
        self.heading, self.heading_unknown = "", ""
        try:
            self.heading = _page_title(scope)
        except _NotShown as error:
            self.heading_unknown = str(error)
        self.count_attribute = playlist.attributes.get(S.PLAYLIST_COUNT_ATTRIBUTE)
        # One CSS engine for all the table's parts: each tree would otherwise make its own.
        self.css = LexborCSSSelector()  # type: ignore[no-untyped-call]  # (the stub lacks -> None)
        self.tracks: list[ParsedTrack] = []
        self.metas: list[tuple[str, str]] = []  # (itemprop, content) of the table's own metas
        self.last_position = 0
        self.pending_start: int | None = None  # index of a first track whose hidden cue is 0

    def read_table(self, table: LexborNode, candidates: list[LexborNode]) -> None:
        """Read the table's own metas (its direct children) and the rows among `candidates`."""
        # Reading the direct children is ~10x cheaper than a CSS query for the metas.
        self.metas += _playlist_metas(child for child in table.iter() if child.tag == "meta")
        rows = _rows(table, candidates)
        parts = _row_parts(self.css, table, rows)
        for index, node in enumerate(rows):
            read = _read_row(node, index, parts, self.base, self.origin, self.last_position == 0)
            if read is None:
                continue
            track, start_unknown = read
            if track.position is None and not (track.with_previous or track.mashup):
                # The layout lost the number of an ordinary row: number it after the last one.
                track = replace(track, position=self.last_position + 1)
            if track.position is not None:
                self.last_position = track.position
            if start_unknown:
                self.pending_start = len(self.tracks)
            self.tracks.append(track)

    def tracklist(self, metas: list[tuple[str, str]]) -> ParsedTracklist:
        """The page read so far as a ParsedTracklist (`metas`: the table's own metas)."""
        tracks = self.tracks
        if self.pending_start is not None and any(t.cue_seconds for t in tracks):
            # Hidden cue 0 on the first track is the start of the mix when other rows have cues.
            tracks[self.pending_start] = replace(tracks[self.pending_start], cue_seconds=0)
        title = _first_value(metas, S.META_TITLE)
        if not title and self.heading_unknown:
            raise _NotShown(self.heading_unknown)
        title = title or self.heading
        if not title:
            raise LayoutError(
                f"no title: neither meta[itemprop={S.META_TITLE}] in {S.PLAYLIST.name}"
                f" nor {S.PAGE_TITLE.name}"
            )
        dj_links, source_links = self.dj_links, self.source_links
        djs = tuple(dict.fromkeys(link.name for link in dj_links))
        if not djs and (author := _first_value(metas, S.META_DJ)):
            djs = (author,)

        claimed = _claimed(metas, self.count_attribute)
        counted = sum(1 for t in tracks if t.position is not None or t.with_previous)
        if claimed is not None and counted < claimed:
            detail = "" if counted == 0 else ": the page looks truncated"
            raise LayoutError(f"{counted} rows while the page claims {claimed} tracks{detail}")
        if claimed is None and not tracks:
            raise LayoutError(f"0 rows: no {S.ROWS.name} in {S.PLAYLIST.name}")

        source_id = None
        for candidate in (self.page_url, self.canonical):
            if candidate and (found := _TRACKLIST_ID.search(urlsplit(candidate).path)):
                source_id = found.group(1)
                break
        return ParsedTracklist(
            title=title,
            tracks=tuple(tracks),
            source_id=source_id,
            url=self.page_url,
            djs=djs,
            source=source_links[0].name if source_links else None,
            date=_iso_date(_first_value(metas, S.META_DATE)),
            genres=tuple(dict.fromkeys(v for k, v in metas if k == S.META_GENRE and v)),
            claimed_track_count=claimed,
            dj_links=dj_links,
            source_links=source_links,
        )


def _claimed(metas: list[tuple[str, str]], count_attribute: str | None) -> int | None:
    for raw in (_first_value(metas, S.META_TRACK_COUNT), count_attribute):
        if raw and raw.strip().isdecimal():
            return int(raw.strip())
    return None


def _playlist_metas(metas: Iterable[LexborNode]) -> list[tuple[str, str]]:
    """(itemprop, content) of the playlist's own metas, in page order."""
    return [(meta.attrs.get("itemprop") or "", _clean(meta.attrs.get("content"))) for meta in metas]


def _first_value(metas: list[tuple[str, str]], key: str) -> str:
    return next((value for k, value in metas if k == key and value), "")


def _page_title(scope: _Scope) -> str:
    heading = scope.first(S.PAGE_TITLE)
    if heading is not None and (text := _clean(heading.text())):
        return text
    document_title = scope.first(S.DOCUMENT_TITLE)
    text = _clean(document_title.text()) if document_title is not None else ""
    return text.removesuffix(S.DOCUMENT_TITLE_SUFFIX).strip()


def _links(block: LexborNode | None, selector: S.Selector, base: str) -> Iterable[Link]:
    for node in _all(block, selector) if block is not None else ():
        name = _clean(node.text())
        if name:
            yield Link(name, urljoin(base, node.attributes.get("href") or ""))
