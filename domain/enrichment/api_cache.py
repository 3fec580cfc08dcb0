"""The outside APIs' answers kept in PostgreSQL (`api_cache`), shared by every process and
surviving a Redis flush: lookups 30 days, searches 7, "nothing found" a day.

`ApiCache` has the Redis `AnswerCache`'s interface (`key`, `get`, `put`), so the clients' one
cached GET (domain/library/lookups.py `cached_get`) reads and writes either. An expired row is
never served; the daemon's periodic job deletes them (`purge_expired`).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert

from domain.db import Sessions
from domain.models import ApiCache as CachedAnswer


class ApiCache:
    """One API's (`source`) answers in `api_cache`; a key reads `<source>:<endpoint>:<digest>`."""

    def __init__(self, sessions: Sessions, source: str) -> None:
        self._sessions = sessions
        self.source = source

    def key(self, kind: str, text: str) -> str:
        digest = hashlib.sha256(text.encode()).hexdigest()[:32]
        return f"{self.source}:{kind}:{digest}"

    async def get(self, key: str) -> dict[str, Any] | None:
        """The cached answer (`{}`: nothing known), None when nothing unexpired is cached."""
        async with self._sessions() as session:
            found = await session.scalar(
                select(CachedAnswer.response).where(
                    CachedAnswer.key == key, CachedAnswer.expires_at > datetime.now(UTC)
                )
            )
        return found if isinstance(found, dict) else None

    async def put(self, key: str, data: dict[str, Any], seconds: int) -> None:
        """Keep `data` for `seconds` (replacing what was kept under `key`)."""
        endpoint = key.split(":", 2)[1] if key.count(":") >= 2 else ""
        row = {
            "key": key,
            "source": self.source,
            "endpoint": endpoint,
            "response": data,
            "expires_at": datetime.now(UTC) + timedelta(seconds=seconds),
        }
        statement = insert(CachedAnswer).values(row)
        statement = statement.on_conflict_do_update(
            index_elements=[CachedAnswer.key],
            set_={
                "response": statement.excluded.response,
                "expires_at": statement.excluded.expires_at,
                "created_at": statement.excluded.created_at,
            },
        )
        async with self._sessions.begin() as session:
            await session.execute(statement)


async def purge_expired(sessions: Sessions) -> int:
    """Delete every expired answer; how many there were."""
    async with sessions.begin() as session:
        result = await session.execute(
            delete(CachedAnswer).where(CachedAnswer.expires_at <= datetime.now(UTC))
        )
    return int(getattr(result, "rowcount", 0) or 0)
