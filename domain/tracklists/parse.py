"""1001tracklists pages → `ParsedTracklist` / `Listing`, and what is wrong when they are not.

Pure functions over text (no network). All CSS lives in `selectors.py`. Data is kept verbatim:
a `<script>` in a track name stays that text; escaping is the page renderer's job. Parsing uses
selectolax's lexbor backend (1.0 dropped modest); bench/bench_tracklist_parse.py measures it.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum
from urllib.parse import urljoin, urlsplit, urlunsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

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
    tree = LexborHTMLParser(html)
    playlist = _first(tree, S.PLAYLIST)
    if playlist is None:
        _refuse_challenge(tree, url)
        raise LayoutError(
            f"no {S.PLAYLIST.name}: the page has no tracklist table (the layout may have changed)"
        )
    canonical = _canonical(tree)
    page_url = _without_query(url) if url else canonical
    base = page_url or "/"

    metas = _playlist_metas(tree, playlist)
    title = _first_value(metas, S.META_TITLE) or _page_title(tree)
    if not title:
        raise LayoutError(
            f"no title: neither meta[itemprop={S.META_TITLE}] in {S.PLAYLIST.name}"
            f" nor {S.PAGE_TITLE.name}"
        )
    dj_links = tuple(_links(tree, S.DJ_LINKS, base))
    djs = tuple(dict.fromkeys(link.name for link in dj_links))
    if not djs and (author := _first_value(metas, S.META_DJ)):
        djs = (author,)
    source_links = tuple(_links(tree, S.SOURCE_LINKS, base))

    rows = _rows(playlist)
    tracks = _tracks(playlist, rows, base)
    claimed = _claimed(metas, playlist)
    counted = sum(1 for t in tracks if t.position is not None or t.with_previous)
    if claimed is not None and counted < claimed:
        detail = "" if counted == 0 else ": the page looks truncated"
        raise LayoutError(f"{counted} rows while the page claims {claimed} tracks{detail}")
    if claimed is None and not tracks:
        raise LayoutError(f"0 rows: no {S.ROWS.name} in {S.PLAYLIST.name}")

    source_id = None
    for candidate in (page_url, canonical):
        if candidate and (found := _TRACKLIST_ID.search(urlsplit(candidate).path)):
            source_id = found.group(1)
            break
    return ParsedTracklist(
        title=title,
        tracks=tuple(tracks),
        source_id=source_id,
        url=page_url,
        djs=djs,
        source=source_links[0].name if source_links else None,
        date=_iso_date(_first_value(metas, S.META_DATE)),
        genres=tuple(dict.fromkeys(v for k, v in metas if k == S.META_GENRE and v)),
        claimed_track_count=claimed,
        dj_links=dj_links,
        source_links=source_links,
    )


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
    canonical = _canonical(tree)
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


def _rows(playlist: LexborNode) -> list[LexborNode]:
    """The track rows in page order: not info headers or suggestions, nor rows inside them."""
    top = playlist.mem_id
    rows = []
    for row in _all(playlist, S.ROWS):
        node: LexborNode | None = row
        while node is not None and node.mem_id != top:
            if S.NOT_TRACK_CLASSES.intersection((node.attrs.get("class") or "").split()):
                break
            node = node.parent
        else:
            rows.append(row)
    return rows


# The parts of a row, each found by one query over the whole table (a query per row would cost
# more than parsing the page: lexbor compiles the CSS on every call). The visible cue is looked
# up in the few rows that need it.
_ROW_PARTS = (
    S.POSITION,
    S.CUE_SECONDS,
    S.MASHUP_MARK,
    S.TRACK_VALUE,
    S.TRACK_TITLE,
    S.TRACK_REMIX,
    S.TRACK_EDIT,
    S.TRACK_LABEL,
    S.TRACK_METAS,
)
_Parts = dict[str, list[LexborNode]]  # by selector name


def _row_parts(playlist: LexborNode, rows: list[LexborNode]) -> list[_Parts]:
    """For each row, the nodes each of `_ROW_PARTS` finds inside it (hidden text removed)."""
    for hidden in _all(playlist, S.TRACK_VALUE_HIDDEN):
        hidden.decompose()
    # Which row (index, or -1 for none) an element is in, by mem_id; filled in while walking up
    # from each match so that its siblings stop one step up.
    owner = {row.mem_id: i for i, row in enumerate(rows)}
    owner[playlist.mem_id] = -1  # not in a track row: a suggestion, an info header
    parts: list[_Parts] = [{} for _ in rows]
    for selector in _ROW_PARTS:
        for match in _all(playlist, selector):
            walked = []
            node = match.parent
            row = -1
            while node is not None:
                key = node.mem_id
                if key in owner:
                    row = owner[key]
                    break
                walked.append(key)
                node = node.parent
            for key in walked:
                owner[key] = row
            if row >= 0:
                parts[row].setdefault(selector.name, []).append(match)
    return parts


def _tracks(playlist: LexborNode, rows: list[LexborNode], base: str) -> list[ParsedTrack]:
    origin = _origin(base)
    tracks: list[ParsedTrack] = []
    last_position = 0
    pending_start: int | None = None  # index of a first track whose hidden cue is 0, unshown
    for node, parts in zip(rows, _row_parts(playlist, rows), strict=True):
        read = _read_row(node, parts, base, origin, first=last_position == 0)
        if read is None:
            continue
        track, start_unknown = read
        if track.position is None and not (track.with_previous or track.mashup):
            # The layout lost the number of an ordinary row: number it after the last one.
            track = replace(track, position=last_position + 1)
        if track.position is not None:
            last_position = track.position
        if start_unknown:
            pending_start = len(tracks)
        tracks.append(track)
    if pending_start is not None and any(t.cue_seconds for t in tracks):
        # Hidden cue 0 on the first track is the start of the mix when other rows have cues.
        tracks[pending_start] = replace(tracks[pending_start], cue_seconds=0)
    return tracks


def _read_row(
    node: LexborNode, parts: _Parts, base: str, origin: str, *, first: bool
) -> tuple[ParsedTrack, bool] | None:
    """The row's track, and whether it is a first track whose cue 0 is still undecided."""

    def text(selector: S.Selector) -> str | None:
        found = parts.get(selector.name)
        return _clean(found[0].text()) if found else None

    attrs = node.attrs
    classes = (attrs.get("class") or "").split()
    number = text(S.POSITION) or ""
    with_previous = S.WITH_PREVIOUS_CLASS in classes or number.lower() == S.WITH_PREVIOUS_TEXT
    mashup = not with_previous and (
        S.MASHUP_CLASS in classes
        or attrs.get(S.MASHUP_ATTRIBUTE) is not None
        or S.MASHUP_MARK.name in parts
    )
    position = int(number) if number.isdigit() and not (with_previous or mashup) else None

    containers = parts.get(S.TRACK_METAS.name)
    container = node if attrs.get("itemprop") == "tracks" else containers[0] if containers else None
    metas = _metas(container) if container is not None else {}
    artist, title, remix = _displayed(parts)
    if not (artist or title):
        artist, title, remix = _from_meta_name(_clean(metas.get(S.TRACK_META_NAME)))
    if not (artist or title):
        return None  # no track in it (a placeholder, or cut off by a truncated page)
    artist, title = artist or ID, title or ID
    label = _unbracket(text(S.TRACK_LABEL) or "", "[]") or _clean(metas.get(S.TRACK_META_LABEL))
    edit = _unbracket(text(S.TRACK_EDIT) or "", "()")
    href = (metas.get(S.TRACK_META_URL) or "").strip()

    # Cue: the hidden input's seconds (0 = none, except on the first track), else the shown text.
    # "w/" rows and mashup parts have no cue of their own.
    cue: int | None = None
    start_unknown = False
    if not (with_previous or mashup):
        hidden = parts.get(S.CUE_SECONDS.name)
        raw = (hidden[0].attrs.get("value") or "").strip() if hidden else ""
        if raw.isdigit() and int(raw) > 0:
            cue = int(raw)
        elif first:
            cue = _shown_cue(node)
            start_unknown = cue is None and raw == "0"
        elif not raw.isdigit():
            cue = _shown_cue(node) or None  # a 0:00 shown after the first track means none
    track = ParsedTrack(
        position=position,
        with_previous=with_previous,
        cue_seconds=cue,
        artist=artist,
        title=title,
        remix=remix or None,
        edit_note=edit or None,
        label=label or None,
        is_id=ID in (artist, title),
        mashup=mashup,
        url=_absolute(href, base, origin) if href else None,
    )
    return track, start_unknown


