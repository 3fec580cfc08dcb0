"""A 1001tracklists tracklist page → `ParsedTracklist`, or the PageError saying what is wrong.

Pure functions over text (no network). All CSS lives in `selectors.py`. Data is kept verbatim:
a `<script>` in a track name stays that text; escaping is the page renderer's job. Parsing uses
selectolax's lexbor backend (1.0 dropped modest); a tracklist page is read in segments when lexbor
can show that this gives the whole document's tree (segments.py), else whole (tracklist_page.py
reads either). bench/bench_tracklist_parse.py measures both.
"""

from __future__ import annotations

from selectolax.lexbor import LexborHTMLParser

from domain.tracklists import selectors as S
from domain.tracklists.markup import _all, _first
from domain.tracklists.model import ParsedTracklist
from domain.tracklists.page_errors import LayoutError, PageError, _refuse_challenge
from domain.tracklists.segments import _parse_in_segments
from domain.tracklists.tracklist_page import _NotShown, _Page, _playlist_metas, _Scope


def parse_tracklist(html: str, url: str | None = None) -> ParsedTracklist:
    """A tracklist page → ParsedTracklist; ChallengePage for a challenge or the homepage,
    LayoutError naming what is missing (nothing half-parsed is returned)."""
    try:
        return _parse_in_segments(html, url)
    except (_NotShown, PageError):
        # The shortcut could not show that it reads this page as the whole document reads, or
        # the page is wrong (the whole document names what is wrong): read the whole document.
        pass
    return _parse_document(html, url)


def _parse_document(html: str, url: str | None) -> ParsedTracklist:
    """The reference reading: one tree of the whole document."""
    tree = LexborHTMLParser(html)
    playlist = _first(tree, S.PLAYLIST)
    if playlist is None:
        _refuse_challenge(tree, url)
        raise LayoutError(
            f"no {S.PLAYLIST.name}: the page has no tracklist table (the layout may have changed)"
        )
    page = _Page(_Scope(tree), playlist, url)
    page.read_table(playlist, _all(playlist, S.ROWS))
    metas = page.metas or _playlist_metas(_all(tree, S.PLAYLIST_METAS))
    return page.tracklist(metas)
