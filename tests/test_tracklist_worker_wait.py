"""An import nobody takes: no worker runs in this module, so a queued job stays queued, and after
TRACKLISTS_WORKER_NOTICE_SECONDS the CLI's `--wait` and the page's status line say that no
worker has taken it and how to start one (the job itself is left queued: a worker started later
takes it). `library identify --wait` says it in the same words.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import os
import subprocess
import threading
from collections.abc import Iterator

import psycopg
import pytest

from cli.processes import crateloop_argv
from domain import channels
from domain.config import ConfigError, Settings, load_settings
from domain.db import Sessions
from domain.resources import Resources, opened
from domain.tracklists import imports
from domain.tracklists.model import ParsedTrack
from domain.tracklists.urls import SiteUrls
from tests.fakes.tracklists_site import FakeTracklistsSite
from tests.library_worker import stored_mix
from tests.test_web_pages import child, only, page
from tests.test_web_tracklists import STREAM_SECONDS, _subscribed, events
from tests.waiting import wait_until
from tests.web_fixtures import Client
from tests.worker_process import REPO
from web.app import create_app
from web.tracklists.live import STATUS_EVENT, status_events

pytestmark = pytest.mark.usefixtures("clean_db")

NOTICE = "no worker has taken the job"
HOW = "`crateloop worker`"
SHORT = 0.5  # seconds: the notice setting these tests run with


def short_patience(settings: Settings, seconds: float) -> Settings:
    return dataclasses.replace(
        settings,
        tracklists=dataclasses.replace(settings.tracklists, worker_notice_seconds=seconds),
    )


async def queued_job(sessions: Sessions, settings: Settings, name: str) -> imports.ImportJob:
    url = f"{settings.tracklists.base_url}/tracklist/{name}/set-{name}.html"
    return await imports.create_import(sessions, SiteUrls.from_settings(settings.tracklists), url)


def age(database_url: str, job_id: int, seconds: int) -> None:
    """Make the job look queued for `seconds` already (its last change that long ago)."""
    with psycopg.connect(database_url) as conn:
        conn.execute(
            "UPDATE tracklist_imports SET updated_at = now() - make_interval(secs => %s)"
            " WHERE id = %s",
            (seconds, job_id),
        )


# The CLI -----------------------------------------------------------------------------------------


@contextlib.contextmanager
def waiting_cli(
    env: dict[str, str], *args: str
) -> Iterator[tuple[subprocess.Popen[bytes], list[str]]]:
    """`crateloop ARGS` (a command with --wait) as a real process, its stderr lines collected as
    they come; killed at the end (it would wait for ever)."""
    process = subprocess.Popen(
        [*crateloop_argv(), *args],
        cwd=REPO,
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    lines: list[str] = []
    stderr = process.stderr
    assert stderr is not None
    reader = threading.Thread(
        target=lambda: lines.extend(line.decode() for line in stderr), daemon=True
    )
    reader.start()
    try:
        yield process, lines
    finally:
        process.kill()
        process.wait(timeout=10)
        reader.join(10)


def test_wait_without_a_worker_says_so_on_stderr_and_keeps_waiting(
    app_env: dict[str, str], tracklists_site: FakeTracklistsSite
) -> None:
    url = f"{tracklists_site.url}/tracklist/nowork1/set.html"
    env = app_env | {"TRACKLISTS_WORKER_NOTICE_SECONDS": str(SHORT)}
    with waiting_cli(env, "tracklists", "import", url, "--wait") as (process, lines):
        notice = wait_until(
            lambda: next((line for line in lines if NOTICE in line), None),
            30,
            "the no-worker notice on stderr",
        )
        assert notice.startswith("import #") and HOW in notice and "make run" in notice
        assert process.poll() is None  # still waiting: a worker started now would take it
        assert sum(NOTICE in line for line in lines) == 1  # said once
    assert tracklists_site.requests == []  # nothing was fetched: no worker ran


async def test_identify_wait_without_a_worker_says_so_once_in_the_same_words(
    app_env: dict[str, str], resources: Resources
) -> None:
    track = ParsedTrack(position=1, artist="Moderat", title="Copy Copy")
    tracklist_id = await stored_mix(resources.sessions, "nowork2", track)
    env = app_env | {"TRACKLISTS_WORKER_NOTICE_SECONDS": str(SHORT)}
    command = ("library", "identify", str(tracklist_id), "--wait")
    with waiting_cli(env, *command) as (process, lines):
        notice = wait_until(
            lambda: next((line for line in lines if NOTICE in line), None),
            30,
            "the no-worker notice on stderr",
        )
        assert notice.startswith(NOTICE) and HOW in notice and "make run" in notice
        assert process.poll() is None  # still waiting: a worker started now would take it
        assert sum(NOTICE in line for line in lines) == 1  # said once


def test_the_notice_setting_is_checked(app_env: dict[str, str]) -> None:
    assert load_settings(app_env).tracklists.worker_notice_seconds == 10
    with pytest.raises(ConfigError, match="TRACKLISTS_WORKER_NOTICE_SECONDS"):
        load_settings(app_env | {"TRACKLISTS_WORKER_NOTICE_SECONDS": "soon"})


# The page's status line ---------------------------------------------------------------------------


async def test_the_status_page_of_a_job_queued_too_long_says_no_worker_took_it(
    client: Client, sessions: Sessions, settings: Settings, database_url: str
) -> None:
    fresh = await queued_job(sessions, settings, "fresh1")
    html = (await client.get(f"/tracklists/imports/{fresh.id}")).text
    assert child(only(html, ".import-status"), "[data-status]").text(strip=True) == "queued"
    assert not page(html).css(".import-no-worker")

    stale = await queued_job(sessions, settings, "stale1")
    age(database_url, stale.id, 11)  # past the default 10 s
    html = (await client.get(f"/tracklists/imports/{stale.id}")).text
    notice = only(html, ".import-status .import-no-worker").text()
    assert notice.startswith("queued — waiting for a worker: ")
    assert NOTICE in notice and HOW in notice


async def test_the_live_line_says_it_once_the_job_has_waited_long_enough(
    settings: Settings, sessions: Sessions
) -> None:
    patient = short_patience(settings, 2.0)  # long enough for the first line to come before it
    app = create_app(patient)
    async with opened(patient, pool_size=1) as resources:
        job = await queued_job(sessions, settings, "live1")
        stream = status_events(app, resources, job.id)
        try:
            lines = []
            async with asyncio.timeout(STREAM_SECONDS):
                async for message in stream:
                    if message.event == STATUS_EVENT:
                        lines.append(str(message.data))
                    if len(lines) == 2:
                        break
        finally:
            await stream.aclose()
    first, second = lines
    assert "import-no-worker" not in first  # just queued
    notice = only(second, ".import-no-worker").text()
    assert notice.startswith("queued — waiting for a worker: ") and NOTICE in notice


class FailWhenSubscribed(threading.Thread):
    """Ends the stream: once it listens, the job fails (as a worker would fail it)."""

    def __init__(self, settings: Settings, job_id: int) -> None:
        super().__init__(daemon=True)
        self.settings, self.job_id = settings, job_id

    def run(self) -> None:
        _subscribed(self.settings, channels.tracklist_import(self.settings, self.job_id))
        asyncio.run(self._fail())

    async def _fail(self) -> None:
        async with opened(self.settings, pool_size=1) as resources:
            await imports.fail_import(
                resources.sessions, self.settings, resources.redis, self.job_id, "gave up"
            )


async def test_the_stream_of_a_job_queued_too_long_starts_with_the_notice(
    client: Client, sessions: Sessions, settings: Settings, database_url: str
) -> None:
    job = await queued_job(sessions, settings, "stream1")
    age(database_url, job.id, 11)
    failing = FailWhenSubscribed(settings, job.id)
    failing.start()
    answer = await client.get(f"/live/imports/{job.id}")
    failing.join(STREAM_SECONDS)
    sent = events(answer.text)
    assert [name for name, _ in sent] == ["status", "status", "done"]
    assert NOTICE in only(sent[0][1], ".import-no-worker").text()
    assert not page(sent[1][1]).css(".import-no-worker")  # failed: the reason, not the notice
