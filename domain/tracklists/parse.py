"""1001tracklists pages → `ParsedTracklist` / `Listing`, and what is wrong when they are not.

Pure functions over text (no network). All CSS lives in `selectors.py`. Data is kept verbatim:
a `<script>` in a track name stays that text; escaping is the page renderer's job. Parsing uses
selectolax's lexbor backend (1.0 dropped modest); a tracklist page is read in segments when lexbor
can show that this gives the whole document's tree (see "reading a tracklist page in segments"),
else whole. bench/bench_tracklist_parse.py measures both.
"""

from __future__ import annotations

import codecs
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum
from html import escape
from typing import NamedTuple
from urllib.parse import urljoin, urlsplit, urlunsplit

from selectolax.lexbor import LexborCSSSelector, LexborHTMLParser, LexborNode

from domain.tracklists import selectors as S
from domain.tracklists.model import ID, Link, ParsedTrack, ParsedTracklist


class PageError(Exception):
    """The page is not a tracklist we can store."""


class ChallengePage(PageError):
    """The site answered with its anti-bot challenge, or its homepage, instead of the page."""


class LayoutError(PageError):
    """A page we do not understand (the layout changed); the message names what is missing."""


class PageEncodingError(PageError):
    """The bytes do not decode with the declared charset (or UTF-8 when none is declared)."""


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


# --- decoding -------------------------------------------------------------------------------------

_CHARSET_PARAM = re.compile(r"""charset\s*=\s*["']?([\w.:-]+)""", re.IGNORECASE)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)""", re.IGNORECASE)
# Browsers read these labels as windows-1252 (WHATWG Encoding); pages declaring them rely on it.
_WINDOWS_1252_LABELS = frozenset({"iso8859-1", "ascii", "cp1252"})  # codecs.lookup() names
# windows-1252 is latin-1 but for 0x80-0x9F; the five bytes it leaves undefined stay U+0080-U+009F.
_WINDOWS_1252_C1 = {
    byte: bytes([byte]).decode("cp1252")
    for byte in range(0x80, 0xA0)
    if byte not in (0x81, 0x8D, 0x8F, 0x90, 0x9D)
}


def decode_page(raw: bytes, content_type: str | None = None) -> str:
    """Bytes → text: charset from Content-Type, else `<meta charset>`, else UTF-8; strict.

    Raises PageEncodingError naming the charset and the offset of the first bad byte."""
    if raw.startswith(codecs.BOM_UTF8):
        charset, origin = "utf-8", "its byte order mark"
        raw = raw[len(codecs.BOM_UTF8) :]
    elif content_type and (found := _CHARSET_PARAM.search(content_type)):
        charset, origin = found.group(1), "the Content-Type header"
    elif found_meta := _META_CHARSET.search(raw[:4096]):
        charset, origin = found_meta.group(1).decode("ascii", "replace"), "its <meta charset>"
    else:
        charset, origin = "utf-8", "no declaration: UTF-8"
    try:
        codec = codecs.lookup(charset).name
    except LookupError:
        raise PageEncodingError(
            f"the page declares an unknown charset {charset!r} (in {origin});"
            " expected e.g. utf-8 or windows-1252"
        ) from None
    if codec in _WINDOWS_1252_LABELS:
        return raw.decode("latin-1").translate(_WINDOWS_1252_C1)
    try:
        return raw.decode(codec)
    except UnicodeDecodeError as error:
        raise PageEncodingError(
            f"the page is not valid {charset} ({origin}): byte 0x{raw[error.start]:02x}"
            f" at offset {error.start} cannot be decoded"
        ) from None


# --- tracklist pages ------------------------------------------------------------------------------

_TRACKLIST_ID = re.compile(r"/tracklist/([^/?#]+)/")
_TRAILING_PARENS = re.compile(r"\s*\(([^()]*)\)\s*$")
_CUE_TEXT = re.compile(r"^(?:(\d+):)?(\d{1,3}):(\d{2})$")


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


# --- reading a tracklist page in segments ---------------------------------------------------------
#
# A real page is 300 to 600 KB, most of it the table; lexbor's tree takes ~15 bytes per byte of
# markup. Built whole, each page makes the C heap grow by megabytes, which glibc hands back to the
# system when the tree is freed, so the next page pays a page fault per 4 KB of it again (as much
# as building it: ~2.5 ms of the ~8 ms a 400 KB page took in `make bench`). Read in segments of
# ~32 KB, each tree freed before the next is built, the heap stays small and is reused: the first
# segment is the document up to the table's first rows (head, title block, table start), each next
# one the following rows, parsed after a stand-in for the table and its ancestors; what follows
# the table (sidebars, comments, footer) is not parsed at all.
#
# The cuts are found in the text cheaply, and lexbor checks each one: a segment ends with a marker
# element (with an id the page cannot know) holding a <form>, which must come out as the last
# child of the table, with the form in it. The table then was the current node at the cut, with
# the tokenizer between tags, no formatting element waiting to be reopened (it would wrap the
# marker) and no form left open (the form would be dropped): the state the next segment starts
# from, after the same open elements, so it gets the same tree as in the whole document. (A
# <frameset> in a later segment would replace the stand-in's body and lose the marker.) Page-wide
# lookups are answered from the first segment only when the rest cannot change them (_Scope).
# Anything else (a cut inside a row, a table inside a form or a list, quirks mode, no canonical
# link before the table, ...) reads the whole document instead, so the result never depends on
# the shortcut; tests compare both readings on every kind of page the fake site builds.

_SEGMENT_CHARS = 32 * 1024
_SEGMENT_END_TAG = "crateloop-segment-end"
_CUT_TRIES = 3  # cuts tried for a segment before reading the whole document
_STANDARD_DOCTYPE = re.compile(r"\s*<!doctype\s+html\s*>", re.IGNORECASE)
# Ancestors whose only part in parsing what is below them is being open: no formatting, list,
# form, table or scope-boundary elements.
_PLAIN_BLOCKS = frozenset({"div", "main", "section", "article", "aside", "header", "footer", "nav"})
_ATTRIBUTE_NAME = re.compile(r"[^\t\n\f\r /<>\"'=]+")
# To find where the table ends: `div` tags, and what to skip (comments, raw text elements).
_TABLE_MARKUP = re.compile(
    r"<(/?)div[\t\n\f\r />]|<!--"
    r"|<(script|style|textarea|title|xmp|iframe|noembed|noframes|plaintext)[\t\n\f\r />]"
)


class _NotShown(Exception):
    """The segmented reading could not show that it equals the whole document's."""


