"""The polite HTTP client for 1001tracklists (DESIGN.md §5), shared by web, worker and CLI.

Every request, robots.txt included, passes one gate kept in Redis: one request in flight for
the whole installation and at least `delay_seconds` * U(1.0, 1.4) from the end of one request to
the start of the next. robots.txt is honoured (cached 24 h), 5xx and timeouts are retried with
exponential backoff (at most 3 attempts, each through the gate), Retry-After is honoured up to
60 s and beyond that opens the circuit breaker. Redirects are followed by hand, each target
checked against the site. Pages (7 days), searches and DJ/source listings (24 h) and failures
(30 min) are cached in Redis; `force` skips those caches but never the breaker or robots.txt.
While the breaker is open nothing is requested; cached answers are still served.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import random
import secrets
import zlib
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from importlib.metadata import PackageNotFoundError, version
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx
import redis.asyncio as aioredis
from protego import Protego

from domain.config import Settings
from domain.tracklists.breaker import BASE_SECONDS, Breaker
from domain.tracklists.decoding import decode_page
from domain.tracklists.listings import Listing, ListingItem, ListingKind, parse_listing
from domain.tracklists.page_errors import ChallengePage, LayoutError, PageEncodingError, PageError
from domain.tracklists.urls import SiteUrls, UrlRefused

log = logging.getLogger(__name__)

PAGE_TTL = 7 * 24 * 3600
SEARCH_TTL = 24 * 3600  # search results and DJ/source listings: they grow
FAILURE_TTL = 30 * 60
ROBOTS_TTL = 24 * 3600
MAX_BYTES = 5 * 1024 * 1024
MAX_REDIRECTS = 5
MAX_ATTEMPTS = 3
RETRY_AFTER_CAP = 60.0
MAX_LISTING_PAGES = 20
JITTER = (1.0, 1.4)
POLL_SECONDS = (0.05, 0.2)  # how often a waiting process looks at the gate again
LOCK_MARGIN_SECONDS = 30.0  # the gate's lock outlives the slowest request by this much
SEARCH_PATH = "/search/result.php"
SEARCH_SELECTION = {ListingKind.TRACKLIST: "9", ListingKind.DJ: "8", ListingKind.SOURCE: "11"}
REDIRECTS = (301, 302, 303, 307, 308)
PROJECT_URL = "https://github.com/crateloop/crateloop"


class SiteError(Exception):
    """The site could not give us the page."""


class Blocked(SiteError):
    """The breaker is open (challenge, Retry-After beyond the cap): no request until retry_at."""

    def __init__(self, retry_at: datetime, reason: str = "") -> None:
        self.retry_at = retry_at
        self.reason = reason  # why it opened, for logs; the message stays the one users see
        super().__init__(f"blocked by the site, retrying after {retry_at:%H:%M} UTC")


class FetchFailed(SiteError):
    """The site answered with an error or not at all; `status` is None without an answer.

    `cacheable` is False when the failure is about the site as a whole (robots.txt unreadable),
    not about the page: it is then not kept in the failure cache.
    """

    def __init__(self, message: str, status: int | None = None, *, cacheable: bool = True) -> None:
        self.status = status
        self.cacheable = cacheable
        super().__init__(message)


class RobotsDisallowed(SiteError):
    """The site's robots.txt does not allow us this path."""


class PageTooLarge(SiteError):
    """The body is over the size cap; it was not read further."""


@dataclass(frozen=True)
class FetchedPage:
    """A page's text, its final URL, and the sha256 of its raw bytes."""

    url: str
    text: str
    sha256: str
    from_cache: bool


@dataclass(frozen=True)
class _Answer:
    url: str
    status: int
    reason: str
    headers: httpx.Headers
    body: bytes


@dataclass
class _Request:
    method: str
    url: str
    data: dict[str, str] | None = None
    cache_keys: list[str] = field(default_factory=list)


# Failures kept in the failure cache, rebuilt by name when the cache answers.
_CACHED_FAILURES: dict[str, type[Exception]] = {
    "FetchFailed": FetchFailed,
    "PageTooLarge": PageTooLarge,
    "UrlRefused": UrlRefused,
    "LayoutError": LayoutError,
    "PageEncodingError": PageEncodingError,
    "PageError": PageError,
}


