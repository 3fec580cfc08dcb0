"""Reading one audio file with mutagen: its tags, audio properties and cover (DESIGN.md §11).

One `mutagen.File` open gives all three for MP3, FLAC, AIFF, WAV and M4A. The tags are read
from the raw tag of each family (ID3 frames, Vorbis comments, MP4 atoms) through one table per
family, rather than from mutagen's "easy" wrappers: those do not reach covers, and AIFF and WAV
have none. A file mutagen cannot read (unknown format, corrupt, empty, truncated, gone) is a
`FileFacts` with `error` set, in words a person can act on: never an exception.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import mutagen
from mutagen.aiff import AIFF
from mutagen.flac import FLAC, VCFLACDict
from mutagen.id3 import ID3, PictureType
from mutagen.mp3 import MP3
from mutagen.mp4 import MP4, MP4Cover, MP4Tags
from mutagen.wave import WAVE
from PIL import Image

from domain.models import AudioFormat

log = logging.getLogger(__name__)

THUMBNAIL_PIXELS = 256
# Every track of an album carries the same picture: its thumbnail is made once and kept (by the
# picture's digest; a thumbnail is a few KB) for the next tracks.
THUMBNAILS_KEPT = 256
_THUMBNAILS: OrderedDict[bytes, bytes] = OrderedDict()
_THUMBNAILS_LOCK = threading.Lock()
TEXT_MAX = 1000  # a tag longer than this is junk or a pasted lyric sheet: kept cut
BPM_MAX = Decimal("999.99")
# A file holding less than this share of the bytes its bitrate and length promise is cut short
# (a variable bitrate strays far less than this from its average).
TRUNCATED_SHARE = 0.5
_YEAR = re.compile(r"(?<!\d)(\d{4})(?!\d)")
# The formats crateloop reads, by mutagen's class (a subclass such as EasyMP3 counts too).
_FORMATS: tuple[tuple[type[Any], AudioFormat], ...] = (
    (MP3, AudioFormat.MP3),
    (FLAC, AudioFormat.FLAC),
    (AIFF, AudioFormat.AIFF),
    (WAVE, AudioFormat.WAV),
    (MP4, AudioFormat.M4A),
)
GONE = "the file disappeared while it was being read"

# field → where each tag family keeps it, the first one present wins.
_ID3_FRAMES = {
    "artist": ("TPE1",),
    "title": ("TIT2",),
    "album": ("TALB",),
    "album_artist": ("TPE2",),
    "genre": ("TCON",),
    "year": ("TDRC", "TYER", "TORY", "TDOR"),
    "label": ("TPUB", "TXXX:LABEL"),
    "catalogue_number": ("TXXX:CATALOGNUMBER", "TXXX:CATALOG NUMBER"),
    "isrc": ("TSRC",),
    "comment": ("COMM",),
    "tag_bpm": ("TBPM",),
    "tag_key": ("TKEY", "TXXX:INITIALKEY"),
}
_VORBIS_KEYS = {
    "artist": ("artist",),
    "title": ("title",),
    "album": ("album",),
    "album_artist": ("albumartist", "album artist"),
    "genre": ("genre",),
    "year": ("date", "year", "originaldate"),
    "label": ("label", "organization", "publisher"),
    "catalogue_number": ("catalognumber", "catalog number"),
    "isrc": ("isrc",),
    "comment": ("comment", "description"),
    "tag_bpm": ("bpm",),
    "tag_key": ("initialkey", "key"),
}
_ITUNES = "----:com.apple.iTunes:"
_MP4_ATOMS = {
    "artist": ("\xa9ART",),
    "title": ("\xa9nam",),
    "album": ("\xa9alb",),
    "album_artist": ("aART",),
    "genre": ("\xa9gen",),
    "year": ("\xa9day",),
    "label": (f"{_ITUNES}LABEL", f"{_ITUNES}publisher"),
    "catalogue_number": (f"{_ITUNES}CATALOGNUMBER",),
    "isrc": (f"{_ITUNES}ISRC",),
    "comment": ("\xa9cmt",),
    "tag_bpm": ("tmpo", f"{_ITUNES}BPM"),
    "tag_key": (f"{_ITUNES}initialkey", f"{_ITUNES}KEY"),
}


@dataclass(frozen=True, slots=True)
class FileFacts:
    """What one file says of itself; `error` is why it could not be read (the rest is then None)."""

    format: AudioFormat | None = None
    duration: float | None = None  # seconds
    channels: int | None = None
    sample_rate: int | None = None
    bitrate: int | None = None  # bits per second
    artist: str | None = None
    title: str | None = None
    album: str | None = None
    album_artist: str | None = None
    genre: str | None = None
    year: int | None = None
    label: str | None = None
    catalogue_number: str | None = None
    isrc: str | None = None
    comment: str | None = None
    tag_bpm: Decimal | None = None
    tag_key: str | None = None
    cover: bytes | None = None  # a JPEG of at most THUMBNAIL_PIXELS a side
    error: str | None = None


def read_file(path: Path) -> FileFacts:
    """The tags, audio properties and cover thumbnail of the audio file at `path`; a file that
    cannot be read is a FileFacts whose `error` says why."""
    try:
        # Opened here, not by mutagen: it would wrap a refusal in a MutagenError.
        with path.open("rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            if size == 0:
                return FileFacts(error="the file is empty (0 bytes)")
            audio = mutagen.File(handle)
            cover = _cover_bytes(audio) if audio is not None else None
    except FileNotFoundError:
        return FileFacts(error=GONE)
    except PermissionError:
        return FileFacts(error="permission denied: crateloop may not read this file")
    except mutagen.MutagenError as error:
        why = str(error) or type(error).__name__
        return FileFacts(error=f"not a readable audio file (corrupt or truncated): {why}"[:500])
    except OSError as error:
        return FileFacts(error=f"the file could not be read: {error.strerror or error}")
    if audio is None:
        return FileFacts(error="not an audio file crateloop knows (MP3, FLAC, AIFF, WAV or M4A)")
    found = next((kind for cls, kind in _FORMATS if isinstance(audio, cls)), None)
    if found is None:
        name = type(audio).__name__
        return FileFacts(error=f"a {name} file: crateloop reads MP3, FLAC, AIFF, WAV and M4A")
    info = audio.info
    duration = float(getattr(info, "length", 0) or 0)
    if duration <= 0:
        return FileFacts(error="the file holds no audio (its length is 0 seconds)")
    bitrate = _whole(getattr(info, "bitrate", None))
    if bitrate and size < bitrate * duration / 8 * TRUNCATED_SHARE:
        # The headers promise more audio than the file holds: a download or copy cut short.
        return FileFacts(
            error=f"the file is truncated: its headers say {duration:.1f} s of audio,"
            f" but it holds only {size} bytes"
        )
    return FileFacts(
        format=found,
        duration=round(duration, 3),
        channels=_whole(getattr(info, "channels", None)),
        sample_rate=_whole(getattr(info, "sample_rate", None)),
        bitrate=bitrate,
        cover=_thumbnail(path, cover),
        **_tag_fields(audio.tags),
    )


def _whole(value: object) -> int | None:
    return int(value) if isinstance(value, int | float) and value > 0 else None


# --- tags ------------------------------------------------------------------------------------


def _tag_fields(tags: Any) -> dict[str, Any]:
    lookup: Callable[[Any, str], list[str]]
    if isinstance(tags, ID3):
        table, lookup = _ID3_FRAMES, _id3_texts
    elif isinstance(tags, MP4Tags):
        table, lookup = _MP4_ATOMS, _mp4_texts
    elif isinstance(tags, VCFLACDict):
        table, lookup = _VORBIS_KEYS, _vorbis_texts
    else:
        return {}
    texts = _family(table, lambda name: lookup(tags, name))
    return {**texts, "year": _year(texts["year"]), "tag_bpm": _bpm(texts["tag_bpm"])}


def _family(
    table: dict[str, tuple[str, ...]], texts: Callable[[str], Sequence[str]]
) -> dict[str, str | None]:
    """Each field's first non-blank value among its names in `table`."""
    found: dict[str, str | None] = {}
    for field, names in table.items():
        found[field] = next(
            (text for name in names for text in map(_clean, texts(name)) if text), None
        )
    return found