def _parse_in_segments(
    html: str, url: str | None, segment_chars: int = _SEGMENT_CHARS
) -> ParsedTracklist:
    """The page read in segments (see above); _NotShown when that cannot be shown to give what
    `_parse_document` gives."""
    if not _STANDARD_DOCTYPE.match(html):
        raise _NotShown("not a standards-mode page")
    marker = html.find(S.PLAYLIST_START_TEXT)
    table_content = html.find(">", marker) + 1  # after the table's start tag (lexbor checks it)
    if marker < 0 or table_content == 0:
        raise _NotShown(f"no {S.PLAYLIST_START_TEXT} in the text")

    page: _Page | None = None
    context = ""  # the table's ancestors and itself as start tags, for the segments after the first
    depth = 0  # how many elements `context` opens below <body>
    start = 0  # where the segment starts
    depth_one = table_content  # where the table is the current node (the segment's start, later)
    any_row = False
    nonce = secrets.token_hex(8)
    while True:
        # The first segment ends at the first rows: the rows are all read in small trees.
        cut = _row_start(html, depth_one + (segment_chars if context else 0))
        last = cut < 0
        if last:
            cut = _table_end(html, depth_one)
        tree, table = _segment(html, start, cut, context, depth, nonce)
        for _ in range(_CUT_TRIES):
            if table is not None or last:
                break
            # Not a cut between two rows of the table: the table may end before it, or the cut
            # fell inside an element holding rows (suggestions): try the end, or the next row.
            end = _table_end(html, depth_one)
            cut = _row_start(html, cut + len(S.ROW_CLASS)) if not 0 <= end < cut else -1
            last = cut < 0
            if last:
                cut = end
            tree, table = _segment(html, start, cut, context, depth, nonce)
        if table is None:
            raise _NotShown(f"the segment from {start} does not end inside the table")
        if page is None:
            context, depth, open_ids = _context(table)
            page = _Page(_Scope(tree, open_ids), table, url)
        # The rows by the best CSS only: the whole document would use the next one only if no
        # segment had any.
        rows = _all_of(table, S.ROWS.css[0], page.css)
        any_row = any_row or bool(rows)
        page.read_table(table, rows)
        if last:
            break
        start = depth_one = cut
        del tree, table, rows  # before the next tree is built, which can then reuse the memory
    if not any_row:
        raise _NotShown(f"no {S.ROWS.css[0]}: the whole document may use another CSS")
    if not page.metas:
        raise _NotShown(f"no metas directly in {S.PLAYLIST.name}: they are looked for page-wide")
    return page.tracklist(page.metas)


