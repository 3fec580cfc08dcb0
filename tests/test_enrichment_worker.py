"""Enrichment in the real worker process against the fake music databases, and the daemon's
periodic pick (pending, failed fewer than 3 times, partial a day ago) with the cache purge."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from daemon.enrichment_schedule import enrich_due
from domain.enrichment.api_cache import ApiCache
from domain.enrichment.items import MODELS, ItemRef
from domain.enrichment.job import EnrichmentJob, get_job, queue_enrichment
from domain.enrichment.pick import due_items
from domain.models import ApiCache as CachedAnswer
from domain.models import CollectionFile
from domain.resources import Resources
from tests.enrichment_fakes import Fakes, collection_file, library_track
from tests.waiting import wait_until_async
from tests.worker_process import running_worker


@pytest.fixture(scope="module")
def enrich_worker(enrich_env: dict[str, str]) -> Iterator[subprocess.Popen[bytes]]:
    with running_worker(enrich_env) as process:
        yield process


async def _finished(resources: Resources, job: EnrichmentJob) -> EnrichmentJob:
    async def done() -> EnrichmentJob | None:
        progress = await get_job(resources.settings, resources.redis, job.job_id)
        return progress if progress.finished else None

    return await wait_until_async(done, 90, f"enrichment job {job.job_id} to finish")


async def test_the_worker_enriches_queued_items_end_to_end(
    enrich_resources: Resources, fakes: Fakes, enrich_worker: subprocess.Popen[bytes]
) -> None:
    fakes.know_the_track()
    file = await collection_file(enrich_resources.sessions)
    track = await library_track(enrich_resources.sessions, isrc="DEU831300071")
    job = await queue_enrichment(enrich_resources, "pending")
    assert job.total == 2 and not job.finished

    finished = await _finished(enrich_resources, job)
    assert (finished.done, finished.completed) == (2, 2), finished.to_json()
    async with enrich_resources.sessions() as session:
        row = await session.get(CollectionFile, file.id)
        assert row is not None and row.enrichment_status == "completed"
        assert row.deezer_bpm == 123.4 and row.lastfm_playcount == 4242
        tracked = await session.get(MODELS[track.kind], track.id)
        assert tracked is not None and tracked.enriched_label == "BPitch Control"
    assert finished.text == "Enriched 2 items: 2 completed"


async def test_the_daemon_queues_what_is_due_and_purges_expired_answers(
    enrich_resources: Resources, fakes: Fakes, enrich_worker: subprocess.Popen[bytes]
) -> None:
    sessions = enrich_resources.sessions
    now = datetime.now(UTC)
    states = {
        "pending.mp3": ("pending", 0, None),
        "failed-once.mp3": ("failed", 1, now - timedelta(minutes=20)),
        "failed-thrice.mp3": ("failed", 3, now - timedelta(minutes=20)),
        "partial-old.mp3": ("partial", 1, now - timedelta(hours=25)),
        "partial-new.mp3": ("partial", 1, now - timedelta(hours=1)),
        "completed.mp3": ("completed", 0, now - timedelta(days=9)),
        "abandoned.mp3": ("in_progress", 0, now - timedelta(minutes=20)),  # its worker died
        "running.mp3": ("in_progress", 0, now - timedelta(minutes=1)),
    }
    refs: dict[str, ItemRef] = {}
    for name, (status, retries, attempt) in states.items():
        refs[name] = ref = await collection_file(sessions, name, artist=None, title=None, isrc=None)
        async with sessions.begin() as session:
            await session.execute(
                update(CollectionFile)
                .where(CollectionFile.id == ref.id)
                .values(
                    enrichment_status=status, enrichment_retry_count=retries, last_attempt=attempt
                )
            )
    await collection_file(sessions, "missing.mp3", missing=True)
    cache = ApiCache(sessions, "deezer")
    await cache.put(cache.key("isrc", "old"), {}, 1)
    await cache.put(cache.key("isrc", "new"), {}, 3600)
    async with sessions.begin() as session:
        await session.execute(
            update(CachedAnswer)
            .where(CachedAnswer.key == cache.key("isrc", "old"))
            .values(expires_at=now - timedelta(seconds=1))
        )

    due = await due_items(sessions)
    expected = {
        refs[n] for n in ("pending.mp3", "failed-once.mp3", "partial-old.mp3", "abandoned.mp3")
    }
    assert set(due) == expected

    job = await enrich_due(enrich_resources)
    assert job is not None and job.total == 4
    assert await enrich_due(enrich_resources) is None, "once a period, whichever daemon"
    async with sessions() as session:
        keys = list(await session.scalars(select(CachedAnswer.key)))
    assert keys == [cache.key("isrc", "new")]

    await _finished(enrich_resources, job)
    assert await due_items(sessions) == [], "nothing to ask about: they completed"
    assert fakes.requests() == 0, "a file with no artist, title or ISRC asks nobody"
