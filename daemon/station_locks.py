"""Leadership per station: PostgreSQL advisory locks held on one dedicated connection.

Advisory locks belong to a database session, so they all vanish with this connection. When it
breaks we keep leading the stations we held (while the database is unreachable no other daemon
can take them, and hand-off must go on), and on reconnecting try to take each lock again: those
another daemon took meanwhile are given up.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable
from typing import Any

import psycopg

LOCK_CLASS = 1129  # first half of every station lock key: (LOCK_CLASS, station id)
QUERY_TIMEOUT_SECONDS = 5.0

log = logging.getLogger("crateloop.daemon.locks")


class StationLocks:
    """Holds the advisory locks of the stations this process leads."""

    def __init__(self, database_url: str) -> None:
        self.url = database_url
        self._conn: psycopg.AsyncConnection[tuple[Any, ...]] | None = None
        self._held: set[int] = set()  # confirmed on the current connection
        self._presumed: set[int] = set()  # held on a connection that broke, not yet re-taken
        self._down = False

    @property
    def leading(self) -> set[int]:
        """The stations this process should run."""
        return self._held | self._presumed

    async def sync(self, wanted: Iterable[int]) -> set[int]:
        """Try to lead every station in `wanted`, let go of the others; return those led."""
        wanted = set(wanted)
        self._presumed &= wanted
        try:
            await asyncio.wait_for(self._sync(wanted), QUERY_TIMEOUT_SECONDS * 2)
        except (psycopg.Error, OSError, TimeoutError) as error:
            await self._lost_connection(error)
        return self.leading

    async def _sync(self, wanted: set[int]) -> None:
        conn = await self._connect()
        for station_id in sorted(self._held - wanted):
            await conn.execute("SELECT pg_advisory_unlock(%s, %s)", (LOCK_CLASS, station_id))
            self._held.discard(station_id)
        missing = sorted(wanted - self._held)
        if not missing:
            await conn.execute("SELECT 1")  # notices a broken connection every cycle
            return
        cursor = await conn.execute(
            "SELECT id, pg_try_advisory_lock(%s, id::int) FROM unnest(%s::bigint[]) AS id",
            (LOCK_CLASS, missing),
        )
        for station_id, locked in await cursor.fetchall():
            if locked:
                self._held.add(station_id)
            elif station_id in self._presumed:
                log.warning("station %s: another daemon leads it now; stopping here", station_id)
        self._presumed.clear()  # each presumed lock is now either held again or given up

    async def _connect(self) -> psycopg.AsyncConnection[tuple[Any, ...]]:
        if self._conn is None or self._conn.closed:
            self._conn = await psycopg.AsyncConnection.connect(
                self.url, autocommit=True, connect_timeout=int(QUERY_TIMEOUT_SECONDS)
            )
            if self._down:
                log.info("lock connection: back")
                self._down = False
        return self._conn

    async def _lost_connection(self, error: BaseException) -> None:
        if not self._down:
            log.warning(
                "lock connection lost (%s); leading %d station(s) on until it is back",
                str(error).strip() or type(error).__name__,
                len(self.leading),
            )
            self._down = True
        self._presumed |= self._held
        self._held.clear()
        await self._discard()

    async def _discard(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(psycopg.Error, OSError):
                await self._conn.close()
            self._conn = None

    async def close(self) -> None:
        """Release every lock at once (closing the session does it)."""
        self._held.clear()
        self._presumed.clear()
        await self._discard()
