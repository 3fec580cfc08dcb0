"""`GET /health`: whether this web process reaches PostgreSQL and Redis (no login needed).

Anyone gets the verdict (`{"status": "ok"|"degraded"}`, 200 or 503), enough for a load balancer or
an uptime check; a logged-in caller also gets each service's answer, whose error text may name
hosts, ports and users that an anonymous caller has no business reading.
"""

from __future__ import annotations

import asyncio
from typing import Any

from litestar import Request, Response, get
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.middleware.session.server_side import ServerSideSessionBackend
from sqlalchemy import text

from domain.accounts import users
from domain.resources import Resources
from web.accounts.auth import session_user_valid
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


async def _logged_in(request: Request[Any, Any, State], resources: Resources) -> bool:
    """Whether the caller has a live session (API tokens are for /api/v1 only).
    /health is outside the session middleware, which fails when Redis is down, so the session is
    read here, a failure to read it meaning anonymous: with Redis down the details are in the
    log only."""
    backend: ServerSideSessionBackend = request.app.state.session_backend
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_SECONDS):
            session = await backend.load_from_connection(request)
            user_id = session.get("user_id")
            if not isinstance(user_id, int):
                return False
            user = await users.get_user(resources.reads, user_id)
            # The same rule as every other page.
            return session_user_valid(user, session)
    except Exception:  # Redis or the database is down: the verdict says so, the details wait
        return False


@get("/health", cache=False, opt=declare(Access.PUBLIC))
async def health(
    request: Request[Any, Any, State], resources: NamedDependency[Resources]
) -> Response[dict[str, str]]:
    """`{"status": "ok"|"degraded"}`, 200 or 503; logged in, also `"database"` and `"redis"`
    ("ok" or "error: ...")."""
    database, redis = await asyncio.gather(_database(resources), _redis(resources))
    healthy = database == "ok" and redis == "ok"
    report = {"status": "ok" if healthy else "degraded"}
    if await _logged_in(request, resources):
        report |= {"database": database, "redis": redis}
    return Response(report, status_code=200 if healthy else 503)
