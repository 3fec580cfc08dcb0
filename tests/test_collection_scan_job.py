"""A collection scan as a job, run here in-process on the real database and Redis (the worker
process runs the same function, tests/test_collection_cli.py): its progress in Redis, one scan at
a time, and a folder outside MUSIC_PATH refused before anything is queued."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest

from domain import channels
from domain.collection import scan_job
from domain.config import CollectionSettings
from domain.resources import Resources, opened
from domain.validation import InputError
from tests.media import make_audio


@pytest.fixture
async def own(resources: Resources, tmp_path: Path) -> AsyncIterator[Resources]:
    """Resources whose MUSIC_PATH is this test's folder, holding two real files."""
    music = (tmp_path / "music").resolve()
    make_audio(music / "one.mp3")
    make_audio(music / "sub" / "two.wav")
    settings = replace(
        resources.settings, collection=CollectionSettings(music_paths=(music,), scan_minutes=15)
    )
    async with opened(settings) as scoped:
        yield scoped


async def test_a_scan_job_records_its_progress_and_summary(own: Resources) -> None:
    job = await scan_job.start_scan(own)
    assert (job.state, job.text) == (scan_job.ScanState.QUEUED, "Scanning MUSIC_PATH: queued")
    done = await scan_job.run_scan(own, job.job_id)
    assert done is not None and done.state is scan_job.ScanState.DONE
    saved = await scan_job.get_scan(own.settings, own.redis, job.job_id)
    assert (saved.done, saved.total, saved.summary["read"]) == (2, 2, 2)
    assert saved.text == "Scanned MUSIC_PATH: 2 files: 2 read, 0 unchanged"
    assert saved.to_json()["finished"] is True
    # A second delivery of a finished scan does nothing.
    again = await scan_job.run_scan(own, job.job_id)
    assert again == saved
    assert not await own.redis.exists(channels.collection_scan_running(own.settings))


async def test_a_scan_waits_while_another_runs(own: Resources) -> None:
    job = await scan_job.start_scan(own)
    running = channels.collection_scan_running(own.settings)
    await own.redis.set(running, "another-scan", ex=60)
    assert await scan_job.run_scan(own, job.job_id) is None
    waiting = await scan_job.get_scan(own.settings, own.redis, job.job_id)
    assert waiting.state is scan_job.ScanState.QUEUED
    await own.redis.delete(running)
    assert (await scan_job.run_scan(own, job.job_id)) is not None


async def test_a_folder_outside_music_path_is_refused_before_queueing(
    own: Resources, tmp_path: Path
) -> None:
    with pytest.raises(InputError) as refused:
        await scan_job.start_scan(own, tmp_path)
    assert refused.value.field == "dir"
    assert not [
        key async for key in own.redis.scan_iter(channels.collection_scan(own.settings, "*"))
    ]


async def test_a_folder_scan_names_its_folder(own: Resources) -> None:
    folder = own.settings.collection.music_paths[0] / "sub"
    job = await scan_job.start_scan(own, folder, full=True)
    done = await scan_job.run_scan(own, job.job_id)
    assert done is not None
    assert (done.folder, done.full, done.summary["found"]) == (str(folder), True, 1)


async def test_an_unknown_scan_is_not_found(own: Resources) -> None:
    with pytest.raises(scan_job.ScanNotFound):
        await scan_job.get_scan(own.settings, own.redis, "nope")
