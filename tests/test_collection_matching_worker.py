"""Matching in the real worker process: a scan queues the files it read for matching, a wanted
track's file moves the item to in_library, library tracks made later link the files they are,
and a redelivered matching job changes nothing (real PostgreSQL, Redis and tagged files)."""

from __future__ import annotations

import asyncio
import json
import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner

from cli.main import crateloop
from domain.config import load_settings
from domain.library.store import upsert_track
from domain.library.wants import add_want, get_want
from domain.models import WantStatus
from domain.resources import Resources, opened
from tests.library_data import facts
from tests.media import make_audio, tag
from tests.test_want_list import make_user
from tests.waiting import wait_until_async
from tests.worker_process import running_worker


@pytest.fixture(scope="module")
def music(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("matching-music").resolve()


@pytest.fixture(scope="module")
def matching_env(app_env: dict[str, str], music: Path) -> dict[str, str]:
    return {**app_env, "MUSIC_PATH": str(music)}


@pytest.fixture(scope="module")
def matching_worker(matching_env: dict[str, str]) -> Iterator[subprocess.Popen[bytes]]:
    with running_worker(matching_env) as process:
        yield process


@pytest.fixture
def emptied(music: Path, clean_db: None) -> Path:
    """The module's music folder, emptied for each test (the database is clean too)."""
    for old in sorted(music.rglob("*"), reverse=True):
        old.rmdir() if old.is_dir() else old.unlink()
    return music


@pytest.fixture
async def own(matching_env: dict[str, str], emptied: Path) -> AsyncIterator[Resources]:
    async with opened(load_settings(matching_env)) as resources:
        yield resources


def file_row(database_url: str, name: str) -> tuple[int, int | None] | None:
    with psycopg.connect(database_url) as conn:
        row = conn.execute(
            "SELECT id, library_track_id FROM collection_files WHERE path = %s", (name,)
        ).fetchone()
    return (int(row[0]), row[1]) if row else None


def match_updated(database_url: str, file_id: int) -> object:
    with psycopg.connect(database_url) as conn:
        row = conn.execute(
            "SELECT updated_at FROM collection_matches WHERE collection_file_id = %s", (file_id,)
        ).fetchone()
    return row[0] if row else None


async def scan(env: dict[str, str]) -> dict[str, object]:
    done = await asyncio.to_thread(
        CliRunner().invoke, crateloop, ["collection", "scan", "--json"], env=env
    )
    assert done.exit_code == 0, done.output
    job: dict[str, object] = json.loads(done.stdout)
    return job


async def test_scan_then_match_moves_the_wanted_track_to_in_library(
    own: Resources,
    matching_env: dict[str, str],
    music: Path,
    database_url: str,
    matching_worker: subprocess.Popen[bytes],
) -> None:
    track = await upsert_track(own.sessions, facts("Bicep", "Glue", label="Ninja Tune"))
    user = make_user(database_url)
    want_id = await add_want(own.sessions, user, track)
    tag(make_audio(music / "glue.mp3"), artist="Bicep", title="Glue", label="Ninja Tune")

    assert (await scan(matching_env))["state"] == "done"

    async def moved() -> bool:
        entry = await get_want(own.sessions, user, want_id)
        return entry.status is WantStatus.IN_LIBRARY

    await wait_until_async(moved, within=30, message="the want-list item in_library")
    found = file_row(database_url, "glue.mp3")
    assert found is not None and found[1] == track


async def test_a_track_made_later_links_its_file_and_a_redelivery_changes_nothing(
    own: Resources,
    matching_env: dict[str, str],
    music: Path,
    database_url: str,
    matching_worker: subprocess.Popen[bytes],
) -> None:
    tag(make_audio(music / "apricots.mp3"), artist="Bicep", title="Apricots")
    tag(make_audio(music / "opus.mp3"), artist="Eric Prydz", title="Opus")
    await scan(matching_env)

    async def matched(name: str) -> object:
        found = file_row(database_url, name)
        return found and match_updated(database_url, found[0])

    await wait_until_async(lambda: matched("apricots.mp3"), within=30, message="a first match")
    apricots = file_row(database_url, "apricots.mp3")
    assert apricots is not None and apricots[1] is None  # no such track yet

    # Identification (or a review) makes the track: the worker's pass links the file.
    track = await upsert_track(own.sessions, facts("Bicep", "Apricots"))
    await asyncio.to_thread(own.jobs.match_library_changes)

    async def linked() -> bool:
        return file_row(database_url, "apricots.mp3") == (apricots[0], track)

    await wait_until_async(linked, within=30, message="the file linked to the new track")
    decided_at = match_updated(database_url, apricots[0])

    # The same job delivered again, then a job whose end we can see (the worker runs them in
    # order, one at a time): the first changed nothing.
    await asyncio.to_thread(own.jobs.match_collection, [apricots[0]])
    opus = file_row(database_url, "opus.mp3")
    assert opus is not None
    opus_before = match_updated(database_url, opus[0])
    with psycopg.connect(database_url) as conn:
        conn.execute(
            "UPDATE collection_files SET title = 'Opus (Extended Mix)' WHERE id = %s", (opus[0],)
        )  # retagged since matched: the next pass looks at it again
    await asyncio.to_thread(own.jobs.match_collection, [opus[0]])

    async def opus_done() -> bool:
        return match_updated(database_url, opus[0]) != opus_before

    await wait_until_async(opus_done, within=30, message="the later job")
    assert match_updated(database_url, apricots[0]) == decided_at
    assert file_row(database_url, "apricots.mp3") == (apricots[0], track)
