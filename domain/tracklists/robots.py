"""robots.txt for the site: fetched through the pace, kept 24 h in Redis, honoured (RFC 9309)."""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx
import redis.asyncio as aioredis
from protego import Protego

from domain import channels
from domain.config import Settings
from domain.outbound.body import BodyTooLarge
from domain.outbound.policy import OutboundPolicy
from domain.tracklists.fetch_errors import FetchFailed, RobotsDisallowed, in_site_terms
from domain.tracklists.page_cache import as_bytes

ROBOTS_TTL = 24 * 3600


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


class Robots:
    """Whether we may fetch a URL, and the Crawl-delay each origin asks of us."""

    def __init__(
        self,
        settings: Settings,
        redis: aioredis.Redis,
        policy: OutboundPolicy,
        http: httpx.AsyncClient,
        user_agent: str,
    ) -> None:
        self.settings = settings
        self.user_agent = user_agent
        self._redis = redis
        self._policy = policy
        self._http = http
        self._crawl_delay: dict[str, float] = {}

    def crawl_delay(self, url: str) -> float | None:
        """The Crawl-delay robots.txt of `url`'s origin asked for, once it was read."""
        return self._crawl_delay.get(origin_of(url))

    async def check(self, url: str) -> None:
        """RobotsDisallowed unless robots.txt lets crateloop fetch `url`."""
        origin = origin_of(url)
        rules = await self._rules(origin)
        if rules is None:
            return
        delay = rules.crawl_delay(self.user_agent)
        if delay:
            self._crawl_delay[origin] = float(delay)
        if not rules.can_fetch(url, self.user_agent):
            raise RobotsDisallowed(
                f"{origin}/robots.txt does not allow crawlers like crateloop to fetch"
                f" {urlsplit(url).path}; nothing was requested"
            )

    async def _rules(self, origin: str) -> Protego | None:
        """The origin's robots.txt rules (None: no robots.txt, everything allowed)."""
        key = channels.tracklists_site(self.settings, f"robots:{origin}")
        raw = await self._redis.get(key)
        if raw is None:
            with in_site_terms(origin):
                await self._policy.breaker.raise_if_open()
            async with self._policy.pace.turn() as turn:
                # Processes starting together all miss the cache: only the first one asks.
                raw = await self._redis.get(key)
                if raw is None:
                    text = await self._fetch(origin)
                    await self._redis.set(key, text.encode(), ex=ROBOTS_TTL)
                else:
                    turn.requested = False
        if raw is not None:
            text = as_bytes(raw).decode("utf-8", "replace")
        return Protego.parse(text) if text.strip() else None

    async def _fetch(self, origin: str) -> str:
        """robots.txt's text ("" when there is none); the caller holds the pace."""
        url = f"{origin}/robots.txt"
        try:
            answer = await self._policy.send(self._http, "GET", url)
        except (httpx.TimeoutException, TimeoutError, httpx.TransportError) as error:
            raise _unavailable(url, str(error) or type(error).__name__) from None
        except BodyTooLarge:
            return ""  # a "robots.txt" this big is not one
        if answer.status >= 500 or answer.status == 429:
            raise _unavailable(url, f"{answer.status} {answer.reason}".rstrip())
        if answer.status >= 300:
            # 4xx: no robots.txt, everything is allowed (RFC 9309 §2.3.1.3). Our robots.txt URL
            # is already canonical, so a redirect is treated the same rather than followed.
            return ""
        return answer.body.decode("utf-8", "replace")


def _unavailable(url: str, why: str) -> FetchFailed:
    return FetchFailed(
        f"{url} could not be read ({why}): the site is treated as unavailable", cacheable=False
    )