def _segment(
    html: str, start: int, cut: int, context: str, depth: int, nonce: str
) -> tuple[LexborHTMLParser, LexborNode | None]:
    """The tree of the segment `start`-`cut` and the table's node in it: None when the segment
    did not end with the table as the current node (the cut is not a clean row boundary)."""
    if cut < 0:
        return LexborHTMLParser(""), None
    marker = f'<{_SEGMENT_END_TAG} id="{nonce}"><form></form></{_SEGMENT_END_TAG}>'
    if not context:  # the first segment: the document itself, up to the cut
        tree = LexborHTMLParser(html[:cut] + marker)
        table = tree.css_first(S.PLAYLIST.css[0])
    else:
        tree = LexborHTMLParser(context + html[start:cut] + marker)
        table = tree.body
        for _ in range(depth):
            table = table.child if table is not None else None
    end = table.last_child if table is not None else None
    probe = end.child if end is not None and end.tag == _SEGMENT_END_TAG else None
    if probe is None or probe.tag != "form" or end is None or end.id != nonce:
        return tree, None
    end.decompose()
    return tree, table


def _context(table: LexborNode) -> tuple[str, int, frozenset[int]]:
    """The start tags re-creating the table and its open ancestors (with their attributes, for
    CSS that looks at ancestors) for the segments after the first, how many elements they open
    below <body>, and the mem_ids of all the open elements."""
    chain = [table]
    node = table.parent
    while node is not None and node.tag != "-document":
        chain.append(node)
        node = node.parent
    tags = [element.tag or "" for element in chain]
    if tags[-2:] != ["body", "html"] or not _PLAIN_BLOCKS.issuperset(tags[:-2]):
        raise _NotShown(f"the table is not a plain block within plain blocks: {' < '.join(tags)}")
    below_body = chain[-3::-1]
    context = "<!DOCTYPE html>" + "".join(_start_tag(element) for element in below_body)
    return context, len(below_body), frozenset(element.mem_id for element in chain)


def _start_tag(element: LexborNode) -> str:
    attributes = []
    for name, value in element.attributes.items():
        if not _ATTRIBUTE_NAME.fullmatch(name):
            raise _NotShown(f"an attribute name that does not write back: {name!r}")
        attributes.append(name if value is None else f'{name}="{escape(value)}"')
    return f"<{' '.join([element.tag or '', *attributes])}>"


def _row_start(html: str, position: int) -> int:
    """The start of the first row tag at or after `position` that comes right after an element's
    end (likely a child of the table, between two rows), or -1 if none."""
    while (found := html.find(S.ROW_CLASS, position)) >= 0:
        tag = html.rfind("<", position, found)
        if tag >= 0 and html.startswith("<div", tag) and html.find(">", tag, found) < 0:
            closed = html.rfind("</div>", max(tag - 512, 0), tag)
            if closed >= 0 and (closed + 6 == tag or html[closed + 6 : tag].isspace()):
                return tag
        position = found + len(S.ROW_CLASS)
    return -1


def _table_end(html: str, position: int) -> int:
    """Where the table's end tag is, counting `div` tags from `position` (inside the table, as
    its current node), or -1 when not found."""
    depth = 1
    while (found := _TABLE_MARKUP.search(html, position)) is not None:
        closing, raw_text = found.group(1), found.group(2)
        if raw_text is not None:
            position = html.find(f"</{raw_text}", found.end()) if raw_text != "plaintext" else -1
        elif closing is None:
            position = html.find("-->", found.end())
        elif closing:
            depth -= 1
            if depth == 0:
                return found.start()
            position = found.end()
        else:
            depth += 1
            position = found.end()
        if position < 0:
            return -1
    return -1