def _displayed(parts: _Parts) -> tuple[str, str, str]:
    """(artist, title, remix) as `span.trackValue` shows them (hidden text already dropped)."""
    values = parts.get(S.TRACK_VALUE.name)
    if not values:
        return "", "", ""
    shown = _clean(values[0].text())
    remixes = parts.get(S.TRACK_REMIX.name)
    remix_text = _clean(remixes[0].text()) if remixes else ""
    remix = _unbracket(remix_text, "()")
    titles = parts.get(S.TRACK_TITLE.name)
    title = _clean(titles[0].text()) if titles else ""
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


def _claimed(metas: list[tuple[str, str]], playlist: LexborNode) -> int | None:
    for raw in (
        _first_value(metas, S.META_TRACK_COUNT),
        playlist.attributes.get(S.PLAYLIST_COUNT_ATTRIBUTE),
    ):
        if raw and raw.strip().isdigit():
            return int(raw.strip())
    return None


def _playlist_metas(tree: LexborHTMLParser, playlist: LexborNode) -> list[tuple[str, str]]:
    """(itemprop, content) of the playlist's own metas, in page order (not its tracks')."""
    # Usually the table's direct children: reading those is ~10x cheaper than a CSS query.
    metas = [child for child in playlist.iter() if child.tag == "meta"]
    return [
        (meta.attrs.get("itemprop") or "", _clean(meta.attrs.get("content")))
        for meta in metas or _all(tree, S.PLAYLIST_METAS)
    ]


