"""Real audio files for the collection tests: tones made by ffmpeg, tagged with mutagen, covers
made by Pillow."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

from mutagen.aiff import AIFF
from mutagen.flac import FLAC, Picture
from mutagen.id3 import (
    APIC,
    COMM,
    ID3,
    TALB,
    TBPM,
    TCON,
    TDRC,
    TIT2,
    TKEY,
    TPE1,
    TPE2,
    TPUB,
    TSRC,
    TXXX,
    PictureType,
)
from mutagen.mp4 import MP4, MP4Cover, MP4FreeForm
from mutagen.wave import WAVE
from PIL import Image

# ffmpeg's encoder and container for each extension crateloop reads.
_ENCODERS = {
    "mp3": ["-c:a", "libmp3lame", "-b:a", "128k", "-id3v2_version", "0", "-write_xing", "1"],
    "flac": ["-c:a", "flac"],
    "aiff": ["-c:a", "pcm_s16be", "-write_id3v2", "0"],
    "wav": ["-c:a", "pcm_s16le"],
    "m4a": ["-c:a", "aac", "-b:a", "128k"],
}


def make_audio(
    path: Path, *, seconds: float = 1.0, frequency: int = 440, channels: int = 2
) -> Path:
    """A real, untagged tone in the format its extension names (mp3, flac, aiff, wav, m4a)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    layout = "stereo" if channels == 2 else "mono"
    subprocess.run(
        [
            "ffmpeg", "-v", "error", "-y",
            "-f", "lavfi", "-i", f"sine=frequency={frequency}:duration={seconds}:sample_rate=44100",
            "-ac", str(channels), "-channel_layout", layout, "-map_metadata", "-1",
            *_ENCODERS[path.suffix.lstrip(".").lower()], str(path),
        ],
        check=True,
        timeout=60,
    )  # fmt: skip
    return path


def cover_png(width: int = 600, height: int = 600) -> bytes:
    """A real PNG picture, larger than a thumbnail."""
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 90)).save(out, "PNG")
    return out.getvalue()


def tag(path: Path, cover: bytes | None = None, **fields: str) -> Path:
    """Write tags the way DJ software does for the file's format: artist, title, album,
    album_artist, genre, year, label, catalogue_number, isrc, comment, bpm, key."""
    kind = path.suffix.lstrip(".").lower()
    if kind == "flac":
        _tag_flac(path, cover, fields)
    elif kind == "m4a":
        _tag_mp4(path, cover, fields)
    else:
        _tag_id3(path, cover, fields)
    return path


_FRAMES = {
    "artist": TPE1, "title": TIT2, "album": TALB, "album_artist": TPE2, "genre": TCON,
    "year": TDRC, "label": TPUB, "isrc": TSRC, "bpm": TBPM, "key": TKEY,
}  # fmt: skip


def _tag_id3(path: Path, cover: bytes | None, fields: dict[str, str]) -> None:
    kind = path.suffix.lstrip(".").lower()
    holder = {"aiff": AIFF, "wav": WAVE}.get(kind)
    if holder is not None:
        audio = holder(path)
        if audio.tags is None:
            audio.add_tags()
        tags = audio.tags
    else:
        tags = ID3()
    for name, value in fields.items():
        if name == "catalogue_number":
            tags.add(TXXX(encoding=3, desc="CATALOGNUMBER", text=[value]))
        elif name == "comment":
            tags.add(COMM(encoding=3, lang="eng", desc="", text=[value]))
        else:
            tags.add(_FRAMES[name](encoding=3, text=[value]))
    if cover is not None:
        tags.add(APIC(encoding=3, mime="image/png", type=PictureType.COVER_FRONT, data=cover))
    if holder is not None:
        audio.save()
    else:
        tags.save(path)


_VORBIS = {
    "album_artist": "ALBUMARTIST", "year": "DATE", "catalogue_number": "CATALOGNUMBER",
    "key": "INITIALKEY",
}  # fmt: skip


def _tag_flac(path: Path, cover: bytes | None, fields: dict[str, str]) -> None:
    audio = FLAC(path)
    for name, value in fields.items():
        audio[_VORBIS.get(name, name.upper())] = [value]
    if cover is not None:
        picture = Picture()
        picture.type, picture.mime, picture.data = PictureType.COVER_FRONT, "image/png", cover
        audio.add_picture(picture)
    audio.save()


_ITUNES = "----:com.apple.iTunes:"
_ATOMS = {
    "artist": "\xa9ART", "title": "\xa9nam", "album": "\xa9alb", "album_artist": "aART",
    "genre": "\xa9gen", "year": "\xa9day", "comment": "\xa9cmt",
}  # fmt: skip
_FREEFORM = {
    "label": "LABEL", "catalogue_number": "CATALOGNUMBER", "isrc": "ISRC", "key": "initialkey",
}  # fmt: skip


def _tag_mp4(path: Path, cover: bytes | None, fields: dict[str, str]) -> None:
    audio = MP4(path)
    for name, value in fields.items():
        if name == "bpm":
            audio["tmpo"] = [int(float(value))]
        elif name in _FREEFORM:
            audio[_ITUNES + _FREEFORM[name]] = [MP4FreeForm(value.encode())]
        else:
            audio[_ATOMS[name]] = [value]
    if cover is not None:
        audio["covr"] = [MP4Cover(cover, imageformat=MP4Cover.FORMAT_PNG)]
    audio.save()
