"""Import jobs end to end: queued through domain.jobs, run by the real worker process against the
fake 1001tracklists site, stored in the real database, each status published on Redis.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import re
import subprocess
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import redis.asyncio as aioredis

from domain import channels
from domain.config import Settings
from domain.db import Sessions
from domain.jobs import TRACKLISTS_QUEUE, JobQueue
from domain.tracklists.client import PoliteClient
from domain.tracklists.cue import build_cue
from domain.tracklists.imports import (
    ImportJob,
    ImportStatus,
    create_import,
    get_import,
    run_import,
)
from domain.tracklists.parse import parse_tracklist
from domain.tracklists.store import TracklistFilter, get_tracklist, search_tracklists
from domain.tracklists.urls import SiteUrls, UrlRefused
from tests.fakes.tracklist_pages import (
    Row,
    challenge_page,
    homepage,
    tracklist_page,
    tracklist_path,
)
from tests.fakes.tracklists_site import FakeTracklistsSite, Reply
from tests.tracklist_seeds import PAGE_ROWS, count, read_cue, serve
from tests.waiting import wait_until_async

JOB_TIMEOUT_SECONDS = 40.0


@pytest.fixture(scope="module")
def queue(settings: Settings) -> Iterator[JobQueue]:
    """The job queue web and CLI use."""
    imports = JobQueue(settings)
    yield imports
    imports.close()


@pytest.fixture
def site_urls(settings: Settings) -> SiteUrls:
    return SiteUrls.from_settings(settings)


@pytest.fixture
async def redis(settings: Settings) -> AsyncIterator[aioredis.Redis]:
    client = aioredis.Redis.from_url(settings.redis_url)
    yield client
    await client.aclose()


async def wait_for(
    sessions: Sessions, job_id: int, *statuses: ImportStatus, since: datetime | None = None
) -> ImportJob:
    """Poll the database until the job reaches one of `statuses` (stored or failed by default)."""
    wanted = statuses or (ImportStatus.STORED, ImportStatus.FAILED)

    async def reached() -> ImportJob | None:
        job = await get_import(sessions, job_id)
        if job.status in wanted and (since is None or job.updated_at > since):
            return job
        return None

    return await wait_until_async(
        reached, JOB_TIMEOUT_SECONDS, f"import {job_id} reaching {wanted}", every=0.1
    )


async def import_by_worker(
    sessions: Sessions,
    site_urls: SiteUrls,
    queue: JobQueue,
    url: str,
    *statuses: ImportStatus,
    force: bool = False,
) -> ImportJob:
    """Make an import job of `url`, queue it for the worker, wait for it (see `wait_for`)."""
    job = await create_import(sessions, site_urls, url, force=force)
    queue.import_tracklist(job.id)
    return await wait_for(sessions, job.id, *statuses)


@contextlib.asynccontextmanager
async def published(
    redis: aioredis.Redis, settings: Settings, job_id: int
) -> AsyncIterator[list[dict[str, object]]]:
    """The job statuses published on its channel while the block runs."""
    seen: list[dict[str, object]] = []
    pubsub = redis.pubsub()
    await pubsub.subscribe(channels.tracklist_import(settings, job_id))

    async def listen() -> None:
        async for message in pubsub.listen():
            if message["type"] == "message":
                seen.append(json.loads(message["data"]))

    listener = asyncio.create_task(listen())
    try:
        yield seen
    finally:
        listener.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await listener
        await pubsub.aclose()  # type: ignore[no-untyped-call]


async def test_an_import_is_fetched_parsed_and_stored_by_the_worker(
    worker: subprocess.Popen[bytes],
    tracklists_site: FakeTracklistsSite,
    sessions: Sessions,
    site_urls: SiteUrls,
    queue: JobQueue,
    redis: aioredis.Redis,
    settings: Settings,
) -> None:
    url = serve(tracklists_site)
    job = await create_import(sessions, site_urls, url)
    assert (job.status, job.url, job.tracklist_id) == (ImportStatus.QUEUED, url, None)

    async with published(redis, settings, job.id) as seen:
        queue.import_tracklist(job.id)
        done = await wait_for(sessions, job.id)
        # The last publish follows the last database write.
        await wait_until_async(
            lambda: seen and seen[-1]["status"] == done.status, 2, "the final status published"
        )
    assert done.status is ImportStatus.STORED, done.message
    assert (done.version, done.changed, done.message) == (1, True, "stored as version 1")
    assert [s["status"] for s in seen] == ["fetching", "parsed", "stored"]
    assert seen[1]["message"] == "parsed 5 rows"
    assert ImportJob.from_json(seen[-1]) == done  # the channel carries the saved job

    assert done.tracklist_id is not None
    detail = await get_tracklist(sessions, done.tracklist_id)
    page_html = tracklist_page("1abc", "set-1abc", rows=PAGE_ROWS, base_url=tracklists_site.url)
    assert detail.content == parse_tracklist(page_html, url)
    assert detail.rows[4].track.title == "<script>alert(1)</script>"  # kept verbatim
    assert detail.version is not None
    assert detail.version.html_sha256 == hashlib.sha256(page_html.encode()).hexdigest()
    assert tracklists_site.paths() == ["/robots.txt", tracklist_path("1abc", "set-1abc")]
    assert worker.poll() is None


async def test_reimports_use_the_cache_unless_forced_and_store_changes_as_versions(
    worker: subprocess.Popen[bytes],
    tracklists_site: FakeTracklistsSite,
    sessions: Sessions,
    site_urls: SiteUrls,
    queue: JobQueue,
) -> None:
    url = serve(tracklists_site)
    first = await import_by_worker(sessions, site_urls, queue, url)
    assert first.version == 1
    requests = len(tracklists_site.page_requests())
    assert requests == 1

    # Within the cache's time: no request at all, and nothing changed.
    again = await import_by_worker(sessions, site_urls, queue, url)
    assert (again.status, again.version, again.changed) == (ImportStatus.STORED, 1, False)
    assert again.message == "checked: unchanged since version 1"
    assert len(tracklists_site.page_requests()) == requests

    # `force` asks the site again; the page changed meanwhile: version 2.
    serve(tracklists_site, rows=[*PAGE_ROWS, Row("Mathame", "Nowhere", cue=900)])
    changed = await import_by_worker(sessions, site_urls, queue, url, force=True)
    assert (changed.status, changed.version, changed.changed) == (ImportStatus.STORED, 2, True)
    assert changed.message == "stored as version 2: 1 row added, track count changed"
    assert len(tracklists_site.page_requests()) == requests + 1
    assert changed.tracklist_id == first.tracklist_id
    assert changed.tracklist_id is not None
    detail = await get_tracklist(sessions, changed.tracklist_id)
    assert [v.number for v in detail.versions] == [2, 1]


async def test_a_short_link_is_resolved_and_a_stored_job_is_not_run_twice(
    worker: subprocess.Popen[bytes],
    tracklists_site: FakeTracklistsSite,
    sessions: Sessions,
    site_urls: SiteUrls,
    queue: JobQueue,
) -> None:
    url = serve(tracklists_site, "9xyz")
    short = tracklists_site.short_link("9xyz")
    done = await import_by_worker(sessions, site_urls, queue, short)
    assert done.status is ImportStatus.STORED, done.message
    assert done.tracklist_id is not None
    detail = await get_tracklist(sessions, done.tracklist_id)
    assert (detail.summary.url, detail.summary.source_id) == (url, "9xyz")

    # Delivered again (Dramatiq delivers at least once): left alone. A job queued after it runs
    # after it (one worker thread), so once that one is done the duplicate has been seen.
    requests = len(tracklists_site.requests)
    queue.import_tracklist(done.id)
    other = await import_by_worker(sessions, site_urls, queue, serve(tracklists_site, "2def"))
    assert other.status is ImportStatus.STORED
    assert await get_import(sessions, done.id) == done
    assert len(tracklists_site.requests) == requests + 1  # only the other page


@pytest.mark.parametrize("blocker", ["challenge", "homepage"])
async def test_a_challenge_blocks_the_job_and_nothing_is_stored(
    worker: subprocess.Popen[bytes],
    tracklists_site: FakeTracklistsSite,
    sessions: Sessions,
    site_urls: SiteUrls,
    queue: JobQueue,
    database_url: str,
    redis: aioredis.Redis,
    settings: Settings,
    blocker: str,
) -> None:
    body = challenge_page() if blocker == "challenge" else homepage(tracklists_site.url)
    url = tracklists_site.page(tracklist_path("1abc", "set-1abc"), body)
    blocked = await import_by_worker(
        sessions, site_urls, queue, url, ImportStatus.BLOCKED, ImportStatus.FAILED
    )
    assert blocked.status is ImportStatus.BLOCKED, blocked.message
    assert blocked.retry_at is not None
    assert re.fullmatch(r"blocked by the site, retrying after \d\d:\d\d UTC", blocked.message)
    assert blocked.message.endswith(f"{blocked.retry_at.astimezone(UTC):%H:%M} UTC")
    # The breaker's first opening: at least 5 minutes.
    wait = blocked.retry_at - datetime.now(UTC)
    assert timedelta(minutes=4, seconds=50) < wait <= timedelta(minutes=5, seconds=5)
    assert count(database_url, "tracklists") == 0
    assert count(database_url, "tracklist_versions") == 0
    assert (await search_tracklists(sessions, TracklistFilter())).total == 0

    # The worker queued the job again for when the breaker closes.
    delayed_key = f"{settings.channel('dramatiq')}:{TRACKLISTS_QUEUE}.DQ.msgs"

    async def delayed() -> list[dict[str, Any]]:
        return [json.loads(raw) for raw in await redis.hvals(delayed_key)]

    messages = await wait_until_async(delayed, 5, "the job queued again", every=0.1)
    assert [(m["actor_name"], m["args"]) for m in messages] == [("import_tracklist", [blocked.id])]
    eta = datetime.fromtimestamp(messages[0]["options"]["eta"] / 1000, UTC)
    assert timedelta(0) <= eta - blocked.retry_at < timedelta(seconds=5)


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("no rows", r"0 rows while the page claims 22 tracks"),
        ("truncated", r"5 rows while the page claims 22 tracks: the page looks truncated"),
        ("not found", r".*/tracklist/1abc/set-1abc\.html answered 404.*"),
        ("too large", r".* over the 5 MB cap: not a tracklist page .*"),
        ("robots", r".*/robots\.txt does not allow crawlers like crateloop to fetch .*"),
    ],
)
async def test_pages_that_cannot_be_stored_fail_with_the_reason(
    worker: subprocess.Popen[bytes],
    tracklists_site: FakeTracklistsSite,
    sessions: Sessions,
    site_urls: SiteUrls,
    queue: JobQueue,
    database_url: str,
    case: str,
    message: str,
) -> None:
    path = tracklist_path("1abc", "set-1abc")
    url = tracklists_site.url + path
    if case == "no rows":
        serve(tracklists_site, rows=[], claimed=22)
    elif case == "truncated":
        serve(tracklists_site, claimed=22)
    elif case == "too large":
        tracklists_site.huge(path)
    elif case == "robots":
        serve(tracklists_site)
        tracklists_site.robots("User-agent: *\nDisallow: /tracklist/\n")
    failed = await import_by_worker(
        sessions, site_urls, queue, url, ImportStatus.FAILED, ImportStatus.STORED
    )
    assert failed.status is ImportStatus.FAILED
    assert re.fullmatch(message, failed.message), failed.message
    assert (failed.tracklist_id, failed.version, failed.changed) == (None, None, None)
    assert count(database_url, "tracklists") == 0
    if case == "robots":
        assert tracklists_site.paths() == ["/robots.txt"]


@pytest.mark.parametrize(
    "raw",
    [
        "https://www.1001tracklists.com.evil.example/tracklist/1abc/set.html",
        "https://evil.example/tracklist/1abc/set.html",
        "http://10.0.0.1/tracklist/1abc/set.html",
        "file:///etc/passwd",
        "javascript:alert(1)",
        "ftp://127.0.0.1/tracklist/1abc/set.html",
    ],
)
async def test_a_url_off_the_site_is_refused_before_anything_happens(
    tracklists_site: FakeTracklistsSite,
    sessions: Sessions,
    site_urls: SiteUrls,
    database_url: str,
    raw: str,
) -> None:
    with pytest.raises(UrlRefused) as refused:
        await create_import(sessions, site_urls, raw)
    assert str(refused.value)  # says why
    assert count(database_url, "tracklist_imports") == 0
    assert tracklists_site.requests == []


async def test_a_blocked_job_runs_again_once_the_breaker_closes(
    tracklists_site: FakeTracklistsSite,
    sessions: Sessions,
    site_urls: SiteUrls,
    settings: Settings,
    redis: aioredis.Redis,
) -> None:
    """`run_import` itself (the actor's body), with a breaker of one second."""
    path = tracklist_path("1abc", "set-1abc")
    html = tracklist_page("1abc", "set-1abc", rows=PAGE_ROWS, base_url=tracklists_site.url)
    url = tracklists_site.sequence(path, [Reply(200, challenge_page()), Reply(200, html)])
    job = await create_import(sessions, site_urls, url)
    client = PoliteClient(settings, redis, breaker_base_seconds=1.0)
    requeued: list[ImportJob] = []

    async def run() -> ImportJob:
        return await run_import(
            job.id,
            sessions=sessions,
            client=client,
            settings=settings,
            redis=redis,
            on_blocked=requeued.append,
        )

    try:
        blocked = await run()
        assert blocked.status is ImportStatus.BLOCKED
        assert requeued == [blocked]
        assert blocked.retry_at is not None
        # The breaker stays open until retry_at: the time passing is what is tested.
        await asyncio.sleep(max(0.0, (blocked.retry_at - datetime.now(UTC)).total_seconds()))

        stored = await run()
        assert (stored.status, stored.version, stored.retry_at) == (ImportStatus.STORED, 1, None)
        assert len(requeued) == 1
        # A stored job is done: running it again changes nothing, asks nothing, queues nothing.
        requests = len(tracklists_site.requests)
        assert await run() == stored
        assert len(tracklists_site.requests) == requests
        assert len(requeued) == 1
    finally:
        await client.aclose()


@pytest.mark.parametrize("bad", ["truncated", "not utf-8", "challenge"])
async def test_a_bad_page_on_reimport_leaves_the_stored_tracklist_as_it_was(
    worker: subprocess.Popen[bytes],
    tracklists_site: FakeTracklistsSite,
    sessions: Sessions,
    site_urls: SiteUrls,
    queue: JobQueue,
    database_url: str,
    bad: str,
) -> None:
    url = serve(tracklists_site)
    stored = await import_by_worker(sessions, site_urls, queue, url)
    assert stored.tracklist_id is not None
    before = await get_tracklist(sessions, stored.tracklist_id)

    path = tracklist_path("1abc", "set-1abc")
    if bad == "truncated":
        serve(tracklists_site, claimed=22)
    elif bad == "not utf-8":
        page = tracklist_page("1abc", "set-1abc", rows=PAGE_ROWS, base_url=tracklists_site.url)
        tracklists_site.page(path, page.encode().replace(b"<title>", b"<title>\xe9", 1))
    else:
        tracklists_site.page(path, challenge_page())
    again = await import_by_worker(
        sessions, site_urls, queue, url, ImportStatus.FAILED, ImportStatus.BLOCKED, force=True
    )

    assert again.status is not ImportStatus.STORED, again.message
    assert again.tracklist_id is None
    after = await get_tracklist(sessions, stored.tracklist_id)
    assert after.content == before.content
    assert after.versions == before.versions
    assert count(database_url, "tracklist_versions") == 1


async def test_an_import_of_a_page_in_the_2023_remix_layout_stores_each_remix_once(
    worker: subprocess.Popen[bytes],
    tracklists_site: FakeTracklistsSite,
    sessions: Sessions,
    site_urls: SiteUrls,
    queue: JobQueue,
) -> None:
    rows = [
        Row("ARTBAT", "Horizon", cue=0),
        Row(
            "Moderat",
            "Copy Copy",
            remix="LOGIC1000 & Big Ever Remix",
            remix_markup="notranslate",
            cue=240,
        ),
        Row("Bicep", "Glue", remix="Hammer Edit", remix_markup="notranslate", cue=480),
    ]
    url = serve(tracklists_site, "2rmx", rows=rows)
    done = await import_by_worker(sessions, site_urls, queue, url)
    assert done.status is ImportStatus.STORED, done.message
    assert done.tracklist_id is not None

    detail = await get_tracklist(sessions, done.tracklist_id)
    tracks = [row.track for row in detail.rows]
    assert [(t.title, t.remix) for t in tracks] == [
        ("Horizon", None),
        ("Copy Copy", "LOGIC1000 & Big Ever Remix"),
        ("Glue", "Hammer Edit"),
    ]
    titles = [title for title, _ in read_cue(build_cue(detail.content).files[0].encoded())]
    assert titles == ["Horizon", "Copy Copy (LOGIC1000 & Big Ever Remix)", "Glue (Hammer Edit)"]
