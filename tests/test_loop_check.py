"""Loop checks on real files made by ffmpeg: probe statuses and reasons, thumbnails, recording."""

from __future__ import annotations

import dataclasses
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import psycopg
import pytest

from domain.config import Settings
from domain.jobs import batches
from domain.loops.check import (
    check_mappings,
    deactivate_missing,
    find_tool,
    make_thumbnail,
    parse_resolution,
    probe_loop,
    validate_loops,
)
from domain.loops.mapper import TrackMapper, loops_service
from domain.models import LoopStatus
from domain.resources import Resources
from tests.media import make_corrupt_mp4, make_mp4

JPEG_START = b"\xff\xd8"


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One folder of real loops, good and bad."""
    root = tmp_path_factory.mktemp("h6-media")
    make_mp4(root / "small.mp4", width=320, height=180, seconds=1)
    make_mp4(root / "hd.mp4", width=640, height=360, seconds=3)
    make_mp4(root / "short.mp4", width=160, height=90, seconds=0.4)
    make_mp4(root / "mpeg4.mp4", width=320, height=240, seconds=1, codec="mpeg4")
    make_corrupt_mp4(root / "corrupt.mp4")
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "anullsrc=r=44100:cl=stereo:d=1",
         "-c:a", "aac", str(root / "audio.mp4")],
        check=True, timeout=60,
    )  # fmt: skip
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25:d=1",
         "-c:v", "libx264", "-pix_fmt", "yuv420p", "-f", "matroska", str(root / "matroska.mp4")],
        check=True, timeout=60,
    )  # fmt: skip
    return root


@pytest.fixture
async def own_mapper(settings: Settings, clean_db: None, media: Path) -> AsyncIterator[TrackMapper]:
    """A TrackMapper whose loops folder is this module's media folder."""
    async with loops_service(dataclasses.replace(settings, loops_path=media)) as service:
        yield service


def test_a_good_loop_is_ok_with_its_codec_size_and_duration(media: Path) -> None:
    probe = probe_loop(media / "hd.mp4")
    assert probe.status is LoopStatus.OK
    assert probe.reason is None
    assert (probe.codec, probe.width, probe.height) == ("h264", 640, 360)
    assert probe.resolution == "640x360"
    assert probe.duration is not None and abs(probe.duration - 3) < 0.2


def test_another_codec_is_still_a_usable_mp4(media: Path) -> None:
    probe = probe_loop(media / "mpeg4.mp4")
    assert probe.status is LoopStatus.OK
    assert (probe.codec, probe.width, probe.height) == ("mpeg4", 320, 240)


@pytest.mark.parametrize(
    ("name", "status", "reason"),
    [
        ("audio.mp4", LoopStatus.INVALID, "no video stream"),
        ("matroska.mp4", LoopStatus.INVALID, "not an MP4 container (format: matroska)"),
        ("corrupt.mp4", LoopStatus.INVALID, "ffprobe could not read the file: moov atom not found"),
    ],
)
def test_bad_files_are_results_with_a_reason(
    media: Path, name: str, status: LoopStatus, reason: str
) -> None:
    probe = probe_loop(media / name)
    assert probe.status is status
    assert probe.reason == reason


def test_a_missing_file_is_missing(media: Path) -> None:
    probe = probe_loop(media / "nowhere.mp4")
    assert probe.status is LoopStatus.MISSING
    assert probe.reason == f"file not found: {media / 'nowhere.mp4'}"


def test_without_ffprobe_the_loop_stays_unchecked(
    media: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    find_tool.cache_clear()
    try:
        probe = probe_loop(media / "hd.mp4")
        assert probe.status is None
        assert probe.reason == "ffprobe is not installed"
        assert make_thumbnail(media / "hd.mp4") is None
    finally:
        monkeypatch.undo()
        find_tool.cache_clear()


@pytest.mark.parametrize(("name", "duration"), [("hd.mp4", 3.0), ("short.mp4", 0.4)])
def test_thumbnail_is_a_jpeg_160_pixels_wide(media: Path, name: str, duration: float) -> None:
    thumbnail = make_thumbnail(media / name, duration=duration)
    assert thumbnail is not None and thumbnail.startswith(JPEG_START)
    # The JPEG's own header says how wide it is: decode it with ffprobe.
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "stream=width", "-of", "csv=p=0", "-"],
        input=thumbnail, capture_output=True, check=True, timeout=20,
    ).stdout  # fmt: skip
    assert out.strip() == b"160"


def test_no_thumbnail_for_a_corrupt_file(media: Path) -> None:
    assert make_thumbnail(media / "corrupt.mp4") is None


def test_resolution_parsing() -> None:
    assert parse_resolution("1920x1080") == (1920, 1080)
    assert parse_resolution(" 1280X720 ") == (1280, 720)
    for bad in ("1920", "1920x", "x1080", "0x720", "big", "1920*1080"):
        with pytest.raises(ValueError, match="use WIDTHxHEIGHT, like 1920x1080"):
            parse_resolution(bad)


def test_batches_are_distinct_sorted_and_bounded() -> None:
    assert list(batches([5, 3, 3, 1, 2], size=2)) == [[1, 2], [3, 5]]
    assert list(batches([])) == []
    assert [len(b) for b in batches(list(range(450)))] == [200, 200, 50]


def _row(database_url: str, mapping_id: int) -> dict[str, object]:
    with psycopg.connect(database_url) as conn:
        cur = conn.execute(
            "SELECT loop_status, loop_status_reason, loop_codec, loop_width, loop_height,"
            " loop_duration, thumbnail, loop_checked_at FROM track_mappings WHERE id = %s",
            (mapping_id,),
        )
        names = [column.name for column in cur.description or []]
        values = cur.fetchone()
    assert values is not None
    return dict(zip(names, values, strict=True))


