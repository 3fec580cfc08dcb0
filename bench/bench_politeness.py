"""Politeness towards 1001tracklists: 20 imports queued at once, through the real worker.

The worker runs with several processes and threads, so the spacing measured comes from the shared
gate in Redis, not from a worker that happens to do one thing at a time. The fake site logs every
request (robots.txt included): at most one in flight, and ≥ TRACKLISTS_DELAY_SECONDS (5 s, the
default) from the end of one to the start of the next. Then one list is imported again within the
cache's lifetime: the site must see no request at all.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager

from bench.common import Result, bench_env
from cli.processes import crateloop_argv
from domain.config import Settings, load_settings
from domain.db import create_engine, create_sessionmaker
from domain.jobs import JobQueue
from domain.tracklists import imports
from domain.tracklists.urls import SiteUrls
from tests.fakes.tracklist_pages import generated_rows, tracklist_page, tracklist_path
from tests.fakes.tracklists_site import FakeTracklistsSite

IMPORTS = 20
DELAY_SECONDS = 5.0
FINISH_WITHIN_SECONDS = IMPORTS * DELAY_SECONDS * 2 + 60


@contextmanager
def _worker(env: dict[str, str]) -> Iterator[None]:
    process = subprocess.Popen(
        [*crateloop_argv(), "worker", "--processes", "2", "--threads", "4"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        yield
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


async def _import_all(
    settings: Settings, urls: list[str], *, force: bool = False
) -> list[imports.ImportJob]:
    """Queue every URL at once, then wait until each job is stored or failed."""
    engine = create_engine(settings, pool_size=2)
    sessions = create_sessionmaker(engine)
    queue = JobQueue(settings)
    site = SiteUrls.from_settings(settings)
    try:
        jobs = [await imports.create_import(sessions, site, url, force=force) for url in urls]
        for job in jobs:
            queue.import_tracklist(job.id)
        deadline = time.monotonic() + FINISH_WITHIN_SECONDS
        final = (imports.ImportStatus.STORED, imports.ImportStatus.FAILED)
        while time.monotonic() < deadline:
            jobs = [await imports.get_import(sessions, job.id) for job in jobs]
            if all(job.status in final for job in jobs):
                return jobs
            await asyncio.sleep(0.5)
        raise TimeoutError(f"imports not finished within {FINISH_WITHIN_SECONDS:.0f} s")
    finally:
        queue.close()
        await engine.dispose()


def run(settings: Settings) -> list[Result]:
    site = FakeTracklistsSite()
    try:
        env = {
            **bench_env(settings),
            "TRACKLISTS_BASE_URL": site.url,
            "TRACKLISTS_SHORT_URL": site.short_url,
            "TRACKLISTS_DELAY_SECONDS": str(DELAY_SECONDS),
        }
        site_settings = load_settings(env)
        urls = []
        for i in range(IMPORTS):
            path = tracklist_path(f"bench{i:02d}", f"bench-mix-{i}")
            html = tracklist_page(
                f"bench{i:02d}",
                f"bench-mix-{i}",
                f"Bench Mix {i}",
                rows=generated_rows(25),
                base_url=site.url,
            )
            site.page(path, html)
            urls.append(site.url + path)
        with _worker(env):
            started = time.monotonic()
            jobs = asyncio.run(_import_all(site_settings, urls))
            elapsed = time.monotonic() - started
            stored = sum(job.status is imports.ImportStatus.STORED for job in jobs)
            gaps = site.gaps()
            in_flight = site.max_in_flight
            requests = len(site.requests)
            again = asyncio.run(_import_all(site_settings, urls[:1]))[0]
            extra = len(site.requests) - requests
    finally:
        site.close()
    smallest = min(gaps) if gaps else float("nan")
    return [
        Result(
            f"{IMPORTS} imports queued at once ({stored} stored)",
            f"{requests} requests in {elapsed:.0f} s; at most {in_flight} in flight;"
            f" smallest gap {smallest:.2f} s",
            f"one at a time, ≥ {DELAY_SECONDS:g} s apart",
            stored == IMPORTS and in_flight == 1 and smallest >= DELAY_SECONDS,
        ),
        Result(
            "re-import within the cache TTL",
            f"{extra} requests to the site (job {again.status}: {again.message})",
            "no request",
            extra == 0 and again.status is imports.ImportStatus.STORED,
        ),
    ]
