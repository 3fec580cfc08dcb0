"""A DJ's first scan in real Chromium, through the real web server and the real worker (issue 12
§8): real tagged audio files in MUSIC_PATH, "Scan now" followed to its end, a search, the file's
page once the worker has analysed the audio, the compatible file it suggests, and the view
exported as a Rekordbox XML naming the files where they are."""

from __future__ import annotations

import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote

import pytest
from playwright.sync_api import Page, expect

from domain.models import User
from tests.media import make_tone_track, tag
from tests.waiting import wait_until
from tests.web_fixtures import log_in
from tests.worker_process import running_worker

A_MINOR = (220.0, 261.63, 329.63)  # A C E: 8A
C_MAJOR = (261.63, 329.63, 392.0)  # C E G: 8B, the relative major of A minor
G_MAJOR = (196.0, 246.94, 293.66)  # G B D: 9B, no neighbour of 8A
ANALYSIS_SECONDS = 120  # a cold worker, a spawned child importing essentia, then three files
DASH = "\u2013"


@pytest.fixture(scope="module")
def scanning_worker(app_env: dict[str, str]) -> Iterator[subprocess.Popen[bytes]]:
    with running_worker(app_env) as process:
        yield process


@pytest.fixture
def music(music_root: Path, tmp_path: Path, user: User) -> Iterator[Path]:
    """Three real files in the suite's MUSIC_PATH: A minor and C major at 124 BPM, G major at
    128; the folder is emptied again afterwards."""
    made = {
        "Minor": make_tone_track(tmp_path / "minor.mp3", A_MINOR, bpm=124),
        "Major": make_tone_track(tmp_path / "major.flac", C_MAJOR, bpm=124),
        "Far Away": make_tone_track(tmp_path / "far.m4a", G_MAJOR, bpm=128),
    }
    for title, path in made.items():
        tag(path, artist="Tone", title=title, album="Scan Test", label="Sine Records")
        shutil.copy(path, music_root / path.name)
    yield music_root
    for old in music_root.iterdir():
        shutil.rmtree(old) if old.is_dir() else old.unlink()


def test_scan_search_open_a_file_follow_its_compatible_track_and_export(
    page: Page, music: Path, scanning_worker: subprocess.Popen[bytes]
) -> None:
    log_in(page)
    page.goto("/collection")
    expect(page.locator("tr.collection-file")).to_have_count(0)
    page.get_by_role("button", name="Scan now").click()
    expect(page.locator(".scan-text")).to_contain_text(
        "Scanned MUSIC_PATH: 3 files: 3 read", timeout=60_000
    )
    page.get_by_role("link", name="Show the files").click()
    rows = page.locator("tr.collection-file")
    expect(rows).to_have_count(3)

    page.get_by_label("Search").fill("tone min*")
    expect(rows).to_have_count(1)
    page.get_by_role("link", name=f"Tone {DASH} Minor").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Minor")

    def analysed() -> bool:
        page.reload()
        return page.locator("tr.mix-after").count() == 1

    wait_until(analysed, ANALYSIS_SECONDS, "the worker analysing the three files", every=2.0)
    # The audio's tempo, to a tenth: 124 give or take what a 20-second file allows.
    expect(
        page.get_by_text(re.compile(r"Compatible with 8A within ±6 % of 12[345](\.\d)? BPM"))
    ).to_be_visible()
    expect(page.locator("tr.mix-after")).to_contain_text("8B")
    page.locator("tr.mix-after").get_by_role("link", name=f"Tone {DASH} Major").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Major")

    page.get_by_role("link", name="← Collection").click()
    page.get_by_label("Key").fill("8A")
    expect(rows).to_have_count(1)
    page.get_by_label("Key").fill("")
    page.get_by_label("Search").fill("sine")
    expect(rows).to_have_count(3)
    with page.expect_download() as download:
        page.locator("#export-xml").click()
    tree = ET.parse(download.value.path())  # noqa: S314 (our own output)
    tracks = tree.findall("./COLLECTION/TRACK")
    assert sorted(track.get("Name", "") for track in tracks) == ["Far Away", "Major", "Minor"]
    by_name = {track.get("Name"): track for track in tracks}
    assert by_name["Minor"].get("Tonality") == "Am"
    assert abs(float(by_name["Far Away"].get("AverageBpm", "0")) - 128) < 1.0
    location = unquote(by_name["Major"].get("Location", ""))
    assert re.fullmatch(r"file://localhost/.+/major\.flac", location)
    assert Path(location.removeprefix("file://localhost")) == music / "major.flac"
