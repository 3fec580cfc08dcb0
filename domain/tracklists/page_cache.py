"""The Redis cache of the site's pages, searches and failures.

Pages are kept 7 days, searches and DJ/source listings 24 h, failures 30 min; each entry is keyed
by the sha256 of what was asked, under this installation's prefix. Pages are zlib-compressed JSON.
"""

from __future__ import annotations

import hashlib
import json
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import redis.asyncio as aioredis

from domain import channels
from domain.config import Settings
from domain.tracklists.fetch_errors import FetchFailed, PageTooLarge
from domain.tracklists.page_errors import LayoutError, PageEncodingError, PageError
from domain.tracklists.urls import UrlRefused

PAGE_TTL = 7 * 24 * 3600
SEARCH_TTL = 24 * 3600  # search results and DJ/source listings: they grow
FAILURE_TTL = 30 * 60

# Failures kept in the failure cache, rebuilt by name when the cache answers.
_CACHED_FAILURES: dict[str, type[Exception]] = {
    "FetchFailed": FetchFailed,
    "PageTooLarge": PageTooLarge,
    "UrlRefused": UrlRefused,
    "LayoutError": LayoutError,
    "PageEncodingError": PageEncodingError,
    "PageError": PageError,
}


@dataclass(frozen=True)
class FetchedPage:
    """A page's text, its final URL, and the sha256 of its raw bytes."""

    url: str
    text: str
    sha256: str
    from_cache: bool


def as_bytes(raw: bytes | str) -> bytes:
    # The client needs a Redis connection without decode_responses (cached pages are zlib).
    return raw if isinstance(raw, bytes) else raw.encode()


class PageCache:
    """Pages and failures of the site in Redis; `force` callers skip `cached` but still store."""

    def __init__(self, settings: Settings, redis: aioredis.Redis) -> None:
        self.settings = settings
        self._redis = redis

    def key(self, kind: str, what: str) -> str:
        """The key of a `page` (by URL) or a `search` (by selection and text)."""
        digest = hashlib.sha256(what.encode()).hexdigest()
        return channels.tracklists_site(self.settings, f"{kind}:{digest}")

    def _failure_key(self, cache_key: str) -> str:
        return cache_key.replace(":tracklists:page:", ":tracklists:failure:", 1).replace(
            ":tracklists:search:", ":tracklists:failure:", 1
        )

    async def cached(self, key: str) -> FetchedPage | None:
        """The page kept under `key`, or None (an unreadable entry is forgotten)."""
        raw = await self._redis.get(key)
        if raw is None:
            return None
        try:
            data = json.loads(zlib.decompress(as_bytes(raw)))
            return FetchedPage(data["url"], data["text"], data["sha256"], from_cache=True)
        except (zlib.error, ValueError, KeyError):
            await self._redis.delete(key)  # written by another version: forget it
            return None

    async def remember(self, keys: list[str], page: FetchedPage, seconds: int) -> None:
        """Keep `page` under every key for `seconds`, replacing any failure kept there."""
        data = {"url": page.url, "text": page.text, "sha256": page.sha256}
        blob = zlib.compress(json.dumps(data).encode(), level=6)
        async with self._redis.pipeline(transaction=False) as pipe:
            for key in keys:
                pipe.set(key, blob, ex=seconds)
                pipe.delete(self._failure_key(key))
            await pipe.execute()

    async def remember_failure(self, keys: list[str], error: Exception) -> None:
        """Keep the failure for 30 min, so asking again does not ask the site again."""
        data = {
            "kind": type(error).__name__,
            "message": str(error),
            "status": getattr(error, "status", None),
            "at": datetime.now(UTC).isoformat(),
        }
        async with self._redis.pipeline(transaction=False) as pipe:
            for key in keys:
                pipe.set(self._failure_key(key), json.dumps(data), ex=FAILURE_TTL)
            await pipe.execute()

    async def raise_cached_failure(self, key: str) -> None:
        """Raise the failure kept for `key` again, saying when it happened; nothing if none."""
        raw = await self._redis.get(self._failure_key(key))
        if raw is None:
            return
        try:
            data: dict[str, Any] = json.loads(raw)
            kind = _CACHED_FAILURES[data["kind"]]
            at = datetime.fromisoformat(data["at"])
        except (ValueError, KeyError):
            return
        message = (
            f"{data['message']} (remembered from {at:%H:%M} UTC: failures are kept"
            f" {FAILURE_TTL // 60} min; refresh or --force asks the site again)"
        )
        if kind is FetchFailed:
            raise FetchFailed(message, data.get("status"))
        raise kind(message)

    async def clear(self) -> int:
        """Remove cached pages, searches and failures (not robots.txt, not the breaker)."""
        removed = 0
        for kind in ("page", "search", "failure"):
            pattern = channels.tracklists_site(self.settings, f"{kind}:*")
            keys = [key async for key in self._redis.scan_iter(match=pattern, count=500)]
            for start in range(0, len(keys), 500):
                removed += int(await self._redis.delete(*keys[start : start + 500]))
        return removed
