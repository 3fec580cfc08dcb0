"""The polite HTTP client for 1001tracklists, shared by web, worker and CLI (the site's rules:
docs/architecture.md, 1001tracklists).

Every request, robots.txt included, passes one gate kept in Redis (the outbound pace): one
request in flight for the whole installation and at least `delay_seconds` * U(1.0, 1.4) from the
end of one request to the start of the next. robots.txt is honoured (cached 24 h, robots.py),
5xx and timeouts are retried with exponential backoff (at most 3 attempts, each through the
gate), Retry-After is honoured up to 60 s and beyond that opens the circuit breaker: that policy
is domain/outbound's. Redirects are followed by hand, each target checked against the site.
Pages (7 days), searches and DJ/source listings (24 h) and failures (30 min) are cached in Redis
(page_cache.py); `force` skips those caches but never the breaker or robots.txt. While the
breaker is open nothing is requested; cached answers are still served.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urljoin

import httpx
import redis.asyncio as aioredis

from domain import channels
from domain.config import Settings
from domain.outbound.pace import Pace
from domain.outbound.policy import Answer, OutboundPolicy
from domain.outbound.retry import RETRY_AFTER_CAP, Retries
from domain.outbound.user_agent import user_agent
from domain.tracklists.breaker import BASE_SECONDS, site_breaker
from domain.tracklists.decoding import decode_page
from domain.tracklists.fetch_errors import (
    Blocked,
    FetchFailed,
    PageTooLarge,
    RobotsDisallowed,
    SiteError,
    in_site_terms,
)
from domain.tracklists.listings import Listing, ListingItem, ListingKind, parse_listing
from domain.tracklists.page_cache import PAGE_TTL, SEARCH_TTL, FetchedPage, PageCache
from domain.tracklists.page_errors import ChallengePage, PageError
from domain.tracklists.robots import Robots
from domain.tracklists.urls import SiteUrls, UrlRefused

__all__ = [
    "Blocked",
    "FetchFailed",
    "FetchedPage",
    "PageTooLarge",
    "PoliteClient",
    "RobotsDisallowed",
    "SiteError",
    "user_agent",
]

log = logging.getLogger(__name__)

MAX_BYTES = 5 * 1024 * 1024
MAX_REDIRECTS = 5
MAX_ATTEMPTS = 3
MAX_LISTING_PAGES = 20
SEARCH_PATH = "/search/result.php"
SEARCH_SELECTION = {ListingKind.TRACKLIST: "9", ListingKind.DJ: "8", ListingKind.SOURCE: "11"}
REDIRECTS = (301, 302, 303, 307, 308)


@dataclass
class _Request:
    method: str
    url: str
    data: dict[str, str] | None = None
    cache_keys: list[str] = field(default_factory=list)


class PoliteClient:
    """Fetches pages from the configured site politely and caches them in Redis."""

    def __init__(
        self,
        settings: Settings,
        redis: aioredis.Redis,
        *,
        breaker_base_seconds: float = BASE_SECONDS,
        backoff_seconds: float | None = None,
        retry_after_cap: float = RETRY_AFTER_CAP,
        max_bytes: int = MAX_BYTES,
    ) -> None:
        self.settings = settings
        self.site = SiteUrls.from_settings(settings.tracklists)
        delay = settings.tracklists.delay_seconds
        self._timeout = settings.tracklists.timeout_seconds
        self.pace = Pace(
            redis,
            channels.tracklists_site(settings, "gate"),
            delay=delay,
            request_timeout=self._timeout,
        )
        self.breaker = site_breaker(settings, redis, base_seconds=breaker_base_seconds)
        self.policy = OutboundPolicy(
            "1001tracklists",
            pace=self.pace,
            breaker=self.breaker,
            retries=Retries(
                MAX_ATTEMPTS,
                delay if backoff_seconds is None else backoff_seconds,
                retry_after_cap,
            ),
            max_bytes=max_bytes,
            timeout=self._timeout,
        )
        self.user_agent = user_agent(settings.tracklists.contact)
        self.cache = PageCache(settings, redis)
        self._http = httpx.AsyncClient(
            follow_redirects=False,
            timeout=httpx.Timeout(self._timeout),
            headers={
                "User-Agent": self.user_agent,
                "Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8",
                "Accept-Language": "en",
            },
        )
        self.robots = Robots(settings, redis, self.policy, self._http, self.user_agent)

    async def aclose(self) -> None:
        await self._http.aclose()

    # --- public API -----------------------------------------------------------------------

    async def fetch(
        self,
        url: str,
        *,
        validate: Callable[[str], object] | None = None,
        force: bool = False,
        cache_seconds: int = PAGE_TTL,
    ) -> FetchedPage:
        """A page of the site (or a short link, resolved), from the cache unless `force`."""
        target = self.site.fetchable_url(url)
        key = self.cache.key("page", target)
        return await self._get(
            _Request("GET", target, cache_keys=[key]), validate, force, cache_seconds
        )

    async def search(self, query: str, kind: ListingKind, *, force: bool = False) -> Listing:
        """The site's search form for tracklists, DJs or sources (first page of results)."""
        text = " ".join(query.split())
        if not text:
            raise ValueError("the search needs some text: a DJ, an event or a tracklist title")
        selection = SEARCH_SELECTION[ListingKind(kind)]
        url = self.site.page_url(self.site.base_url + SEARCH_PATH)
        key = self.cache.key("search", f"{selection}\n{text.lower()}")
        request = _Request("POST", url, {"main_search": text, "search_selection": selection}, [key])
        page = await self._get(request, _listing_of(url), force, SEARCH_TTL)
        return parse_listing(page.text, page.url)

    async def tracklists_of(self, page_url: str, *, force: bool = False) -> list[ListingItem]:
        """The tracklists on a DJ or source page, following its pagination (at most 20 pages)."""
        url = self.site.page_url(page_url)
        items: list[ListingItem] = []
        seen_items: set[str] = set()
        seen_pages: set[str] = set()
        for _ in range(MAX_LISTING_PAGES):
            seen_pages.add(url)
            page = await self.fetch(
                url, validate=_listing_of(url), force=force, cache_seconds=SEARCH_TTL
            )
            listing = parse_listing(page.text, page.url)
            for item in listing.items:
                if item.url not in seen_items:
                    seen_items.add(item.url)
                    items.append(item)
            if not listing.next_url:
                break
            url = self.site.page_url(urljoin(page.url, listing.next_url))
            if url in seen_pages:
                break
        return items

    async def clear_cache(self) -> int:
        """Remove cached pages, searches and failures (not robots.txt, not the breaker)."""
        return await self.cache.clear()

    # --- one fetch: cache, breaker, request, validation -----------------------------------

    async def _get(
        self,
        request: _Request,
        validate: Callable[[str], object] | None,
        force: bool,
        cache_seconds: int,
    ) -> FetchedPage:
        key = request.cache_keys[0]
        if not force:
            cached = await self.cache.cached(key)
            if cached is not None and _valid(cached.text, validate):
                return cached
            await self.cache.raise_cached_failure(key)
        with in_site_terms(request.url):
            await self.breaker.raise_if_open()
        try:
            answer = await self._follow(request)
            text = decode_page(answer.body, answer.headers.get("content-type"))
            if validate is not None:
                validate(text)
        except ChallengePage as challenge:
            retry_at = await self.breaker.trip()
            log.warning("1001tracklists challenge at %s: pausing until %s", request.url, retry_at)
            raise Blocked(retry_at, f"challenge page at {request.url}: {challenge}") from None
        except (FetchFailed, PageTooLarge, UrlRefused, PageError) as error:
            if getattr(error, "cacheable", True):
                await self.cache.remember_failure(request.cache_keys, error)
            raise
        await self.breaker.succeeded()
        page = FetchedPage(answer.url, text, hashlib.sha256(answer.body).hexdigest(), False)
        keys = list(request.cache_keys)
        if request.method == "GET" and answer.url != request.url:
            keys.append(self.cache.key("page", answer.url))  # short links land here too
        await self.cache.remember(keys, page, cache_seconds)
        return page

    async def _follow(self, request: _Request) -> Answer:
        """The request, following redirects on the site by hand (at most 5)."""
        method, url, data = request.method, request.url, request.data
        for _ in range(MAX_REDIRECTS + 1):
            await self.robots.check(url)
            with in_site_terms(url):
                answer = await self.policy.request(
                    self._http, method, url, data=data, delay=self.robots.crawl_delay(url)
                )
            if answer.status not in REDIRECTS:
                if answer.status >= 400:
                    raise FetchFailed(
                        f"{url} answered {answer.status} {answer.reason}".rstrip(), answer.status
                    )
                return answer
            location = answer.headers.get("location")
            if not location:
                raise FetchFailed(f"{url} redirected without a Location", answer.status)
            target = urljoin(url, location)
            try:
                url = self.site.fetchable_url(target)
            except UrlRefused as refused:
                raise UrlRefused(f"the site redirected {url} off the site: {refused}") from None
            if answer.status == 303 or (answer.status in (301, 302) and method == "POST"):
                method, data = "GET", None
        raise FetchFailed(f"{request.url} redirected more than {MAX_REDIRECTS} times")


def _listing_of(url: str) -> Callable[[str], object]:
    return lambda html: parse_listing(html, url)


def _valid(text: str, validate: Callable[[str], object] | None) -> bool:
    """Whether a cached page still passes the caller's check (a stale entry is fetched again)."""
    if validate is None:
        return True
    try:
        validate(text)
    except PageError:
        return False
    return True