def user_agent(contact: str) -> str:
    """The honest User-Agent: who we are, where to read about us, how to reach the operator."""
    try:
        release = version("crateloop")
    except PackageNotFoundError:
        release = "dev"
    where = f"+{PROJECT_URL}" + (f"; {contact}" if contact else "")
    return f"crateloop/{release} ({where})"


def spacing(delay: float, rng: random.Random | None = None) -> float:
    """Seconds between two requests: the delay with jitter, delay * U(1.0, 1.4)."""
    return delay * (rng or random).uniform(*JITTER)


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Retry-After as seconds from now (delta-seconds or an HTTP date); None when unusable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


# --- the gate ---------------------------------------------------------------------------------

# KEYS: lock, next. ARGV: token, lock ttl ms. Returns 0 (acquired), ms to wait, or -1 (busy).
_ACQUIRE = """
local now = redis.call('TIME')
local now_ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local next_ms = tonumber(redis.call('GET', KEYS[2]) or '0')
if next_ms > now_ms then return next_ms - now_ms end
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 0 end
return -1
"""

# KEYS: lock, next. ARGV: token (or ''), ms from now before the next request may start.
# Pushes `next` forward (never back) and frees the lock if it is still ours.
_RELEASE = """
local now = redis.call('TIME')
local now_ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local wanted = now_ms + math.floor(tonumber(ARGV[2]))
local next_ms = tonumber(redis.call('GET', KEYS[2]) or '0')
if wanted > next_ms then
  redis.call('SET', KEYS[2], string.format('%d', wanted), 'PX', wanted - now_ms + 60000)
end
if ARGV[1] ~= '' and redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 0
"""


@dataclass
class Turn:
    """A turn at the gate; `requested = False` when it ended without a request (no spacing)."""

    requested: bool = True


class Gate:
    """One request in flight for the site and a spacing between requests, shared via Redis."""

    def __init__(self, settings: Settings, redis: aioredis.Redis) -> None:
        self.lock_key = settings.channel("tracklists:gate:lock")
        self.next_key = settings.channel("tracklists:gate:next")
        self.delay = settings.tracklists.delay_seconds
        self.lock_ms = int((settings.tracklists.timeout_seconds + LOCK_MARGIN_SECONDS) * 1000)
        self._redis = redis

    @asynccontextmanager
    async def turn(self, delay: float | None = None) -> AsyncIterator[Turn]:
        """Wait for our turn, hold it while the request runs, then space the next one."""
        token = secrets.token_hex(16)
        while True:
            wait_ms = int(
                await self._redis.eval(
                    _ACQUIRE, 2, self.lock_key, self.next_key, token, self.lock_ms
                )
            )
            if wait_ms == 0:
                break
            pause = wait_ms / 1000 if wait_ms > 0 else random.uniform(*POLL_SECONDS)
            await asyncio.sleep(pause)
        turn = Turn()
        try:
            yield turn
        finally:
            gap = spacing(max(self.delay, delay or 0.0)) if turn.requested else 0.0
            await self._redis.eval(
                _RELEASE, 2, self.lock_key, self.next_key, token, int(gap * 1000)
            )

    async def hold_off(self, seconds: float) -> None:
        """No request from any process before `seconds` from now (backoff, Retry-After)."""
        await self._redis.eval(_RELEASE, 2, self.lock_key, self.next_key, "", int(seconds * 1000))


