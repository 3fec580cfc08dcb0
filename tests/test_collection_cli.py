"""`crateloop collection scan|list` through the real CLI, the real worker process (the
`scan_collection` actor) and the real database; the daemon's periodic scan queued once per
period. The JSON shape is the one scripts rely on (issue 12 §6)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import pty
import subprocess
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from cli.main import crateloop
from cli.processes import crateloop_argv
from daemon.collection_scan_schedule import queue_periodic_scan
from domain import channels
from domain.collection import scan_job
from domain.config import CollectionSettings
from domain.resources import Resources, opened
from tests.media import cover_png, make_audio, tag
from tests.worker_process import REPO, running_worker

SHAPE = {
    "id", "path", "artist", "title", "album", "genre", "year", "duration", "format", "bitrate",
    "sample_rate", "channels", "status", "error", "key", "camelot", "open_key", "bpm",
    "library_track_id",
}  # fmt: skip


@pytest.fixture(scope="module")
def music(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cli-music").resolve()


@pytest.fixture(scope="module")
def collection_env(app_env: dict[str, str], music: Path) -> dict[str, str]:
    return {**app_env, "MUSIC_PATH": str(music)}


@pytest.fixture(scope="module")
def collection_worker(collection_env: dict[str, str]) -> Iterator[subprocess.Popen[bytes]]:
    with running_worker(collection_env) as process:
        yield process


@pytest.fixture
def files(music: Path, clean_db: None) -> Path:
    """The module's music folder, filled afresh for each test."""
    for old in sorted(music.rglob("*"), reverse=True):
        old.rmdir() if old.is_dir() else old.unlink()
    track = make_audio(music / "Deep" / "moderat-a-new-error.flac", seconds=2)
    tag(
        track, cover=cover_png(), artist="Moderat", title="A New Error", album="Moderat",
        genre="Electronic", year="2009", key="Am", bpm="121",
    )  # fmt: skip
    (music / "broken.mp3").write_bytes(b"")
    return music


def run(env: dict[str, str], *args: str) -> Result:
    return CliRunner().invoke(crateloop, list(args), env=env, catch_exceptions=False)


def test_scan_in_the_worker_then_list_as_json(
    collection_env: dict[str, str], collection_worker: subprocess.Popen[bytes], files: Path
) -> None:
    scanned = run(collection_env, "collection", "scan", "--json")
    assert scanned.exit_code == 0, scanned.output
    job = json.loads(scanned.stdout)
    assert (job["state"], job["done"], job["total"]) == ("done", 2, 2)
    summary = job["summary"]
    assert (summary["found"], summary["read"], summary["failed"]) == (2, 2, 1)

    listed = run(collection_env, "collection", "list", "--json")
    assert listed.exit_code == 0, listed.output
    rows = json.loads(listed.stdout)
    assert [row["path"] for row in rows] == ["Deep/moderat-a-new-error.flac", "broken.mp3"]
    assert all(set(row) >= SHAPE for row in rows)
    good, bad = rows
    assert (good["artist"], good["title"], good["album"], good["genre"], good["year"]) == (
        "Moderat", "A New Error", "Moderat", "Electronic", 2009,
    )  # fmt: skip
    assert (good["format"], good["channels"], good["sample_rate"]) == ("flac", 2, 44100)
    assert good["duration"] == pytest.approx(2.0, abs=0.1)
    assert (good["status"], good["error"], good["key"], good["bpm"]) == (
        "completed",
        None,
        "Am",
        121.0,
    )
    assert (good["camelot"], good["open_key"], good["library_track_id"]) == (None, None, None)
    assert good["has_cover"] is True
    assert (bad["status"], bad["error"]) == ("failed", "the file is empty (0 bytes)")

    failed = run(collection_env, "collection", "list", "--status", "failed", "--json")
    assert [row["path"] for row in json.loads(failed.stdout)] == ["broken.mp3"]
    plain = run(collection_env, "collection", "list")
    assert "completed\tModerat - A New Error\tDeep/moderat-a-new-error.flac" in plain.stdout

    # Scanned again: nothing read, and the folder alone is scanned when asked.
    again = json.loads(
        run(collection_env, "collection", "scan", "--json", str(files / "Deep")).stdout
    )
    assert (again["summary"]["found"], again["summary"]["read"]) == (1, 0)


def test_on_a_terminal_the_scan_draws_a_progress_bar(
    collection_env: dict[str, str], collection_worker: subprocess.Popen[bytes], files: Path
) -> None:
    """With stderr on a terminal, `--wait` draws rich's bar (done/total) instead of lines."""
    main, terminal = pty.openpty()
    try:
        process = subprocess.Popen(
            [*crateloop_argv(), "collection", "scan", "--wait"],
            cwd=REPO,
            env={**os.environ, **collection_env, "COLUMNS": "160", "TERM": "xterm"},
            stdout=subprocess.PIPE,
            stderr=terminal,
        )
        os.close(terminal)
        drawn = b""
        with contextlib.suppress(OSError):  # EIO once the command exits and the terminal closes
            while chunk := os.read(main, 4096):
                drawn += chunk
        out, _ = process.communicate(timeout=60)
    finally:
        os.close(main)
    screen = drawn.decode(errors="replace")
    assert process.returncode == 0, screen
    assert "2/2" in screen and "━" in screen, screen
    lines = out.decode().splitlines()
    assert lines[0].startswith("scan ") and lines[0].endswith("queued: Scanning MUSIC_PATH: queued")
    assert lines[-1] == "Scanned MUSIC_PATH: 2 files: 2 read (1 failed), 0 unchanged"


def test_refusals_exit_2_with_the_reason(
    collection_env: dict[str, str], files: Path, tmp_path: Path
) -> None:
    outside = run(collection_env, "collection", "scan", str(tmp_path))
    assert outside.exit_code == 2
    assert "dir: " in outside.stderr and "is outside MUSIC_PATH" in outside.stderr
    status = run(collection_env, "collection", "list", "--status", "done")
    assert status.exit_code == 2
    assert "use one of pending, processing, completed, failed" in status.stderr
    order = run(collection_env, "collection", "list", "--order", "bpm")
    assert order.exit_code == 2
    assert "use one of path, artist, title, added" in order.stderr


async def _finished(resources: Resources, job_id: str) -> scan_job.ScanJob:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        job = await scan_job.get_scan(resources.settings, resources.redis, job_id)
        if job.finished:
            return job
        await asyncio.sleep(0.1)
    raise AssertionError(f"scan {job_id} did not finish within 60 s")


async def test_the_daemon_queues_one_scan_a_period(
    resources: Resources,
    collection_env: dict[str, str],
    collection_worker: subprocess.Popen[bytes],
    music: Path,
    files: Path,
) -> None:
    own = replace(
        resources.settings, collection=CollectionSettings(music_paths=(music,), scan_minutes=15)
    )
    async with opened(own) as daemon:
        queued = await queue_periodic_scan(daemon)
        assert queued is not None
        assert await queue_periodic_scan(daemon) is None  # another daemon, same period
        done = await _finished(daemon, queued.job_id)
    assert done.state is scan_job.ScanState.DONE
    assert done.summary["found"] == 2
    ttl = await resources.redis.ttl(channels.collection_scan_schedule(resources.settings))
    assert 15 * 60 - 20 < ttl <= 15 * 60
