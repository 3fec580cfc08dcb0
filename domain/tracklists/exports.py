"""Plain text, JSON and M3U exports of a tracklist (CUE sheets are in `cue`).

M3U (write it as UTF-8, e.g. as `.m3u8`): `#EXTM3U`, `#PLAYLIST:<title>`, then for every row, "w/"
rows and mashup parts included, `#EXTINF:-1,Artist - Title (Remix)` followed by the track's URL on
the site when known, else a relative file name `Artist - Title (Remix).mp3` in which `/ \\ : * ? " <
> |` become `_`, line breaks and control characters spaces, leading and trailing dots and spaces are
dropped, a leading `#` gets `./` before it (or players would read a comment) and the name is cut to
fit 255 bytes. Lines end with LF.
"""

from __future__ import annotations

import json
import re

from domain.tracklists.model import ParsedTrack, ParsedTracklist
from domain.tracklists.text_format import format_text

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_PATH_UNSAFE = re.compile(r'[/\\:*?"<>|]')
_MAX_NAME_BYTES = 255
_EXTENSION = ".mp3"


def to_text(tracklist: ParsedTracklist) -> str:
    """The site's export format (`[h:mm:ss] Artist - Title (Remix) [LABEL]`, `w/` lines), which
    `text_format.parse_text` reads back."""
    return format_text(tracklist)


def to_json(tracklist: ParsedTracklist) -> str:
    """The stable `--json` shape, indented, non-ASCII kept as is."""
    return json.dumps(tracklist.to_json(), indent=2, ensure_ascii=False) + "\n"


def to_m3u(tracklist: ParsedTracklist) -> str:
    """An extended M3U playlist: one entry per row, the track's URL or a relative file name."""
    lines = ["#EXTM3U"]
    title = _one_line(tracklist.title)
    if title:
        lines.append(f"#PLAYLIST:{title}")
    for track in tracklist.tracks:
        lines.append(f"#EXTINF:-1,{_one_line(track.display)}")
        lines.append(_one_line(track.url) or _file_name(track))
    return "\n".join(lines) + "\n"


def _file_name(track: ParsedTrack) -> str:
    """The relative `Artist - Title (Remix).mp3` an M3U entry points at when the URL is unknown."""
    stem = _PATH_UNSAFE.sub("_", _one_line(track.display)).lstrip(". ").rstrip(". ")
    room = _MAX_NAME_BYTES - len(_EXTENSION)
    stem = stem.encode("utf-8")[:room].decode("utf-8", "ignore").rstrip(". ") or "track"
    name = stem + _EXTENSION
    return f"./{name}" if name.startswith("#") else name


def _one_line(text: str | None) -> str:
    return " ".join(_CONTROL.sub(" ", text).split()) if text else ""