# --- the client -------------------------------------------------------------------------------


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
        self.gate = Gate(settings, redis)
        self.breaker = Breaker(settings, redis, base_seconds=breaker_base_seconds)
        self.backoff_seconds = (
            settings.tracklists.delay_seconds if backoff_seconds is None else backoff_seconds
        )
        self.retry_after_cap = retry_after_cap
        self.max_bytes = max_bytes
        self.user_agent = user_agent(settings.tracklists.contact)
        self._redis = redis
        self._timeout = settings.tracklists.timeout_seconds
        self._http = httpx.AsyncClient(
            follow_redirects=False,
            timeout=httpx.Timeout(self._timeout),
            headers={
                "User-Agent": self.user_agent,
                "Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8",
                "Accept-Language": "en",
            },
        )
        self._crawl_delay: dict[str, float] = {}

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
        key = self._key("page", target)
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
        key = self._key("search", f"{selection}\n{text.lower()}")
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
        removed = 0
        for kind in ("page", "search", "failure"):
            pattern = self.settings.channel(f"tracklists:{kind}:*")
            keys = [key async for key in self._redis.scan_iter(match=pattern, count=500)]
            for start in range(0, len(keys), 500):
                removed += int(await self._redis.delete(*keys[start : start + 500]))
        return removed

    # --- cache ----------------------------------------------------------------------------

    def _key(self, kind: str, what: str) -> str:
        digest = hashlib.sha256(what.encode()).hexdigest()
        return self.settings.channel(f"tracklists:{kind}:{digest}")

    def _failure_key(self, cache_key: str) -> str:
        return cache_key.replace(":tracklists:page:", ":tracklists:failure:", 1).replace(
            ":tracklists:search:", ":tracklists:failure:", 1
        )

    async def _cached(self, key: str) -> FetchedPage | None:
        raw = await self._redis.get(key)
        if raw is None:
            return None
        try:
            data = json.loads(zlib.decompress(_as_bytes(raw)))
            return FetchedPage(data["url"], data["text"], data["sha256"], from_cache=True)
        except (zlib.error, ValueError, KeyError):
            await self._redis.delete(key)  # written by another version: forget it
            return None

    async def _remember(self, keys: list[str], page: FetchedPage, seconds: int) -> None:
        data = {"url": page.url, "text": page.text, "sha256": page.sha256}
        blob = zlib.compress(json.dumps(data).encode(), level=6)
        async with self._redis.pipeline(transaction=False) as pipe:
            for key in keys:
                pipe.set(key, blob, ex=seconds)
                pipe.delete(self._failure_key(key))
            await pipe.execute()

    async def _remember_failure(self, keys: list[str], error: Exception) -> None:
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

    async def _raise_cached_failure(self, key: str) -> None:
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
            cached = await self._cached(key)
            if cached is not None and _valid(cached.text, validate):
                return cached
            await self._raise_cached_failure(key)
        await self._raise_if_open()
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
                await self._remember_failure(request.cache_keys, error)
            raise
        await self.breaker.succeeded()
        page = FetchedPage(answer.url, text, hashlib.sha256(answer.body).hexdigest(), False)
        keys = list(request.cache_keys)
        if request.method == "GET" and answer.url != request.url:
            keys.append(self._key("page", answer.url))  # short links land here too
        await self._remember(keys, page, cache_seconds)
        return page

    async def _raise_if_open(self) -> None:
        retry_at = await self.breaker.open_until()
        if retry_at is not None:
            raise Blocked(retry_at, "the breaker is open")

    async def _follow(self, request: _Request) -> _Answer:
        """The request, following redirects on the site by hand (at most 5)."""
        method, url, data = request.method, request.url, request.data
        for _ in range(MAX_REDIRECTS + 1):
            await self._check_robots(url)
            answer = await self._with_retries(method, url, data)
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

    async def _with_retries(self, method: str, url: str, data: dict[str, str] | None) -> _Answer:
        """One exchange, retried on 5xx, 429 and timeouts with backoff, each try via the gate."""
        failure: FetchFailed | None = None
        for attempt in range(1, MAX_ATTEMPTS + 1):
            await self._raise_if_open()  # another process may have hit a challenge meanwhile
            try:
                answer = await self._exchange(method, url, data)
            except (httpx.TimeoutException, TimeoutError):
                failure = FetchFailed(f"{url} did not answer within {self._timeout:g} s")
            except httpx.TransportError as error:
                failure = FetchFailed(
                    f"{url} could not be reached: {error or type(error).__name__}"
                )
            else:
                if answer.status not in (429,) and answer.status < 500:
                    return answer
                failure = FetchFailed(
                    f"{url} answered {answer.status} {answer.reason}".rstrip(), answer.status
                )
                wait = retry_after_seconds(answer.headers.get("retry-after"))
                if answer.status in (429, 503) and wait is not None:
                    if wait > self.retry_after_cap:
                        until = datetime.now(UTC) + timedelta(seconds=wait)
                        retry_at = await self.breaker.trip(at_least_until=until)
                        raise Blocked(retry_at, f"{url} asked us to wait {wait:.0f} s")
                    if attempt < MAX_ATTEMPTS:
                        await self.gate.hold_off(wait)
                        continue
            if attempt < MAX_ATTEMPTS:
                await self.gate.hold_off(self.backoff_seconds * 2 ** (attempt - 1))
        assert failure is not None
        if failure.status == 429:
            # Still rate-limited after backing off: stop everything rather than insist.
            retry_at = await self.breaker.trip()
            raise Blocked(retry_at, f"{url} kept answering 429")
        raise FetchFailed(f"{failure} ({MAX_ATTEMPTS} attempts)", failure.status)

    async def _exchange(self, method: str, url: str, data: dict[str, str] | None) -> _Answer:
        """One HTTP exchange through the gate."""
        async with self.gate.turn(self._crawl_delay.get(_origin(url))):
            return await self._send(method, url, data)

    async def _send(self, method: str, url: str, data: dict[str, str] | None) -> _Answer:
        """One HTTP exchange (the caller holds the gate); the body is read up to the size cap."""
        async with asyncio.timeout(self._timeout):
            async with self._http.stream(method, url, data=data) as response:
                length = response.headers.get("content-length", "")
                if length.isdigit() and int(length) > self.max_bytes:
                    raise self._too_large(url, int(length))
                body = bytearray()
                async for chunk in response.aiter_bytes():
                    body.extend(chunk)
                    if len(body) > self.max_bytes:
                        raise self._too_large(url, None)
                return _Answer(
                    url, response.status_code, response.reason_phrase, response.headers, bytes(body)
                )

    def _too_large(self, url: str, length: int | None) -> PageTooLarge:
        size = f"{length / 1024 / 1024:.1f} MB" if length else "more"
        return PageTooLarge(
            f"{url} is {size} than the {self.max_bytes / 1024 / 1024:g} MB cap:"
            " not a tracklist page (those are well under 1 MB); not read further"
            if length is None
            else f"{url} is {size}, over the {self.max_bytes / 1024 / 1024:g} MB cap:"
            " not a tracklist page (those are well under 1 MB); not downloaded"
        )

    # --- robots.txt -------------------------------------------------------------------------

    async def _check_robots(self, url: str) -> None:
        origin = _origin(url)
        rules = await self._robots(origin)
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

    async def _robots(self, origin: str) -> Protego | None:
        """The origin's robots.txt rules (None: no robots.txt, everything allowed)."""
        key = self.settings.channel(f"tracklists:robots:{origin}")
        raw = await self._redis.get(key)
        if raw is None:
            await self._raise_if_open()
            async with self.gate.turn() as turn:
                # Processes starting together all miss the cache: only the first one asks.
                raw = await self._redis.get(key)
                if raw is None:
                    text = await self._fetch_robots(origin)
                    await self._redis.set(key, text.encode(), ex=ROBOTS_TTL)
                else:
                    turn.requested = False
        if raw is not None:
            text = _as_bytes(raw).decode("utf-8", "replace")
        return Protego.parse(text) if text.strip() else None

    async def _fetch_robots(self, origin: str) -> str:
        """robots.txt's text ("" when there is none); the caller holds the gate."""
        url = f"{origin}/robots.txt"
        try:
            answer = await self._send("GET", url, None)
        except (httpx.TimeoutException, TimeoutError, httpx.TransportError) as error:
            raise _unavailable(url, str(error) or type(error).__name__) from None
        except PageTooLarge:
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


def _as_bytes(raw: bytes | str) -> bytes:
    # The client needs a Redis connection without decode_responses (cached pages are zlib).
    return raw if isinstance(raw, bytes) else raw.encode()


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


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
