"""Real media for tests, made by ffmpeg: MP4 loops, audio tracks with a known key and tempo, and
collection files in every format, tagged with mutagen the way DJ software tags them."""

from __future__ import annotations

import io
import shutil
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


def make_mp4(
    path: Path, *, width: int = 320, height: int = 180, seconds: float = 1.0, codec: str = "libx264"
) -> Path:
    """Write a real H.264 (or `codec`) MP4 with a test pattern and a silent audio track."""
    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            "ffmpeg", "-v", "error", "-y",
            "-f", "lavfi", "-i", f"testsrc2=size={width}x{height}:rate=25:duration={seconds}",
            "-f", "lavfi", "-i", f"anullsrc=r=44100:cl=stereo:d={seconds}",
            "-shortest", "-c:v", codec, "-pix_fmt", "yuv420p", "-c:a", "aac",
            "-movflags", "+faststart", str(path),
        ],
        check=True,
        timeout=60,
    )  # fmt: skip
    return path


def copy_mp4(source: Path, target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    return target


def make_corrupt_mp4(path: Path) -> Path:
    """A file named .mp4 that is not a video: what a half-finished upload leaves behind."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"garbage" * 100)
    return path


def make_tone_track(
    path: Path,
    frequencies: tuple[float, ...],
    *,
    bpm: float | None = None,
    seconds: float = 20.0,
) -> Path:
    """Write a real audio file (format from the suffix) with a known key and tempo: the sine
    `frequencies` held as a chord and, with `bpm`, a noise burst on every beat. Noise carries no
    pitch, so the chord alone decides the key and the bursts alone the tempo."""
    path.parent.mkdir(parents=True, exist_ok=True)
    level = 0.4 / len(frequencies)
    terms = [f"{level}*sin(2*PI*{frequency}*t)" for frequency in frequencies]
    if bpm is not None:
        terms.append(f"0.5*(2*random(0)-1)*exp(-60*mod(t,{60 / bpm}))")
    expression = "+".join(terms)
    subprocess.run(
        [
            "ffmpeg", "-v", "error", "-y",
            "-f", "lavfi", "-i", f"aevalsrc=exprs='{expression}':s=44100:d={seconds}",
            "-ac", "2", str(path),
        ],
        check=True,
        timeout=120,
    )  # fmt: skip
    return path


# --- collection files: every format, tagged -------------------------------------------------

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
