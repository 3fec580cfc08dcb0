"""Key and tempo found by the real worker after a scan: what the audio says lands beside the
tags, a file essentia cannot analyse says why, new content at the same path is analysed again,
and nothing is queued twice (where essentia cannot be loaded: test_collection_analysis_off.py)."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from click.testing import CliRunner, Result

from cli.main import crateloop
from domain.collection import analyse_job
from domain.collection.scan import scan_collection
from domain.config import load_settings
from domain.resources import opened
from tests.media import make_tone_track, tag
from tests.waiting import wait_until
from tests.worker_process import running_worker

A_MINOR = (220.0, 261.63, 329.63)  # A C E
G_MAJOR = (196.0, 246.94, 293.66)  # G B D
ANALYSIS_SECONDS = 90  # a cold worker, then a spawned child importing essentia, then the files


@pytest.fixture(scope="module")
def music(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("analysed-music").resolve()


@pytest.fixture(scope="module")
def env(app_env: dict[str, str], music: Path) -> dict[str, str]:
    return {**app_env, "MUSIC_PATH": str(music)}


@pytest.fixture(scope="module")
def worker(env: dict[str, str]) -> Iterator[subprocess.Popen[bytes]]:
    with running_worker(env) as process:
        yield process


@pytest.fixture(scope="module")
def tracks(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Made once: an A minor track at 124 BPM tagged as something else, a G major one at 128,
    and ten seconds of silence (read fine, nothing to analyse)."""
    made = tmp_path_factory.mktemp("made")
    a_minor = make_tone_track(made / "a-minor.mp3", A_MINOR, bpm=124)
    tag(a_minor, artist="Tone", title="Minor", key="8B", bpm="100")
    silence = made / "silence.flac"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "anullsrc=r=44100:cl=stereo",
         "-t", "10", str(silence)],
        check=True,
        timeout=60,
    )  # fmt: skip
    return {
        "a_minor": a_minor,
        "g_major": make_tone_track(made / "g-major.mp3", G_MAJOR, bpm=128),
        "silence": silence,
    }


@pytest.fixture
def files(music: Path, tracks: dict[str, Path], clean_db: None) -> Path:
    for old in sorted(music.rglob("*"), reverse=True):
        old.rmdir() if old.is_dir() else old.unlink()
    shutil.copy(tracks["a_minor"], music / "tone.mp3")
    shutil.copy(tracks["silence"], music / "silence.flac")
    return music


def run(env: dict[str, str], *args: str) -> Result:
    return CliRunner().invoke(crateloop, list(args), env=env, catch_exceptions=False)


def listed(env: dict[str, str]) -> dict[str, dict[str, Any]]:
    result = run(env, "collection", "list", "--json")
    assert result.exit_code == 0, result.output
    return {row["path"]: row for row in json.loads(result.stdout)}


def analysis_of(database_url: str, path: str) -> tuple[Any, ...] | None:
    with psycopg.connect(database_url) as conn:
        return conn.execute(
            "SELECT musical_key, camelot, open_key, bpm, analysed_at, analysis_error"
            " FROM collection_files WHERE path = %s",
            (path,),
        ).fetchone()


def analysed(database_url: str, *paths: str) -> bool:
    return all((row := analysis_of(database_url, p)) is not None and row[4] for p in paths)


def test_the_worker_finds_key_and_tempo_after_a_scan(
    env: dict[str, str],
    worker: subprocess.Popen[bytes],
    files: Path,
    tracks: dict[str, Path],
    database_url: str,
) -> None:
    assert run(env, "collection", "scan", "--wait").exit_code == 0
    wait_until(
        lambda: analysed(database_url, "tone.mp3", "silence.flac"),
        ANALYSIS_SECONDS,
        "both files analysed",
    )
    key, camelot, open_key, bpm, _, error = analysis_of(database_url, "tone.mp3") or ()
    assert (key, camelot, open_key, error) == ("A minor", "8A", "1m", None)
    assert float(bpm) == pytest.approx(124, abs=1)
    silent = analysis_of(database_url, "silence.flac")
    assert silent is not None and silent[0] is None and "silent" in silent[5]

    # The list shows what the audio says, the tags stay beside it.
    rows = listed(env)
    tone = rows["tone.mp3"]
    assert (tone["key"], tone["camelot"], tone["open_key"]) == ("A minor", "8A", "1m")
    assert (tone["tag_key"], float(tone["tag_bpm"])) == ("8B", 100.0)

    # New audio at the same path: the old analysis is void and the new one comes.
    shutil.copy(tracks["g_major"], files / "tone.mp3")
    assert run(env, "collection", "scan", "--wait").exit_code == 0
    wait_until(
        lambda: (analysis_of(database_url, "tone.mp3") or ())[1:2] == ("9B",),
        ANALYSIS_SECONDS,
        "the new audio analysed",
    )
    again = analysis_of(database_url, "tone.mp3")
    assert again is not None and float(again[3]) == pytest.approx(128, abs=1)


async def test_a_file_is_queued_once_until_it_is_analysed(
    env: dict[str, str], files: Path, database_url: str
) -> None:
    async with opened(load_settings(env)) as resources:
        await scan_collection(resources.sessions, resources.settings)
        assert await analyse_job.queue_analysis(resources) == 2
        assert await analyse_job.queue_analysis(resources) == 0  # already on its way
