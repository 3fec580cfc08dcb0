"""Reading one collection file: tags, audio properties and cover from real files made by ffmpeg
and tagged with mutagen, and every bad file of issue 12 §7 read as a failure with its reason."""

from __future__ import annotations

import io
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from PIL import Image

from domain.collection.content_hash import content_hash
from domain.collection.tags import THUMBNAIL_PIXELS, read_file
from domain.models import AudioFormat
from tests.media import cover_png, make_audio, tag

FORMATS = ["mp3", "flac", "aiff", "wav", "m4a"]
TAGS = {
    "artist": "Röyksopp",
    "title": "Eple",
    "album": "Melody A.M.",
    "album_artist": "Röyksopp",
    "genre": "Electronic",
    "year": "2001-03-05",
    "label": "Wall of Sound",
    "catalogue_number": "WALLCD027",
    "isrc": "GBAJH0100001",
    "comment": "first single",
    "bpm": "124",
    "key": "8A",
}


@pytest.fixture(scope="module")
def tones(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One untagged 2-second tone per format, copied by each test that tags it."""
    folder = tmp_path_factory.mktemp("tones")
    return {kind: make_audio(folder / f"tone.{kind}", seconds=2) for kind in FORMATS}


def _copy(tones: dict[str, Path], kind: str, target: Path) -> Path:
    return Path(shutil.copyfile(tones[kind], target / f"track.{kind}"))


@pytest.mark.parametrize("kind", FORMATS)
def test_tags_audio_and_cover_of_every_format(
    tones: dict[str, Path], tmp_path: Path, kind: str
) -> None:
    path = tag(_copy(tones, kind, tmp_path), cover=cover_png(800, 600), **TAGS)
    facts = read_file(path)
    assert facts.error is None
    assert facts.format is AudioFormat(kind)
    assert (facts.artist, facts.title, facts.album, facts.album_artist) == (
        "Röyksopp", "Eple", "Melody A.M.", "Röyksopp",
    )  # fmt: skip
    assert (facts.genre, facts.year, facts.label, facts.catalogue_number) == (
        "Electronic", 2001, "Wall of Sound", "WALLCD027",
    )  # fmt: skip
    assert (facts.isrc, facts.comment) == ("GBAJH0100001", "first single")
    assert (facts.tag_bpm, facts.tag_key) == (Decimal("124.00"), "8A")
    assert facts.duration == pytest.approx(2.0, abs=0.1)
    assert (facts.channels, facts.sample_rate) == (2, 44100)
    assert facts.bitrate and facts.bitrate > 32_000
    assert facts.cover is not None
    with Image.open(io.BytesIO(facts.cover)) as thumbnail:
        assert thumbnail.format == "JPEG"
        assert max(thumbnail.size) == THUMBNAIL_PIXELS
        assert thumbnail.size == (256, 192)  # the picture's shape is kept


def test_an_untagged_file_reads_with_its_audio_and_no_tags(tones: dict[str, Path]) -> None:
    facts = read_file(tones["flac"])
    assert facts.error is None and facts.format is AudioFormat.FLAC
    assert (facts.artist, facts.title, facts.cover, facts.year) == (None, None, None, None)


def test_a_zero_byte_file_fails_with_its_reason(tmp_path: Path) -> None:
    empty = tmp_path / "empty.mp3"
    empty.write_bytes(b"")
    assert read_file(empty).error == "the file is empty (0 bytes)"


@pytest.mark.parametrize(("kind", "keep"), [("mp3", 300), ("flac", 60), ("wav", 30), ("m4a", 0.5)])
def test_truncated_files_fail_with_their_reason(
    tones: dict[str, Path], tmp_path: Path, kind: str, keep: float
) -> None:
    whole = tones[kind].read_bytes()
    cut = tmp_path / f"cut.{kind}"
    cut.write_bytes(whole[: int(len(whole) * keep) if keep < 1 else int(keep)])
    facts = read_file(cut)
    assert facts.error is not None
    assert "truncated" in facts.error
    assert facts.format is None


def test_a_text_file_named_mp3_fails_as_not_audio(tmp_path: Path) -> None:
    fake = tmp_path / "notes.mp3"
    fake.write_text("Track list for Saturday\n" * 40, encoding="utf-8")
    facts = read_file(fake)
    assert facts.error is not None
    assert "not" in facts.error and "audio" in facts.error


def test_a_picture_named_flac_fails_as_not_audio(tmp_path: Path) -> None:
    fake = tmp_path / "cover.flac"
    fake.write_bytes(cover_png())
    assert read_file(fake).error is not None


def test_a_latin1_id3v1_tag_is_read(tones: dict[str, Path], tmp_path: Path) -> None:
    """ID3v1 has no encoding field; its text is Latin-1 (Winamp-era rips)."""

    def field(text: str, size: int = 30) -> bytes:
        return text.encode("latin-1").ljust(size, b"\x00")

    v1 = b"TAG" + field("Café del Mar") + field("Björk") + field("Début") + b"1993"
    v1 += field("") + bytes([8])  # genre 8: Jazz
    path = tmp_path / "v1.mp3"
    path.write_bytes(tones["mp3"].read_bytes() + v1)
    facts = read_file(path)
    assert facts.error is None
    assert (facts.title, facts.artist, facts.album, facts.year, facts.genre) == (
        "Café del Mar", "Björk", "Début", 1993, "Jazz",
    )  # fmt: skip


def _syncsafe(number: int) -> bytes:
    return bytes([(number >> 21) & 127, (number >> 14) & 127, (number >> 7) & 127, number & 127])


def _frame(frame_id: str, data: bytes) -> bytes:
    return frame_id.encode() + _syncsafe(len(data)) + b"\x00\x00" + data


def test_a_misdeclared_utf16_frame_does_not_stop_the_others(
    tones: dict[str, Path], tmp_path: Path
) -> None:
    """Frames that say UTF-16 but hold an odd number of bytes, or no BOM: what broken taggers
    write. What can be read is read; nothing raises and no NUL reaches the database."""
    frames = (
        _frame("TIT2", b"\x01\xff\xfeA\x00B")  # UTF-16 with a BOM, cut mid-character
        + _frame("TPE1", b"\x01" + "Ünïcode".encode("utf-16-le"))  # UTF-16 without a BOM
        + _frame("TALB", b"\x03Good Album")
    )
    tag_bytes = b"ID3\x04\x00\x00" + _syncsafe(len(frames)) + frames
    path = tmp_path / "utf16.mp3"
    path.write_bytes(tag_bytes + tones["mp3"].read_bytes())
    facts = read_file(path)
    assert facts.error is None
    assert facts.album == "Good Album"
    for text in (facts.title, facts.artist):
        assert text is None or "\x00" not in text
    assert facts.duration == pytest.approx(2.0, abs=0.1)


def test_a_lone_utf16_surrogate_never_reaches_the_database(
    tones: dict[str, Path], tmp_path: Path
) -> None:
    half = b"\x01\xff\xfe" + "Half ".encode("utf-16-le") + b"\x00\xd8" + "pair".encode("utf-16-le")
    frames = _frame("TIT2", half) + _frame("TPE1", b"\x03Whole")
    path = tmp_path / "surrogate.mp3"
    path.write_bytes(
        b"ID3\x04\x00\x00" + _syncsafe(len(frames)) + frames + tones["mp3"].read_bytes()
    )
    facts = read_file(path)
    assert (facts.error, facts.artist) == (None, "Whole")
    assert facts.title is None or facts.title.encode("utf-8")  # storable, whatever was read


def test_a_broken_cover_keeps_the_tags(tones: dict[str, Path], tmp_path: Path) -> None:
    path = tag(_copy(tones, "mp3", tmp_path), cover=b"\x89PNG not really", title="Still here")
    facts = read_file(path)
    assert (facts.error, facts.title, facts.cover) == (None, "Still here", None)


def test_a_file_that_is_gone_fails_with_its_reason(tmp_path: Path) -> None:
    assert read_file(tmp_path / "gone.mp3").error == (
        "the file disappeared while it was being read"
    )


def test_the_content_hash_follows_content_not_name(tones: dict[str, Path], tmp_path: Path) -> None:
    copy = Path(shutil.copyfile(tones["wav"], tmp_path / "renamed.wav"))
    assert content_hash(copy) == content_hash(tones["wav"])
    assert len(content_hash(copy)) == 64
    other = Path(shutil.copyfile(tones["wav"], tmp_path / "changed.wav"))
    with other.open("r+b") as file:  # one byte changed in the last 64 KB
        file.seek(len(other.read_bytes()) - 10)
        file.write(b"\x01")
    assert content_hash(other) != content_hash(tones["wav"])
