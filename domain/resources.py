"""What one process works with, made once at start-up and closed at shutdown.

Every front builds one `Resources` (web: in the app's lifespan; daemon: in `daemon.main`; worker:
in a Dramatiq middleware; CLI: per command) and hands it to the services it calls. Services take
what they need from it (`sessions`, `reads`, `redis`…); none of them opens a connection of its own.
Redis clients are made here and only here (`open_redis`), with timeouts from the settings.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Protocol, TypeVar, cast

import httpx
import redis.asyncio as aioredis
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.config import Settings
from domain.db import LookupConnection, Sessions, create_engine, create_sessionmaker
from domain.jobs import JobQueue
from domain.outbound.guard import station_http_client


class OutboundClient(Protocol):
    """A client of an outside service (see domain/outbound): made from the settings and Redis."""

    async def aclose(self) -> None: ...


C = TypeVar("C", bound=OutboundClient)
CLOSE_TIMEOUT_SECONDS = 2.0


def open_redis(
    settings: Settings, *, listen: bool = False, max_connections: int | None = None
) -> aioredis.Redis:
    """The one way to make a Redis client: every command times out after REDIS_TIMEOUT_SECONDS.

    `listen=True` is for a client that waits on subscriptions: no read timeout (a quiet channel is
    no error), a health check every 30 s instead. `max_connections` makes the pool block, up to
    the timeout, for a free connection rather than open ever more.
    """
    timeout = settings.redis_timeout_seconds
    if listen:
        return aioredis.Redis.from_url(
            settings.redis_url, socket_connect_timeout=timeout, health_check_interval=30
        )
    if max_connections is not None:
        pool = aioredis.BlockingConnectionPool.from_url(
            settings.redis_url,
            socket_timeout=timeout,
            socket_connect_timeout=timeout,
            max_connections=max_connections,
            timeout=timeout,
        )
        return aioredis.Redis.from_pool(pool)
    return aioredis.Redis.from_url(
        settings.redis_url, socket_timeout=timeout, socket_connect_timeout=timeout
    )


@dataclass(eq=False)
class Resources:
    """A process's settings, database, Redis, job queue and outbound HTTP clients."""

    settings: Settings
    engine: AsyncEngine
    sessions: Sessions  # writes: `async with sessions.begin()`
    reads: Sessions  # reads: autocommit, no transaction (spares each read a ROLLBACK)
    lookups: LookupConnection  # hot single-row reads (the track → loop lookup)
    redis: aioredis.Redis
    jobs: JobQueue
    http: httpx.AsyncClient  # station sources (now-playing APIs, push feeds), connections guarded
    # The clients of outside services with a policy of their own (`client()`), one each.
    _clients: dict[object, OutboundClient] = field(default_factory=dict, repr=False)

    @classmethod
    def open(cls, settings: Settings, *, pool_size: int = 5) -> Resources:
        """Make everything; connections open on first use (on the running event loop)."""
        engine = create_engine(settings, pool_size=pool_size)
        return cls(
            settings=settings,
            engine=engine,
            sessions=create_sessionmaker(engine),
            reads=create_sessionmaker(engine.execution_options(isolation_level="AUTOCOMMIT")),
            lookups=LookupConnection(settings),
            redis=open_redis(settings),
            jobs=JobQueue(settings),
            http=station_http_client(settings.station_allowed_hosts),
        )

    def client(self, make: Callable[[Settings, aioredis.Redis], C]) -> C:
        """The process's one client of this kind, e.g. `resources.client(PoliteClient)`: made on
        first use (most processes never need most clients), closed with the resources."""
        made = self._clients.get(make)
        if made is None:
            made = self._clients[make] = make(self.settings, self.redis)
        return cast(C, made)

    async def close(self) -> None:
        """Close everything, each part within a bounded time; a part that fails is skipped."""
        closing = [client.aclose() for client in self._clients.values()]
        closing += [self.http.aclose(), self.lookups.close(), self.redis.aclose()]
        for step in closing:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(step, CLOSE_TIMEOUT_SECONDS)
        with contextlib.suppress(Exception):
            await asyncio.to_thread(self.jobs.close)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.engine.dispose(), CLOSE_TIMEOUT_SECONDS)


@asynccontextmanager
async def opened(settings: Settings, *, pool_size: int = 2) -> AsyncIterator[Resources]:
    """Resources for one piece of work (a CLI command, a benchmark), closed when it ends."""
    resources = Resources.open(settings, pool_size=pool_size)
    try:
        yield resources
    finally:
        await resources.close()
