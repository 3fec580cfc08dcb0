"""A tracklist as parsed from a page or typed by a DJ, and its stable JSON shape.

`ParsedTracklist.to_json()` is the shape `crateloop tracklists parse --json` prints and later
features read: keep it stable. Links to DJ and source pages travel beside it (not in the JSON).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

ID = "ID"  # what an unknown artist or title is shown as, on the site and here

Json = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Link:
    """A named page on the site: a DJ or a source/event."""

    name: str
    url: str | None = None


@dataclass(frozen=True, slots=True)
class ParsedTrack:
    """One row of a tracklist.

    `position` is None for a "w/" row (`with_previous`: played together with the row before) and
    for mashup parts (`mashup`); neither is ever a track of its own in a CUE sheet. `artist` is
    the displayed credit ("A ft. B", "A & B"); `title` excludes the remix; `remix` is the text
    inside the brackets ("X Remix"); an unknown artist or title is "ID" and `is_id` is true.
    """

    position: int | None
    with_previous: bool = False
    cue_seconds: int | None = None
    artist: str | None = None
    title: str | None = None
    remix: str | None = None
    edit_note: str | None = None
    label: str | None = None
    is_id: bool = False
    mashup: bool = False
    url: str | None = None

    @property
    def display(self) -> str:
        """ "Artist - Title (Remix)" as a DJ would write it."""
        title = self.title or ID
        if self.remix:
            title = f"{title} ({self.remix})"
        return f"{self.artist or ID} - {title}"

    def to_json(self) -> Json:
        return {
            "position": self.position,
            "with_previous": self.with_previous,
            "cue_seconds": self.cue_seconds,
            "artist": self.artist,
            "title": self.title,
            "remix": self.remix,
            "edit_note": self.edit_note,
            "label": self.label,
            "is_id": self.is_id,
            "mashup": self.mashup,
            "url": self.url,
        }

    @classmethod
    def from_json(cls, data: Json) -> ParsedTrack:
        position, cue = data.get("position"), data.get("cue_seconds")
        return cls(
            position=int(position) if position is not None else None,
            with_previous=bool(data.get("with_previous")),
            cue_seconds=int(cue) if cue is not None else None,
            artist=data.get("artist"),
            title=data.get("title"),
            remix=data.get("remix"),
            edit_note=data.get("edit_note"),
            label=data.get("label"),
            is_id=bool(data.get("is_id")),
            mashup=bool(data.get("mashup")),
            url=data.get("url"),
        )


TRACK_FIELDS = tuple(ParsedTrack.__dataclass_fields__)


class Joinable(Protocol):
    """A row as numbering reads it: a parsed track or a draft row."""

    @property
    def with_previous(self) -> bool: ...
    @property
    def mashup(self) -> bool: ...


def is_main_track(track: Joinable) -> bool:
    """Whether a row is a track of its own ("w/" rows and mashup parts belong to another)."""
    return not (track.with_previous or track.mashup)


@dataclass(frozen=True, slots=True)
class ParsedTracklist:
    """A whole tracklist: metadata and rows in order."""

    title: str
    tracks: tuple[ParsedTrack, ...]
    source_id: str | None = None  # the site's id (`/tracklist/<id>/…`); None when hand-made
    url: str | None = None
    djs: tuple[str, ...] = ()
    source: str | None = None  # the main source/event by name
    date: date | None = None
    genres: tuple[str, ...] = ()
    claimed_track_count: int | None = None
    # Beside the JSON shape:
    dj_links: tuple[Link, ...] = field(default=(), compare=False)
    source_links: tuple[Link, ...] = field(default=(), compare=False)

    def to_json(self) -> Json:
        return {
            "source_id": self.source_id,
            "url": self.url,
            "title": self.title,
            "djs": list(self.djs),
            "source": self.source,
            "date": self.date.isoformat() if self.date else None,
            "genres": list(self.genres),
            "claimed_track_count": self.claimed_track_count,
            "tracks": [track.to_json() for track in self.tracks],
        }

    @classmethod
    def from_json(cls, data: Json) -> ParsedTracklist:
        raw_date = data.get("date")
        return cls(
            source_id=data.get("source_id"),
            url=data.get("url"),
            title=str(data.get("title") or ""),
            djs=tuple(data.get("djs") or ()),
            source=data.get("source"),
            date=date.fromisoformat(raw_date) if raw_date else None,
            genres=tuple(data.get("genres") or ()),
            claimed_track_count=data.get("claimed_track_count"),
            tracks=tuple(ParsedTrack.from_json(t) for t in data.get("tracks") or ()),
        )


def row_warnings(tracks: tuple[ParsedTrack, ...] | list[ParsedTrack]) -> list[tuple[str, ...]]:
    """What looks wrong about each row, kept rather than refused: a cue earlier than an earlier
    row's, a position used twice. One tuple per row, empty when the row is fine."""
    warnings: list[tuple[str, ...]] = []
    latest_cue: int | None = None
    seen_positions: set[int] = set()
    for track in tracks:
        found: list[str] = []
        if track.cue_seconds is not None:
            if latest_cue is not None and track.cue_seconds < latest_cue:
                found.append(
                    f"cue {format_cue(track.cue_seconds)} is before an earlier row's"
                    f" {format_cue(latest_cue)}"
                )
            latest_cue = max(latest_cue or 0, track.cue_seconds)
        if track.position is not None:
            if track.position in seen_positions:
                found.append(f"position {track.position} appears more than once")
            seen_positions.add(track.position)
        warnings.append(tuple(found))
    return warnings


def format_cue(seconds: int) -> str:
    """`h:mm:ss` (or `m:ss` under an hour), as the site shows cue times."""
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
