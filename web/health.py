"""`GET /health`: whether this web process reaches PostgreSQL and Redis (no login needed)."""

from __future__ import annotations

import asyncio

from litestar import Response, get
from litestar.di import NamedDependency
from sqlalchemy import text

from domain.loops.mapper import TrackMapper

CHECK_TIMEOUT_SECONDS = 3.0


async def _database(mapper: TrackMapper) -> str:
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_SECONDS), mapper.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception as error:  # any failure is the answer, not a crash
        return f"error: {type(error).__name__}: {error}".strip()
    return "ok"


async def _redis(mapper: TrackMapper) -> str:
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_SECONDS):
            await mapper.redis.ping()
    except Exception as error:
        return f"error: {type(error).__name__}: {error}".strip()
    return "ok"


@get("/health", cache=False)
async def health(mapper: NamedDependency[TrackMapper]) -> Response[dict[str, str]]:
    """`{"database": "ok"|"error: ...", "redis": ...}`: 200 when both are ok, else 503."""
    database, redis = await asyncio.gather(_database(mapper), _redis(mapper))
    report = {"database": database, "redis": redis}
    healthy = database == "ok" and redis == "ok"
    return Response(report, status_code=200 if healthy else 503)