def _refuse_challenge(tree: LexborHTMLParser, url: str | None, *, listing: bool = False) -> None:
    """Raise ChallengePage when the page is the challenge or the homepage (by structure)."""
    if _first(tree, S.CHALLENGE) is not None:
        raise ChallengePage("the site answered with its anti-bot challenge (a captcha form)")
    for element in _all(tree, S.CHALLENGE_TEXT_ELEMENTS):
        if any(marker in _clean(element.text()).lower() for marker in S.CHALLENGE_TEXTS):
            raise ChallengePage(
                "the site answered with its anti-bot challenge"
                " (“Please wait, you will be forwarded”)"
            )
    canonical = _canonical(_first(tree, S.CANONICAL))
    asked_home = url is not None and urlsplit(url).path in S.HOMEPAGE_PATHS
    if canonical is not None:
        if urlsplit(canonical).path in S.HOMEPAGE_PATHS and not asked_home:
            raise ChallengePage("the site answered with its homepage instead of the page asked for")
    elif (
        not listing
        and _first(tree, S.PAGE_TITLE) is None
        and len(_all(tree, S.TRACKLIST_LINKS)) >= S.HOMEPAGE_MIN_TRACKLIST_LINKS
    ):
        raise ChallengePage(
            "the site answered with a page listing tracklists (its homepage?) instead of the"
            f" tracklist: no {S.PLAYLIST.name}"
        )


def _rows(table: LexborNode, candidates: list[LexborNode]) -> list[LexborNode]:
    """The track rows among `candidates` (in page order): not info headers or suggestions, nor
    rows inside them."""
    top = table.mem_id
    rows = []
    for row in candidates:
        node: LexborNode | None = row
        while node is not None and node.mem_id != top:
            if S.NOT_TRACK_CLASSES.intersection((node.attributes.get("class") or "").split()):
                break
            node = node.parent
        else:
            rows.append(row)
    return rows


# The parts of a row, each found by one query over the table (a query per row would cost more
# than parsing the page: lexbor compiles the CSS on every call), then given to the row it is in.
# The visible cue and the track's metas are looked up in the few rows that need them.
_ROW_PARTS = (
    S.POSITION,
    S.CUE_SECONDS,
    S.MASHUP_MARK,
    S.TRACK_VALUE,
    S.TRACK_TITLE,
    S.TRACK_REMIX,
    S.TRACK_EDIT,
    S.TRACK_LABEL,
    S.TRACK_URL,
)


class _Parts(NamedTuple):
    """By row index: what the row's first match of each of `_ROW_PARTS` says (texts cleaned)."""

    number: list[str]
    cue_input: list[LexborNode | None]
    mashup_mark: list[LexborNode | None]
    value: list[str | None]  # None: no span.trackValue
    title: list[str]
    remix: list[str]
    edit: list[str]
    label: list[str]
    url: list[str]


def _row_parts(css: LexborCSSSelector, table: LexborNode, rows: list[LexborNode]) -> _Parts:
    """The parts of each row (hidden text removed first)."""
    for hidden in _all(table, S.TRACK_VALUE_HIDDEN, css):
        hidden.decompose()
    # Which row (index, or -1 for none) an element is in, by mem_id; filled in with each match
    # and what it walked up through, so that the next match stops a step or two up.
    owner = {row.mem_id: i for i, row in enumerate(rows)}
    owner[table.mem_id] = -1  # not in a track row: a suggestion, an info header
    row_of = owner.get
    columns: list[list[LexborNode | None]] = []
    for selector in _ROW_PARTS:
        column: list[LexborNode | None] = [None] * len(rows)
        for match in _all(table, selector, css):
            node = match.parent
            key = node.mem_id if node is not None else 0
            row = row_of(key)
            if row is None:
                walked = [key]
                node = node.parent if node is not None else None
                while node is not None:
                    key = node.mem_id
                    row = row_of(key)
                    if row is not None:
                        break
                    walked.append(key)
                    node = node.parent
                else:
                    row = -1
                for key in walked:
                    owner[key] = row
            owner.setdefault(match.mem_id, row)  # (a match may be a row: it keeps its index)
            if row >= 0 and column[row] is None:
                column[row] = match
        columns.append(column)
    number, cue_input, mashup_mark, value, title, remix, edit, label, url = columns
    # Column by column: cheaper than row by row.
    return _Parts(
        number=_texts(number),
        cue_input=cue_input,
        mashup_mark=mashup_mark,
        value=[_clean(node.text()) if node is not None else None for node in value],
        title=_texts(title),
        remix=_texts(remix),
        edit=_texts(edit),
        label=_texts(label),
        url=[(n.attributes.get("content") or "").strip() if n is not None else "" for n in url],
    )


