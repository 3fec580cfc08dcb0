"""`GET /health`: whether this web process reaches PostgreSQL and Redis (no login needed)."""

from __future__ import annotations

import asyncio

from litestar import Response, get
from litestar.di import NamedDependency
from sqlalchemy import text

from domain.resources import Resources
from web.accounts.roles import Access, declare

CHECK_TIMEOUT_SECONDS = 3.0


async def _database(resources: Resources) -> str:
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_SECONDS), resources.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception as error:  # any failure is the answer, not a crash
        return f"error: {type(error).__name__}: {error}".strip()
    return "ok"


async def _redis(resources: Resources) -> str:
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_SECONDS):
            await resources.redis.ping()
    except Exception as error:
        return f"error: {type(error).__name__}: {error}".strip()
    return "ok"


@get("/health", cache=False, opt=declare(Access.PUBLIC))
async def health(resources: NamedDependency[Resources]) -> Response[dict[str, str]]:
    """`{"database": "ok"|"error: ...", "redis": ...}`: 200 when both are ok, else 503."""
    database, redis = await asyncio.gather(_database(resources), _redis(resources))
    report = {"database": database, "redis": redis}
    healthy = database == "ok" and redis == "ok"
    return Response(report, status_code=200 if healthy else 503)
