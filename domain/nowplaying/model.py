"""What a station is playing, as every source reader reports it, and tolerant field readers."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from domain.loops.keys import OFFLINE_SONG_ID, song_id_from_text, split_track_text


class SourceError(Exception):
    """A now-playing source gave nothing usable; the message is short and human ("HTTP 500")."""


@dataclass(frozen=True, slots=True)
class Track:
    artist: str  # "" when the source gave none
    title: str
    text: str  # "Artist - Title" as the source displays it
    song_id: str  # AzuraCast's id, or computed with song_id_from_text(text)
    album: str | None = None
    art: str | None = None


@dataclass(frozen=True, slots=True)
class NowPlaying:
    online: bool
    track: Track | None  # None when offline / nothing known
    sh_id: int | None = None  # AzuraCast's id of this play (0 when offline → None)
    played_at: float | None = None  # unix seconds (AzuraCast's includes its listener delay)
    duration: float | None = None
    is_live: bool = False
    streamer: str | None = None
    listeners: int | None = None
    next_track: Track | None = None
    received_at: float = 0.0  # time.time() when we got it

    @property
    def play_id(self) -> str:
        """What makes a new play: AzuraCast's sh_id, else the song, else "offline"."""
        if self.sh_id:
            return f"sh:{self.sh_id}"
        if not self.online:
            return "offline"
        if self.track is not None:
            return f"song:{self.track.song_id}"
        return "unknown"


def make_track(
    *,
    artist: object = None,
    title: object = None,
    text: object = None,
    song_id: object = None,
    album: object = None,
    art: object = None,
) -> Track | None:
    """A Track from whatever parts a source gave, filling the rest in; None when it gave none."""
    artist_s, title_s, text_s = as_str(artist), as_str(title), as_str(text)
    if not text_s:
        text_s = f"{artist_s} - {title_s}" if artist_s and title_s else title_s or artist_s
    if not text_s:
        return None
    if not artist_s and not title_s:
        # Icecast, SHOUTcast and old AzuraCast servers only give the display text.
        parts = split_track_text(text_s)
        artist_s, title_s = parts if parts else ("", text_s)
    return Track(
        artist=artist_s,
        title=title_s,
        text=text_s,
        song_id=as_str(song_id) or song_id_from_text(text_s),
        album=as_str(album) or None,
        art=as_str(art) or None,
    )


def is_offline_track(track: Track | None) -> bool:
    """AzuraCast reports a stopped station as the song "Station Offline" with a fixed id."""
    return track is not None and track.song_id == OFFLINE_SONG_ID


# Sources send numbers as strings, fields as null, objects as [] (PHP's empty array): these
# readers turn anything into the wanted type or a default instead of raising.


def as_dict(value: object) -> Mapping[str, object]:
    """`value` if it is a JSON object, else an empty one."""
    return value if isinstance(value, dict) else {}


def as_str(value: object) -> str:
    """A stripped string from a string or number; "" for anything else."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return ""


def as_float(value: object) -> float | None:
    """A finite number from a number or numeric string; None otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) else None


def as_int(value: object) -> int | None:
    """An integer from a number or numeric string ("12", "12.0"); None otherwise."""
    number = as_float(value)
    return int(number) if number is not None else None


def as_bool(value: object, default: bool = False) -> bool:
    """True/false from a JSON bool, 0/1 or "true"/"false"; `default` when absent or unclear."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value != 0
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in {"1", "true", "yes", "on"}:
            return True
        if lowered in {"0", "false", "no", "off"}:
            return False
    return default


def positive(value: float | None) -> float | None:
    """`value` when above zero: sources use 0 for "unknown"."""
    return value if value is not None and value > 0 else None
