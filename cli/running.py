"""What the commands over the database share: their resources, the event loop, a tracklist named
by id or URL, and the wait for a job the worker runs (with the notice when no worker takes it).
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from contextlib import AbstractAsyncContextManager
from typing import Any, TypeVar

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from cli.exits import EXIT_REFUSED, fail
from domain.config import load_settings
from domain.resources import Resources, opened
from domain.tracklists import imports, store
from domain.tracklists.urls import SiteUrls, UrlRefused

T = TypeVar("T")
Job = TypeVar("Job")
WAIT_POLL_SECONDS = 0.5


def context() -> AbstractAsyncContextManager[Resources]:
    """The resources of one command (one database connection is all it needs)."""
    return opened(load_settings(), pool_size=1)


def run(work: Callable[[], Coroutine[Any, Any, T]]) -> T:
    return asyncio.run(work())


async def find_tracklist(context: Resources, reference: str) -> int:
    """The id of a stored tracklist given by its id or its site URL; exits 2 for neither, 1 for a
    URL not imported yet."""
    if reference.isdigit():
        return int(reference)
    try:
        url = SiteUrls.from_settings(context.settings).tracklist_url(reference)
    except UrlRefused as error:
        fail(f"{reference!r} is neither a tracklist id nor a tracklist URL: {error}", EXIT_REFUSED)
    found = await store.find_tracklist(context.sessions, url=url)
    if found is None:
        fail(f"{url} is not imported yet: run `crateloop tracklists import {url} --wait` first")
    return found


async def polled(
    job: Job,
    poll: Callable[[Job], Awaitable[Job]],
    *,
    finished: Callable[[Job], bool],
    untaken: Callable[[Job], bool],
    patience: float,
    prefix: str = "",
) -> AsyncIterator[Job]:
    """`job`, then its state every WAIT_POLL_SECONDS until `finished`. A job `untaken` by any
    worker for `patience` seconds (TRACKLISTS_WORKER_NOTICE_SECONDS) gets one notice on stderr,
    `prefix` first; the clock is this process's, not the database's: no skew between the two."""
    since, told = time.monotonic(), False
    while True:
        yield job
        if finished(job):
            return
        if not untaken(job):
            since, told = time.monotonic(), False
        elif not told and time.monotonic() - since >= patience:
            click.echo(f"{prefix}{imports.no_worker_notice(patience)}", err=True)
            told = True
        await asyncio.sleep(WAIT_POLL_SECONDS)
        job = await poll(job)


async def follow(
    started: Job,
    poll: Callable[[Job], Awaitable[Job]],
    *,
    finished: Callable[[Job], bool],
    untaken: Callable[[Job], bool],
    patience: float,
    counts: Callable[[Job], tuple[int, int]],
    text: Callable[[Job], str],
    quiet: bool = False,
) -> Job:
    """Wait for a worker's job (`polled`), showing how far it is: a progress bar drawn on a
    terminal's stderr (`counts` is (done, total)) and then the outcome on stdout, else its `text`
    each time it changes, on stdout, or on stderr when `quiet` (stdout is then kept for the JSON
    a script reads)."""
    job, states = (
        started,
        polled(started, poll, finished=finished, untaken=untaken, patience=patience),
    )
    if not sys.stderr.isatty():
        shown = ""
        async for job in states:
            if text(job) != shown:
                shown = text(job)
                click.echo(shown, err=quiet)
        return job
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, console=Console(stderr=True)) as bar:
        task = bar.add_task(text(job), total=counts(job)[1] or None)
        async for job in states:
            done, total = counts(job)
            bar.update(task, completed=done, total=total or None, description=text(job))
    if not quiet:
        click.echo(text(job))  # the outcome on stdout too, as without a terminal
    return job
