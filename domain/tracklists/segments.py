"""A tracklist page read in segments of ~32 KB, when lexbor shows it gives the whole page's tree."""

from __future__ import annotations

import re
import secrets
from html import escape

from selectolax.lexbor import LexborHTMLParser, LexborNode

from domain.tracklists import selectors as S
from domain.tracklists.markup import _all_of
from domain.tracklists.model import ParsedTracklist
from domain.tracklists.tracklist_page import _NotShown, _Page, _Scope

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