def _texts(nodes: list[LexborNode | None]) -> list[str]:
    return [_clean(node.text()) if node is not None else "" for node in nodes]


def _read_row(
    node: LexborNode, index: int, parts: _Parts, base: str, origin: str, first: bool
) -> tuple[ParsedTrack, bool] | None:
    """The row's track, and whether it is a first track whose cue 0 is still undecided."""
    attrs = node.attributes
    classes = (attrs.get("class") or "").split()
    number = parts.number[index]
    with_previous = S.WITH_PREVIOUS_CLASS in classes or number.lower() == S.WITH_PREVIOUS_TEXT
    mashup = not with_previous and (
        S.MASHUP_CLASS in classes
        or attrs.get(S.MASHUP_ATTRIBUTE) is not None
        or parts.mashup_mark[index] is not None
    )
    position = int(number) if number.isdecimal() and not (with_previous or mashup) else None

    artist, title, remix = _displayed(parts.value[index], parts.title[index], parts.remix[index])
    label = _unbracket(parts.label[index], "[]")
    if not (artist or title) or not label:
        # The metas say what the row does not show.
        container = node if attrs.get("itemprop") == "tracks" else _first(node, S.TRACK_METAS)
        metas = _metas(container) if container is not None else {}
        if not (artist or title):
            artist, title, remix = _from_meta_name(_clean(metas.get(S.TRACK_META_NAME)))
        label = label or _clean(metas.get(S.TRACK_META_LABEL))
    if not (artist or title):
        return None  # no track in it (a placeholder, or cut off by a truncated page)
    artist, title = artist or ID, title or ID
    edit_note = _unbracket(parts.edit[index], "()")
    href = parts.url[index]

    # Cue: the hidden input's seconds (0 = none, except on the first track), else the shown text.
    # "w/" rows and mashup parts have no cue of their own.
    cue: int | None = None
    start_unknown = False
    if not (with_previous or mashup):
        cue_input = parts.cue_input[index]
        raw = (cue_input.attributes.get("value") or "").strip() if cue_input is not None else ""
        if raw.isdecimal() and int(raw) > 0:
            cue = int(raw)
        elif first:
            cue = _shown_cue(node)
            start_unknown = cue is None and raw == "0"
        elif not raw.isdecimal():
            cue = _shown_cue(node) or None  # a 0:00 shown after the first track means none
    track = ParsedTrack(
        position=position,
        with_previous=with_previous,
        cue_seconds=cue,
        artist=artist,
        title=title,
        remix=remix or None,
        edit_note=edit_note or None,
        label=label or None,
        is_id=ID in (artist, title),
        mashup=mashup,
        url=_absolute(href, base, origin) if href else None,
    )
    return track, start_unknown


def _displayed(shown: str | None, title: str, remix_text: str) -> tuple[str, str, str]:
    """(artist, title, remix) from what `span.trackValue` shows (hidden text dropped) and the
    texts of its title and remix parts."""
    if shown is None:
        return "", "", ""
    remix = _unbracket(remix_text, "()")
    # The artist is what the value shows before " - <title>" (titles may contain " - ").
    if title and (cut := shown.find(f" - {title}")) >= 0:
        artist = shown[:cut]
    elif title and shown.startswith(f"- {title}"):
        artist = ""
    else:
        if remix_text and shown.endswith(remix_text):
            shown = shown[: -len(remix_text)].rstrip()
        artist, _, title = shown.partition(" - ")
    if remix and title.endswith(f"({remix})"):
        title = title[: -len(remix) - 2].rstrip()
    return artist.strip(), title.strip(), remix


def _from_meta_name(name: str) -> tuple[str, str, str]:
    """(artist, title, remix) from the meta "Artist - Title (Remix)"."""
    artist, _, title = _clean(name).partition(" - ")
    remix = ""
    if found := _TRAILING_PARENS.search(title):
        remix, title = found.group(1).strip(), title[: found.start()]
    return artist.strip(), title.strip(), remix


def _shown_cue(row: LexborNode) -> int | None:
    shown = _first(row, S.CUE_TEXT)
    return _cue_seconds(_clean(shown.text())) if shown is not None else None


