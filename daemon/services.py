"""What every station task of one daemon process shares: database, Redis, HTTP, the mapper,
the play recorder and the status board."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass

import httpx
import redis.asyncio as aioredis
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from daemon.play_recorder import PlayRecorder
from daemon.player import DefaultLoop
from daemon.status_board import StatusBoard
from domain.config import Settings
from domain.db import create_engine, create_sessionmaker
from domain.loops.mapper import TrackMapper

REDIS_TIMEOUT = 5.0


@dataclass(eq=False)
class Services:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    redis: aioredis.Redis
    http: httpx.AsyncClient
    mapper: TrackMapper
    recorder: PlayRecorder
    board: StatusBoard
    default_loop: DefaultLoop

    @classmethod
    def open(cls, settings: Settings) -> Services:
        engine = create_engine(settings)
        redis = aioredis.Redis.from_url(
            settings.redis_url, socket_timeout=REDIS_TIMEOUT, socket_connect_timeout=2
        )
        return cls(
            settings=settings,
            engine=engine,
            sessions=create_sessionmaker(engine),
            redis=redis,
            # Each push-feed station keeps one stream open: no pool limit on connections.
            http=httpx.AsyncClient(
                limits=httpx.Limits(max_connections=None, max_keepalive_connections=50)
            ),
            mapper=TrackMapper(settings, engine, redis),
            recorder=PlayRecorder(engine),
            board=StatusBoard(settings, engine, redis),
            default_loop=DefaultLoop(settings),
        )

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self.http.aclose()
        # TrackMapper.close closes the shared Redis client and disposes of the shared engine.
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.mapper.close(), 2.0)