def _frames(tags: Any, name: str) -> list[Any]:
    """ID3 frames by id, "TXXX:DESC" included (mutagen's getall is untyped)."""
    return list(tags.getall(name))


def _id3_texts(tags: Any, name: str) -> list[str]:
    frames = _frames(tags, name)
    if name == "COMM":
        # Comments by their description: iTunes keeps its own numbers in "iTunNORM" and such.
        frames = [frame for frame in frames if not frame.desc.startswith("iTun")]
    texts: list[str] = []
    for frame in frames:
        if name == "TCON":
            texts.extend(frame.genres)  # "(13)" → "Pop"
        else:
            texts.extend(str(text) for text in getattr(frame, "text", []))
    return texts


def _vorbis_texts(tags: Any, name: str) -> list[str]:
    try:
        return [str(text) for text in tags.get(name, [])]
    except (KeyError, ValueError, UnicodeError):
        return []


def _mp4_texts(tags: Any, name: str) -> list[str]:
    texts: list[str] = []
    for value in tags.get(name, []):
        if isinstance(value, bytes):  # freeform atoms hold bytes, UTF-8 by the iTunes rules
            texts.append(value.decode("utf-8", errors="replace"))
        elif isinstance(value, int | float | str):
            texts.append(str(value))
    return texts


