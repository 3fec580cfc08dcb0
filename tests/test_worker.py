"""The real worker process checks loops queued by TrackMapper writes, and survives bad files.

Loop checks are queued through domain.jobs.JobQueue, as web and CLI do: with a broker built
from the settings given, never from the test process's environment.
"""

from __future__ import annotations

import dataclasses
import importlib
import json
import subprocess
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import psycopg
import pytest
import redis
from sqlalchemy.exc import OperationalError

from domain.config import Settings
from domain.jobs import LOOP_CHECKS_QUEUE, JobQueue
from domain.loops.mapper import TrackMapper, loops_service
from tests.media import make_corrupt_mp4, make_mp4
from tests.waiting import wait_until_async
from tests.worker_process import running_worker

CHECK_TIMEOUT_SECONDS = 30.0


@pytest.fixture(scope="module")
def worker_loops(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("h6-worker-loops")
    make_mp4(root / "good.mp4", width=640, height=360, seconds=2)
    make_mp4(root / "other.mp4", width=320, height=180, seconds=1)
    make_corrupt_mp4(root / "corrupt.mp4")
    return root


@pytest.fixture(scope="module")
def worker_env(app_env: dict[str, str], worker_loops: Path) -> dict[str, str]:
    return {**app_env, "LOOPS_PATH": str(worker_loops)}


@pytest.fixture(scope="module")
def worker_settings(settings: Settings, worker_loops: Path) -> Settings:
    return dataclasses.replace(settings, loops_path=worker_loops)


@pytest.fixture(scope="module")
def queue(worker_settings: Settings) -> Iterator[JobQueue]:
    """The job queue web and CLI use, for the worker's installation."""
    loop_checks = JobQueue(worker_settings)
    yield loop_checks
    loop_checks.close()


@pytest.fixture(scope="module")
def worker(worker_env: dict[str, str]) -> Iterator[subprocess.Popen[bytes]]:
    """The worker on this module's loops folder."""
    with running_worker(worker_env) as process:
        yield process


@pytest.fixture
async def queued_mapper(worker_settings: Settings, clean_db: None) -> AsyncIterator[TrackMapper]:
    """A TrackMapper whose loop changes go to the worker, as in the web process."""
    async with loops_service(worker_settings, check_loops=True) as service:
        yield service


async def wait_for_status(
    database_url: str, mapping_id: int
) -> tuple[str, str | None, int | None, bytes | None]:
    """Poll the database until the worker has recorded a loop status for the mapping."""

    async def checked() -> tuple[str, str | None, int | None, bytes | None] | None:
        async with await psycopg.AsyncConnection.connect(database_url) as conn:
            cur = await conn.execute(
                "SELECT loop_status, loop_status_reason, loop_width, thumbnail"
                " FROM track_mappings WHERE id = %s",
                (mapping_id,),
            )
            row = await cur.fetchone()
        if row is not None and row[0] is not None:
            return row[0], row[1], row[2], row[3]
        return None

    return await wait_until_async(
        checked, CHECK_TIMEOUT_SECONDS, f"the worker checking mapping {mapping_id}", every=0.2
    )


async def test_a_new_mapping_is_checked_by_the_worker(
    worker: subprocess.Popen[bytes], queued_mapper: TrackMapper, database_url: str
) -> None:
    mapping = await queued_mapper.create_mapping("Daft Punk", "Veridis Quo", "good.mp4")
    status, reason, width, thumbnail = await wait_for_status(database_url, mapping.id)
    assert (status, reason, width) == ("ok", None, 640)
    assert thumbnail is not None and thumbnail.startswith(b"\xff\xd8")


async def test_a_corrupt_loop_is_invalid_and_the_worker_keeps_going(
    worker: subprocess.Popen[bytes], queued_mapper: TrackMapper, database_url: str
) -> None:
    bad = await queued_mapper.create_mapping("Bad", "Upload", "corrupt.mp4")
    status, reason, _, thumbnail = await wait_for_status(database_url, bad.id)
    assert status == "invalid"
    assert reason == "ffprobe could not read the file: moov atom not found"
    assert thumbnail is None

    # Changing the loop queues a new check, handled by the same, still running worker.
    await queued_mapper.update_mapping(bad.id, loop_path="other.mp4")

    async def rechecked() -> bool:
        return (await wait_for_status(database_url, bad.id))[0] == "ok"

    await wait_until_async(rechecked, CHECK_TIMEOUT_SECONDS, "the fixed loop re-checked", every=0.2)
    assert worker.poll() is None


async def test_check_all_loops_rechecks_every_active_mapping(
    worker: subprocess.Popen[bytes],
    queued_mapper: TrackMapper,
    database_url: str,
    queue: JobQueue,
) -> None:
    first = await queued_mapper.create_mapping("One", "Track", "good.mp4")
    second = await queued_mapper.create_mapping("Two", "Track", "other.mp4")
    for mapping in (first, second):
        await wait_for_status(database_url, mapping.id)
    async with await psycopg.AsyncConnection.connect(database_url) as conn:
        await conn.execute("UPDATE track_mappings SET loop_status = NULL, thumbnail = NULL")
    queue.check_all_loops()
    assert (await wait_for_status(database_url, first.id))[0] == "ok"
    assert (await wait_for_status(database_url, second.id))[2] == 320


def test_the_queue_follows_its_settings_not_the_environment(
    settings: Settings, server_urls: tuple[str, str]
) -> None:
    """Another installation's settings queue into that installation's namespace, in chunks."""
    other = dataclasses.replace(
        settings, database_url=settings.database_url.rsplit("/", 1)[0] + "/elsewhere"
    )
    messages_key = f"{other.channel('dramatiq')}:{LOOP_CHECKS_QUEUE}.msgs"
    client = redis.Redis.from_url(server_urls[1])
    client.delete(messages_key)
    loop_checks = JobQueue(other)
    try:
        loop_checks.check_loops(list(range(1, 451)))
        messages = [json.loads(raw) for raw in client.hvals(messages_key)]
    finally:
        loop_checks.close()
        client.delete(messages_key, f"{other.channel('dramatiq')}:{LOOP_CHECKS_QUEUE}")
        client.close()
    assert {(m["queue_name"], m["actor_name"]) for m in messages} == {
        (LOOP_CHECKS_QUEUE, "check_loops")
    }
    assert sorted(len(m["args"][0]) for m in messages) == [50, 200, 200]


def test_only_an_unreachable_database_or_redis_is_retried(app_env: dict[str, str]) -> None:
    retry: Callable[[int, BaseException], bool] = importlib.import_module(
        "worker.actors"
    ).retry_transient
    unreachable = OperationalError("SELECT 1", {}, Exception("connection refused"))
    assert retry(1, unreachable)
    assert retry(1, ConnectionRefusedError())
    assert not retry(6, unreachable)  # a few times, then the message is dead-lettered
    assert not retry(1, ValueError("a bug"))
