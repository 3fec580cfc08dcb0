"""The track rows of a tracklist page's table → ParsedTrack, each part found by one query."""

from __future__ import annotations

import re
from typing import NamedTuple

from selectolax.lexbor import LexborCSSSelector, LexborNode

from domain.tracklists import selectors as S
from domain.tracklists.markup import _absolute, _all, _clean, _first, _unbracket
from domain.tracklists.model import ID, ParsedTrack

_TRAILING_PARENS = re.compile(r"\s*\(([^()]*)\)\s*$")
# The last word in brackets ending a title when they name a version of the track, not a part of
# its name ("Song (Part 2)"): read as the remix when the row has no remix markup of its own.
_VERSION_WORDS = frozenset(
    {"remix", "edit", "dub", "rework", "bootleg", "vip", "mix", "refix", "remake", "flip"}
    | {"version", "rerub", "remode"}
)
_CUE_TEXT = re.compile(r"^(?:(\d+):)?(\d{1,3}):(\d{2})$")


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
    S.TRACK_NAME,
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
    name: list[str]  # the track's name meta, "" without one


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
    number, cue_input, mashup_mark, value, title, remix, edit, label, url, name = columns
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
        name=[_clean(n.attributes.get("content")) if n is not None else "" for n in name],
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
    if artist or title:
        title, remix = _agreed(artist, title, remix, parts.name[index])
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


def _agreed(artist: str, title: str, remix: str, name: str) -> tuple[str, str]:
    """(title, remix) as the row shows them when the name meta ("Artist - Title (Remix)") says
    the same, else as the meta says: a layout whose remix markup we do not know (or misread)
    falls back to the meta, never to a remix twice. Without a meta, what the row shows."""
    shown = f"{title} ({remix})" if remix else title
    if name and name != f"{artist} - {shown}" and not name.endswith(f" - {shown}"):
        named = name.removeprefix(f"{artist} - ") if artist else name
        if named == name:
            named = name.partition(" - ")[2] or name
        title, remix = _split_remix(named, any_brackets=True)
    elif not remix:
        title, remix = _split_remix(title, any_brackets=False)
    return title, remix


def _split_remix(title: str, *, any_brackets: bool) -> tuple[str, str]:
    """A title ending in "(…)" → (the title before it, what the brackets hold), when
    `any_brackets` or the brackets name a version ("X Remix", "VIP"); else (title, "")."""
    found = _TRAILING_PARENS.search(title)
    if found is None or not found.start():
        return title, ""
    inside = found.group(1).strip()
    words = inside.lower().split()
    if any_brackets or (words and words[-1] in _VERSION_WORDS):
        return title[: found.start()].strip(), inside
    return title, ""


def _from_meta_name(name: str) -> tuple[str, str, str]:
    """(artist, title, remix) from the meta "Artist - Title (Remix)"."""
    artist, _, title = _clean(name).partition(" - ")
    title, remix = _split_remix(title.strip(), any_brackets=True)
    return artist.strip(), title, remix


def _shown_cue(row: LexborNode) -> int | None:
    shown = _first(row, S.CUE_TEXT)
    return _cue_seconds(_clean(shown.text())) if shown is not None else None


def _cue_seconds(text: str) -> int | None:
    found = _CUE_TEXT.match(text)
    if not found:
        return None
    hours, minutes, seconds = found.groups()
    return int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds)


def _metas(container: LexborNode) -> dict[str, str]:
    """A track's metas by itemprop (raw content; the first of each kind wins)."""
    found: dict[str, str] = {}
    for meta in container.iter():
        if meta.tag == "meta":
            meta_attrs = meta.attributes
            found.setdefault(meta_attrs.get("itemprop") or "", meta_attrs.get("content") or "")
    return found