def _clean(text: str) -> str:
    """A tag value as stored: UTF-8, no NUL (PostgreSQL refuses it; mis-declared UTF-16 is full
    of them), no surrounding blanks, at most TEXT_MAX characters."""
    # Lone surrogates (broken UTF-16) cannot be stored: each becomes "?".
    text = text.encode("utf-8", "replace").decode("utf-8")
    return text.replace("\x00", "").strip()[:TEXT_MAX]


def _year(text: str | None) -> int | None:
    found = _YEAR.search(text or "")
    year = int(found.group(1)) if found else 0
    return year if 1000 <= year <= 2999 else None


def _bpm(text: str | None) -> Decimal | None:
    try:
        bpm = Decimal((text or "").replace(",", ".").strip()).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        return None
    return bpm if Decimal(0) < bpm <= BPM_MAX else None


# --- the cover ---------------------------------------------------------------------------------


def _cover_bytes(audio: Any) -> bytes | None:
    """The embedded picture, the front cover where there are several."""
    tags = audio.tags
    if isinstance(audio, FLAC):
        pictures = [(p.type, p.data) for p in audio.pictures]
    elif isinstance(tags, ID3):
        pictures = [(frame.type, frame.data) for frame in _frames(tags, "APIC")]
    elif isinstance(tags, MP4Tags):
        pictures = [
            (PictureType.COVER_FRONT, bytes(c)) for c in _covers(tags)
            if isinstance(c, MP4Cover)
        ]  # fmt: skip
    else:
        pictures = []
    front = [data for kind, data in pictures if kind == PictureType.COVER_FRONT]
    chosen = front or [data for _, data in pictures]
    return chosen[0] if chosen else None


def _covers(tags: Any) -> list[Any]:
    return list(tags.get("covr", []))


def _thumbnail(path: Path, data: bytes | None) -> bytes | None:
    """`data` as a JPEG of at most THUMBNAIL_PIXELS a side; None for no picture or one Pillow
    cannot read (the file's tags and audio are still worth keeping)."""
    if not data:
        return None
    digest = hashlib.sha256(data).digest()
    with _THUMBNAILS_LOCK:
        made = _THUMBNAILS.get(digest)
    if made is not None:
        return made
    try:
        made = _thumbnail_of(data)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as error:
        log.info("%s: the embedded cover is not a readable picture (%s)", path.name, error)
        return None
    with _THUMBNAILS_LOCK:
        _THUMBNAILS[digest] = made
        while len(_THUMBNAILS) > THUMBNAILS_KEPT:
            _THUMBNAILS.popitem(last=False)
    return made


def _thumbnail_of(data: bytes) -> bytes:
    with Image.open(io.BytesIO(data)) as image:
        image.draft("RGB", (THUMBNAIL_PIXELS, THUMBNAIL_PIXELS))  # JPEG: decode smaller
        image.thumbnail((THUMBNAIL_PIXELS, THUMBNAIL_PIXELS), Image.Resampling.BILINEAR)
        picture = image.convert("RGB")
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=80)
    return out.getvalue()
