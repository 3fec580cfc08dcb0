"""The web process's way to 1001tracklists: one PoliteClient, the URL rules and the import queue.

Made once per process in a lifespan (after the mapper's) and closed at shutdown; pages and the
API get it as the `tracklists` dependency. The client's gate and caches live in Redis, so this
process waits its turn behind the worker's imports like any other.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from typing import cast

import redis.asyncio as aioredis
from litestar import Litestar
from litestar.datastructures import State

from domain.config import Settings
from domain.tracklists import imports
from domain.tracklists.client import PoliteClient
from domain.tracklists.imports import ImportJob
from domain.tracklists.urls import SiteUrls
from worker.queue import TracklistQueue

REDIS_TIMEOUT_SECONDS = 5


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
