"""Database engine and sessions (SQLAlchemy 2, async, psycopg 3)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping
from typing import Any

import psycopg
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from domain.config import Settings

# Every service takes one of these (write or read sessions, see domain/resources.py).
Sessions = async_sessionmaker[AsyncSession]


def create_engine(settings: Settings, *, pool_size: int = 5) -> AsyncEngine:
    """One engine per process; `pool_pre_ping` so a restarted database is reconnected to."""
    return create_async_engine(
        settings.database_url,
        pool_size=pool_size,
        max_overflow=10,
        pool_pre_ping=True,  # a restarted database must not cost a request its answer
        connect_args={"connect_timeout": 5},
    )


def create_sessionmaker(engine: AsyncEngine) -> Sessions:
    return async_sessionmaker(engine, expire_on_commit=False)


class LookupConnection:
    """One autocommit psycopg connection for hot, single-row reads.

    A pooled SQLAlchemy checkout costs a ROLLBACK round trip on return; a lookup on the track
    path must stay well under a millisecond, so it gets a connection of its own with prepared
    statements. It reconnects (once per call) after the database went away.
    """

    def __init__(self, settings: Settings) -> None:
        self.url = settings.psycopg_url
        self._conn: psycopg.AsyncConnection[tuple[Any, ...]] | None = None
        self._lock = asyncio.Lock()

    async def fetchone(self, query: str, params: Mapping[str, Any]) -> tuple[Any, ...] | None:
        async with self._lock:
            for attempt in (1, 2):
                try:
                    conn = await self._connect()
                    cursor = await conn.execute(query, params, prepare=True)
                    return await cursor.fetchone()
                except psycopg.OperationalError:
                    await self._discard()
                    if attempt == 2:
                        raise
        return None

    async def _connect(self) -> psycopg.AsyncConnection[tuple[Any, ...]]:
        if self._conn is None or self._conn.closed:
            self._conn = await psycopg.AsyncConnection.connect(
                self.url, autocommit=True, connect_timeout=5
            )
        return self._conn

    async def _discard(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(psycopg.Error):
                await self._conn.close()
            self._conn = None

    async def close(self) -> None:
        async with self._lock:
            await self._discard()
