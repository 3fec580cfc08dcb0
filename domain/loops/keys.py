"""Track identity: the normalised key every mapping is stored under, and AzuraCast's song id."""

from __future__ import annotations

import hashlib
import unicodedata

# AzuraCast strips these before hashing "Artist - Title" (docs/architecture.md, AzuraCast).
_SONG_ID_STRIP = str.maketrans("", "", " -\"'\n\t\r")
OFFLINE_SONG_ID = "5a6a865199cf5df73b1417326d2ff24f"
# Between a track key's two parts. Stored keys (domain/loops/rules.py) and lookups are joined by
# join_key alone: were they to differ, stored keys would stop matching and mappings never resolve.
KEY_SEPARATOR = " - "


def clean_key_part(text: str) -> str:
    """One part of a track key: NFKC, casefolded, trimmed, inner whitespace collapsed."""
    # split() collapses Unicode whitespace as the regex \s+ would, at half the cost.
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def join_key(artist_part: str, title_part: str) -> str:
    """A track key from its two parts, already cleaned (clean_key_part)."""
    return f"{artist_part}{KEY_SEPARATOR}{title_part}"


def normalize_track_key(artist: str, title: str) -> str:
    """`"artist - title"`: NFKC, casefolded, trimmed, inner whitespace collapsed."""
    return join_key(clean_key_part(artist), clean_key_part(title))


def azuracast_song_id(artist: str, title: str) -> str:
    """The id AzuraCast gives a song: md5 of its cleaned, lowercased "Artist - Title" text."""
    return song_id_from_text(f"{artist} - {title}")


def song_id_from_text(text: str) -> str:
    """AzuraCast's hash of a song's display text, computed the way AzuraCast does."""
    # AzuraCast cuts to 150 characters first, then strips, then lowercases (Song::getSongHash).
    cleaned = text[:150].translate(_SONG_ID_STRIP).lower()
    return hashlib.md5(cleaned.encode("utf-8"), usedforsecurity=False).hexdigest()


def split_track_text(text: str) -> tuple[str, str] | None:
    """Split "Artist - Title" on the first " - "; None when there is no separator."""
    artist, sep, title = text.partition(" - ")
    if not sep or not artist.strip() or not title.strip():
        return None
    return artist.strip(), title.strip()
