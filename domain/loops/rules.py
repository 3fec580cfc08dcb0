"""The input rules of a mapping: its track key, song id and notes, with lengths read from the
model's columns so a rule cannot drift from the schema. Pages, API, CLI and the import all call
these."""

from __future__ import annotations

from domain.loops.keys import normalize_track_key
from domain.models import TrackMapping, column_length
from domain.validation import InputError

TRACK_KEY_MAX = column_length(TrackMapping, "track_key")
SONG_ID_MAX = column_length(TrackMapping, "azuracast_song_id")
# The column is TEXT (unbounded): a note is a line or two for whoever edits the mapping next, and a
# megabyte of it would be carried by every listing and export.
NOTES_MAX = 2000


def track_key(artist: str, title: str) -> str:
    """The key a mapping of `artist` and `title` is stored under, refused when it is too long."""
    key = normalize_track_key(artist, title)
    if len(key) > TRACK_KEY_MAX:
        raise InputError("title", f"artist and title are longer than {TRACK_KEY_MAX} characters")
    return key


def song_id(value: str | None) -> str | None:
    """An AzuraCast song id as given, stripped (blank: None, computed later from the track)."""
    text = (value or "").strip()
    if len(text) > SONG_ID_MAX:
        raise InputError("song_id", f"song_id is longer than {SONG_ID_MAX} characters")
    return text or None


def notes(value: str | None) -> str | None:
    """A mapping's notes stripped (blank: None), refused past NOTES_MAX characters."""
    text = (value or "").strip()
    if len(text) > NOTES_MAX:
        raise InputError("notes", f"notes are longer than {NOTES_MAX} characters ({len(text)})")
    return text or None