async def test_check_mappings_records_results_and_is_idempotent(
    own_mapper: TrackMapper, resources: Resources, media: Path, database_url: str
) -> None:
    good = await own_mapper.create_mapping("Artist", "Good", "hd.mp4")
    same_file = await own_mapper.create_mapping("Artist", "Same File", "hd.mp4")
    bad = await own_mapper.create_mapping("Artist", "Bad", "corrupt.mp4")
    inactive = await own_mapper.create_mapping("Artist", "Off", "small.mp4")
    await own_mapper.delete_mapping(inactive.id)
    ids = [good.id, same_file.id, bad.id, inactive.id]

    checks = await check_mappings(resources.engine, media, ids)
    assert sorted(c.mapping_id for c in checks) == sorted([good.id, same_file.id, bad.id])
    first = {i: _row(database_url, i) for i in ids}
    assert first[good.id]["loop_status"] == "ok"
    assert (first[good.id]["loop_codec"], first[good.id]["loop_width"]) == ("h264", 640)
    assert first[good.id]["loop_height"] == 360
    thumbnail = first[good.id]["thumbnail"]
    assert isinstance(thumbnail, bytes) and thumbnail.startswith(JPEG_START)
    assert first[same_file.id]["thumbnail"] == thumbnail
    assert first[bad.id]["loop_status"] == "invalid"
    assert first[bad.id]["loop_status_reason"] == (
        "ffprobe could not read the file: moov atom not found"
    )
    assert first[bad.id]["thumbnail"] is None
    assert first[inactive.id]["loop_status"] is None  # inactive mappings are not checked

    await check_mappings(resources.engine, media, ids)
    second = {i: _row(database_url, i) for i in ids}
    for i in ids:
        unchanged = {k: v for k, v in first[i].items() if k != "loop_checked_at"}
        assert unchanged == {k: v for k, v in second[i].items() if k != "loop_checked_at"}


async def test_a_loop_that_disappears_becomes_missing_and_loses_its_thumbnail(
    own_mapper: TrackMapper, resources: Resources, media: Path, database_url: str
) -> None:
    make_mp4(media / "going.mp4", width=320, height=180, seconds=1)
    mapping = await own_mapper.create_mapping("Artist", "Going", "going.mp4")
    await check_mappings(resources.engine, media, [mapping.id])
    assert _row(database_url, mapping.id)["thumbnail"] is not None
    (media / "going.mp4").unlink()
    await check_mappings(resources.engine, media, [mapping.id])
    row = _row(database_url, mapping.id)
    assert row["loop_status"] == "missing"
    assert row["loop_status_reason"] == f"file not found: {media / 'going.mp4'}"
    assert row["thumbnail"] is None


async def test_validate_loops_lists_each_kind_of_problem(
    own_mapper: TrackMapper, resources: Resources, media: Path
) -> None:
    make_mp4(media / "vanishing.mp4", width=320, height=180, seconds=1)
    ok = await own_mapper.create_mapping("A", "Small", "small.mp4")
    hd = await own_mapper.create_mapping("A", "HD", "hd.mp4")
    bad = await own_mapper.create_mapping("A", "Corrupt", "corrupt.mp4")
    gone = await own_mapper.create_mapping("A", "Gone", "vanishing.mp4")
    (media / "vanishing.mp4").unlink()

    quick = await validate_loops(resources.engine, media)
    assert (quick.mappings, quick.files) == (4, 4)
    assert [(p.mapping_id, p.kind) for p in quick.problems] == [(gone.id, "missing")]
    assert quick.probes == {}

    full = await validate_loops(resources.engine, media, check_format=True, resolution=(320, 180))
    kinds = {p.mapping_id: (p.kind, p.detail) for p in full.problems}
    assert kinds == {
        gone.id: ("missing", f"file not found: {media / 'vanishing.mp4'}"),
        bad.id: ("invalid", "ffprobe could not read the file: moov atom not found"),
        hd.id: ("resolution", "640x360, expected 320x180"),
    }
    assert ok.id not in kinds
    assert full.probes["small.mp4"].status is LoopStatus.OK


async def test_deactivate_missing_deactivates_only_loops_still_gone(
    own_mapper: TrackMapper, resources: Resources, media: Path, database_url: str
) -> None:
    make_mp4(media / "lost.mp4", width=320, height=180, seconds=1)
    make_mp4(media / "back.mp4", width=320, height=180, seconds=1)
    fine = await own_mapper.create_mapping("B", "Fine", "small.mp4")
    lost = await own_mapper.create_mapping("B", "Lost", "lost.mp4")
    back = await own_mapper.create_mapping("B", "Back", "back.mp4")
    (media / "lost.mp4").unlink()
    (media / "back.mp4").rename(media / "away.mp4")
    report = await validate_loops(resources.engine, media)
    assert sorted(p.mapping_id for p in report.problems) == [lost.id, back.id]
    (media / "away.mp4").rename(media / "back.mp4")  # restored before the fix runs

    assert await deactivate_missing(own_mapper, report.problems) == 1
    row = _row(database_url, lost.id)
    assert (row["loop_status"], row["loop_status_reason"]) == ("missing", "file not found")
    assert not (await own_mapper.get_mapping(lost.id)).is_active
    assert (await own_mapper.get_mapping(back.id)).is_active
    assert (await own_mapper.get_mapping(fine.id)).is_active
    assert await deactivate_missing(own_mapper, report.problems) == 0  # nothing left to do
