"""The web process's way to 1001tracklists: one PoliteClient, the URL rules and the import queue.

Made once per process in a lifespan (after the mapper's) and closed at shutdown; pages and the
API get it as the `tracklists` dependency. The client's gate and caches live in Redis, so this
process waits its turn behind the worker's imports like any other.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar, cast

import redis.asyncio as aioredis
from litestar import Litestar
from litestar.datastructures import State

from domain.config import Settings
from domain.tracklists import imports
from domain.tracklists.client import Blocked, PoliteClient, SiteError
from domain.tracklists.imports import ImportJob
from domain.tracklists.listings import ListingKind
from domain.tracklists.page_errors import PageError
from domain.tracklists.urls import SiteUrls, UrlRefused
from worker.queue import TracklistQueue

T = TypeVar("T")

REDIS_TIMEOUT_SECONDS = 5
SEARCH_TYPES = tuple(kind.value for kind in ListingKind)


def search_type_error(kind: str) -> str | None:
    """Why `kind` is not one of the site's search types, naming those; None when it is one."""
    if kind in SEARCH_TYPES:
        return None
    return f"{kind!r} is not a search type: use one of {', '.join(SEARCH_TYPES)}"


class NoAnswer(Exception):
    """The site gave no answer; the message is what a person reads. `retry_at` is set when the
    site blocks us (no request before then)."""

    def __init__(self, message: str, retry_at: datetime | None = None) -> None:
        super().__init__(message)
        self.retry_at = retry_at


async def ask_site(question: Awaitable[T], failed: str) -> T:
    """The site's answer, or NoAnswer: "blocked by the site, retrying after HH:MM UTC", or
    `failed` and the reason."""
    try:
        return await question
    except Blocked as error:
        raise NoAnswer(str(error), error.retry_at) from None
    except (SiteError, PageError, UrlRefused) as error:  # UrlRefused: a redirect off the site
        raise NoAnswer(f"{failed}: {error}") from None


@dataclass(frozen=True, slots=True)
class TracklistSite:
    """What a request needs to reach the site or the worker."""

    settings: Settings
    site: SiteUrls
    client: PoliteClient
    queue: TracklistQueue
    # For pub/sub: the import status line listens on its job's channel.
    redis: aioredis.Redis

    async def start_import(
        self, sessions: imports.Sessions, raw_url: str, *, force: bool, user_id: int | None
    ) -> ImportJob:
        """Record an import job for this URL and queue it for the worker; raises UrlRefused
        (nothing recorded or queued) when it is not a tracklist URL of the site."""
        job = await imports.create_import(
            sessions, self.site, raw_url, force=force, user_id=user_id
        )
        self.queue.import_tracklist(job.id)
        return job


def provide_tracklists(state: State) -> TracklistSite:
    return cast(TracklistSite, state.tracklists)


def tracklist_site(
    settings: Settings,
) -> Callable[[Litestar], AbstractAsyncContextManager[None]]:
    """The lifespan that opens the process's PoliteClient and import queue."""

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        redis = aioredis.Redis.from_url(settings.redis_url, socket_timeout=REDIS_TIMEOUT_SECONDS)
        queue = TracklistQueue(settings)
        client = PoliteClient(settings, redis)
        app.state.tracklists = TracklistSite(
            settings=settings,
            site=SiteUrls.from_settings(settings.tracklists),
            client=client,
            queue=queue,
            redis=redis,
        )
        try:
            yield
        finally:
            await client.aclose()
            queue.close()
            await redis.aclose()

    return lifespan