def _metas(container: LexborNode) -> dict[str, str]:
    """A track's metas by itemprop (raw content; the first of each kind wins)."""
    found: dict[str, str] = {}
    for meta in container.iter():
        if meta.tag == "meta":
            meta_attrs = meta.attrs
            found.setdefault(meta_attrs.get("itemprop") or "", meta_attrs.get("content") or "")
    return found


def _first_value(metas: list[tuple[str, str]], key: str) -> str:
    return next((value for k, value in metas if k == key and value), "")


def _page_title(tree: LexborHTMLParser) -> str:
    heading = _first(tree, S.PAGE_TITLE)
    if heading is not None and (text := _clean(heading.text())):
        return text
    document_title = _first(tree, S.DOCUMENT_TITLE)
    text = _clean(document_title.text()) if document_title is not None else ""
    return text.removesuffix(S.DOCUMENT_TITLE_SUFFIX).strip()


def _canonical(tree: LexborHTMLParser) -> str | None:
    node = _first(tree, S.CANONICAL)
    if node is None:
        return None
    return (node.attributes.get("href") or node.attributes.get("content") or "").strip() or None


def _links(tree: LexborHTMLParser, selector: S.Selector, base: str) -> Iterable[Link]:
    for node in _all(tree, selector):
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


def _all(node: LexborNode | LexborHTMLParser, selector: S.Selector) -> list[LexborNode]:
    """Every match of the selector's first CSS that matches. Lexbor counts a node as matching
    its own query; a part of a row is never the row itself, so `node` is left out."""
    own = node.mem_id if isinstance(node, LexborNode) else None
    for css in selector.css:
        found = [match for match in node.css(css) if match.mem_id != own]
        if found:
            return found
    return []


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
