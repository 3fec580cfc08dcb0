"""The rules for what a DJ types into a draft: metadata and rows, checked and tidied.

Every refusal is a DraftError naming the field ("title", "date", "cue", ...) with a message saying
what would be valid. What is odd but possible (a position used twice, a cue earlier than the row
before) is not refused here: `model.row_warnings` flags it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date

from domain.tracklists.model import ID, ParsedTrack, format_cue
from domain.validation import InputError, parse_date

TITLE_MAX = 300  # a tracklist's title
TEXT_MAX = 500  # artist, title, remix, edit note, label of a row
NAME_MAX = 300  # a DJ, a source
GENRE_MAX = 100
URL_MAX = 2000
CUE_LIMIT = 100 * 3600  # cues are under 100 hours
POSITION_MAX = 999
_CUE = re.compile(r"(?:(\d+):)?(\d+):(\d{2})", re.ASCII)
_TRUE = ("1", "true", "yes", "on")
_ROW_TEXT = ("artist", "title", "remix", "edit_note", "label")
_LABELS = {"edit_note": "edit note"}


# A draft cannot be changed as asked; `field` names the input at fault. A set date is read by
# domain.validation, so its refusals are the one error every input rule raises.
DraftError = InputError


@dataclass(frozen=True, slots=True)
class DraftMeta:
    """A draft's metadata once checked: stripped, empty names dropped."""

    title: str
    djs: tuple[str, ...]
    source: str | None
    date: date | None
    genres: tuple[str, ...]


def split_names(text: str | Iterable[str]) -> tuple[str, ...]:
    """ "A, B ,, C" (or a list of names) → ("A", "B", "C"): stripped, blanks and repeats dropped."""
    names = text.split(",") if isinstance(text, str) else text
    unique: dict[str, None] = {}
    for name in names:
        if name.strip():
            unique.setdefault(name.strip(), None)
    return tuple(unique)


def parse_cue(raw: str) -> int | None:
    """Seconds from "h:mm:ss", "m:ss" or plain seconds ("" : no cue)."""
    text = raw.strip()
    if not text:
        return None
    if text.isascii() and text.isdigit():
        return int(text)
    match = _CUE.fullmatch(text)
    if match is None:
        raise DraftError(
            "cue", f"cue “{text[:40]}” is not a time: use h:mm:ss, m:ss or seconds (e.g. 1:02:30)"
        )
    hours, minutes, seconds = (int(part or 0) for part in match.groups())
    if seconds > 59:
        raise DraftError("cue", f"cue “{text}”: seconds must be 00 to 59")
    if match.group(1) is not None and minutes > 59:
        raise DraftError("cue", f"cue “{text}”: minutes must be 00 to 59 after the hours")
    return hours * 3600 + minutes * 60 + seconds


def parse_position(raw: str) -> int | None:
    """A row's position from "3" or "03" ("" : none)."""
    text = raw.strip()
    if not text:
        return None
    if not (text.isascii() and text.isdigit()):
        raise DraftError(
            "position", f"position “{text[:20]}” is not a number from 1 to {POSITION_MAX}"
        )
    return int(text)


def check_meta(
    *,
    title: str,
    djs: str | Sequence[str],
    source: str | None,
    date: date | str | None,
    genres: str | Sequence[str],
) -> DraftMeta:
    """The metadata a draft keeps, or DraftError naming the field at fault."""
    title = (title or "").strip()
    if not title:
        raise DraftError("title", "title is empty: a tracklist needs a title")
    _check_length("title", title, TITLE_MAX)
    dj_names = split_names(djs)
    for name in dj_names:
        _check_length("djs", name, NAME_MAX, what="a DJ name")
    source = (source or "").strip() or None
    if source is not None:
        _check_length("source", source, NAME_MAX)
    genre_names = split_names(genres)
    for genre in genre_names:
        _check_length("genres", genre, GENRE_MAX, what="a genre")
    return DraftMeta(title, dj_names, source, parse_date("date", date), genre_names)


def check_track(track: ParsedTrack, row: int | None = None) -> ParsedTrack:
    """The row as a draft keeps it, or DraftError naming the field (and the row, 1-based).

    Text is stripped; an empty artist or title is "ID" (and the row `is_id`); a "w/" row has no
    position of its own, so a position given with it is dropped.
    """
    where = f"row {row}: " if row is not None else ""
    if track.position is not None and not 1 <= track.position <= POSITION_MAX:
        raise DraftError(
            "position",
            f"{where}position {track.position} is not from 1 to {POSITION_MAX}"
            " (leave it empty for an unnumbered row)",
        )
    if track.cue_seconds is not None and not 0 <= track.cue_seconds < CUE_LIMIT:
        shown = format_cue(track.cue_seconds) if track.cue_seconds >= 0 else track.cue_seconds
        raise DraftError(
            "cue",
            f"{where}cue {shown} is out of range: cues are from 0:00 to under 100:00:00",
        )
    texts: dict[str, str | None] = {}
    for name in _ROW_TEXT:
        value = (getattr(track, name) or "").strip() or None
        if value is not None:
            _check_length(name, value, TEXT_MAX, where=where)
        texts[name] = value
    url = (track.url or "").strip() or None
    if url is not None:
        if not url.lower().startswith(("http://", "https://")):
            raise DraftError("url", f"{where}url must start with http:// or https://")
        _check_length("url", url, URL_MAX, where=where)
    artist, title = texts["artist"] or ID, texts["title"] or ID
    return replace(
        track,
        position=None if track.with_previous else track.position,
        artist=artist,
        title=title,
        remix=texts["remix"],
        edit_note=texts["edit_note"],
        label=texts["label"],
        url=url,
        is_id=ID in (artist, title),
    )


def check_tracks(tracks: Iterable[ParsedTrack], first_row: int = 1) -> tuple[ParsedTrack, ...]:
    """Every row checked by `check_track`; errors name the row, counting from `first_row`."""
    return tuple(check_track(track, row) for row, track in enumerate(tracks, first_row))


def track_from_fields(fields: Mapping[str, str]) -> ParsedTrack:
    """A row from form fields (position, cue, artist, title, remix, edit_note, label, url and the
    checkboxes with_previous, mashup), checked like any draft row."""
    position_text = fields.get("position", "").strip()
    with_previous = _checked(fields, "with_previous") or position_text.lower() == "w/"
    track = ParsedTrack(
        position=None if with_previous else parse_position(position_text),
        with_previous=with_previous,
        cue_seconds=parse_cue(fields.get("cue", "")),
        artist=fields.get("artist"),
        title=fields.get("title"),
        remix=fields.get("remix"),
        edit_note=fields.get("edit_note"),
        label=fields.get("label"),
        mashup=_checked(fields, "mashup"),
        url=fields.get("url"),
    )
    return check_track(track)


def _checked(fields: Mapping[str, str], name: str) -> bool:
    return fields.get(name, "").strip().lower() in _TRUE


def _check_length(
    field: str, value: str, limit: int, *, what: str | None = None, where: str = ""
) -> None:
    if len(value) > limit:
        what = what or _LABELS.get(field, field)
        raise DraftError(
            field,
            f"{where}{what} is {len(value)} characters long: refused, the limit is {limit}"
            " characters (shorten it)",
        )