def _cue_seconds(text: str) -> int | None:
    found = _CUE_TEXT.match(text)
    if not found:
        return None
    hours, minutes, seconds = found.groups()
    return int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds)


def _claimed(metas: list[tuple[str, str]], count_attribute: str | None) -> int | None:
    for raw in (_first_value(metas, S.META_TRACK_COUNT), count_attribute):
        if raw and raw.strip().isdecimal():
            return int(raw.strip())
    return None


def _playlist_metas(metas: Iterable[LexborNode]) -> list[tuple[str, str]]:
    """(itemprop, content) of the playlist's own metas, in page order."""
    return [(meta.attrs.get("itemprop") or "", _clean(meta.attrs.get("content"))) for meta in metas]


def _metas(container: LexborNode) -> dict[str, str]:
    """A track's metas by itemprop (raw content; the first of each kind wins)."""
    found: dict[str, str] = {}
    for meta in container.iter():
        if meta.tag == "meta":
            meta_attrs = meta.attributes
            found.setdefault(meta_attrs.get("itemprop") or "", meta_attrs.get("content") or "")
    return found


def _first_value(metas: list[tuple[str, str]], key: str) -> str:
    return next((value for k, value in metas if k == key and value), "")


def _page_title(scope: _Scope) -> str:
    heading = scope.first(S.PAGE_TITLE)
    if heading is not None and (text := _clean(heading.text())):
        return text
    document_title = scope.first(S.DOCUMENT_TITLE)
    text = _clean(document_title.text()) if document_title is not None else ""
    return text.removesuffix(S.DOCUMENT_TITLE_SUFFIX).strip()


def _canonical(node: LexborNode | None) -> str | None:
    if node is None:
        return None
    return (node.attributes.get("href") or node.attributes.get("content") or "").strip() or None


def _links(block: LexborNode | None, selector: S.Selector, base: str) -> Iterable[Link]:
    for node in _all(block, selector) if block is not None else ():
        name = _clean(node.text())
        if name:
            yield Link(name, urljoin(base, node.attributes.get("href") or ""))


# --- search results, DJ and source pages ----------------------------------------------------------


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


# --- small pieces ---------------------------------------------------------------------------------


def _first(node: LexborNode | LexborHTMLParser, selector: S.Selector) -> LexborNode | None:
    """The first match of the selector's first CSS that matches (below `node`, not `node`)."""
    own = node.mem_id if isinstance(node, LexborNode) else None
    for css in selector.css:
        found = node.css_first(css)
        if found is not None and found.mem_id == own:  # document order: `node` comes first
            found = next((match for match in node.css(css) if match.mem_id != own), None)
        if found is not None:
            return found
    return None


def _all(
    node: LexborNode | LexborHTMLParser,
    selector: S.Selector,
    engine: LexborCSSSelector | None = None,
) -> list[LexborNode]:
    """Every match of the selector's first CSS that matches. Lexbor counts a node as matching
    its own query; a part of a row is never the row itself, so `node` is left out. `engine`:
    a CSS engine to use instead of the tree's own (below a node)."""
    for css in selector.css:
        found = _all_of(node, css, engine) if isinstance(node, LexborNode) else node.css(css)
        if found:
            return found
    return []


def _all_of(
    node: LexborNode, css: str, engine: LexborCSSSelector | None = None
) -> list[LexborNode]:
    """Every match of `css` below `node` (not `node` itself)."""
    matches = engine.find(css, node) if engine is not None else node.css(css)
    if matches and matches[0].mem_id == node.mem_id:  # in document order, `node` comes first
        del matches[0]
    return matches


def _clean(text: str | None) -> str:
    return " ".join((text or "").split())


def _unbracket(text: str, pair: str) -> str:
    if len(text) >= 2 and text[0] == pair[0] and text[-1] == pair[1]:
        return text[1:-1].strip()
    return text


def _iso_date(text: str | None) -> date | None:
    found = re.search(r"\d{4}-\d{2}-\d{2}", text or "")
    if not found:
        return None
    try:
        return date.fromisoformat(found.group(0))
    except ValueError:
        return None


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def _absolute(href: str, base: str, origin: str) -> str:
    if origin and href.startswith("/") and not href.startswith("//"):
        return origin + href  # the common case, without urljoin's cost
    return urljoin(base, href)


def _without_query(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(query="", fragment=""))
