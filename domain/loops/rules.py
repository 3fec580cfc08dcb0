"""The input rules of a mapping: its track key, song id and notes, with lengths read from the
model's columns so a rule cannot drift from the schema. Pages, API, CLI and the import all call
these."""

from __future__ import annotations

from domain.loops.keys import KEY_SEPARATOR, clean_key_part, join_key
from domain.models import TrackMapping, column_length
from domain.validation import InputError, Refusals

TRACK_KEY_MAX = column_length(TrackMapping, "track_key")
# The key is "artist - title": each part gets half of the column, so a refusal can name the part
# that is too long and a limit of its own (counted after normalising: NFKC, inner spaces collapsed).
PART_MAX = (TRACK_KEY_MAX - len(KEY_SEPARATOR)) // 2
SONG_ID_MAX = column_length(TrackMapping, "azuracast_song_id")
# The column is TEXT (unbounded): a note is a line or two for whoever edits the mapping next, and a
# megabyte of it would be carried by every listing and export.
NOTES_MAX = 2000


def track_key(artist: str, title: str) -> str:
    """The key a mapping of `artist` and `title` is stored under; refused naming each part that
    is longer than PART_MAX characters."""
    refusals = Refusals()
    parts = [
        refusals.check(_key_part, name, text)
        for name, text in (("artist", artist), ("title", title))
    ]
    refusals.raise_any()
    artist_part, title_part = (part or "" for part in parts)
    return join_key(artist_part, title_part)


def _key_part(field: str, text: str) -> str:
    part = clean_key_part(text)
    if len(part) > PART_MAX:
        raise InputError(field, f"{field} is longer than {PART_MAX} characters ({len(part)})")
    return part


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
