"""What the music-database clients (musicbrainz.py, discogs.py) share: their outbound policy and
HTTP client, the one typed failure, the cached GET, the JSON read of an answer and the answer
cache in Redis.

Every request goes through the service's `OutboundPolicy` (domain/outbound): its pace, retries,
capped Retry-After and breaker. What comes back is turned here into data or a `LookupFailed`,
which the matching pipeline reads as "unmatched, will retry": a failure never loses a row.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, Protocol

import httpx
import redis.asyncio as aioredis

from domain.outbound.body import BodyTooLarge
from domain.outbound.breaker import Breaker, CircuitOpen
from domain.outbound.pace import Pace
from domain.outbound.policy import Answer, OutboundPolicy, RequestFailed
from domain.outbound.retry import Retries
from domain.outbound.tally import Tally

log = logging.getLogger(__name__)

MAX_BYTES = 5 * 1024 * 1024
MAX_ATTEMPTS = 3
REDIRECTS = (301, 302, 303, 307, 308)
DAY = 24 * 3600
SEARCH_TTL = 7 * DAY
LOOKUP_TTL = 30 * DAY
NOTHING_TTL = DAY  # "no result" is asked again the next day: the databases grow


class LookupFailed(Exception):
    """No usable answer from `source` this time (the row stays unmatched and is tried again);
    `retry_at` is when the service may be asked again, None when at the next pass."""

    def __init__(self, source: str, message: str, *, retry_at: datetime | None = None) -> None:
        self.source = source
        self.retry_at = retry_at
        super().__init__(f"{source}: {message}")


def outbound_policy(
    name: str,
    redis: aioredis.Redis,
    channel: Callable[[str], str],
    *,
    delay: float,
    timeout: float,
    backoff_seconds: float,
    breaker_base_seconds: float,
    retry_after_cap: float,
    breaker: Breaker | None = None,
) -> OutboundPolicy:
    """A service's policy: its pace and breaker shared in Redis (under `channel("pace")` and
    `channel("breaker")`, unless another `breaker` is given), MAX_ATTEMPTS tries, answers capped
    at MAX_BYTES."""
    return OutboundPolicy(
        name,
        pace=Pace(redis, channel("pace"), delay=delay, request_timeout=timeout),
        breaker=breaker or Breaker(redis, channel("breaker"), base_seconds=breaker_base_seconds),
        retries=Retries(MAX_ATTEMPTS, backoff_seconds, retry_after_cap),
        max_bytes=MAX_BYTES,
        timeout=timeout,
    )


def http_client(timeout: float, headers: dict[str, str]) -> httpx.AsyncClient:
    """The client's HTTP client: no redirect followed and no proxy from the environment, so its
    credentials go to its configured origin only."""
    return httpx.AsyncClient(
        follow_redirects=False,
        trust_env=False,
        timeout=httpx.Timeout(timeout),
        headers=headers,
    )


class AnswerStore(Protocol):
    """Where answers are kept: Redis (`AnswerCache`) or PostgreSQL (domain/enrichment/api_cache)."""

    def key(self, kind: str, text: str) -> str: ...

    async def get(self, key: str) -> dict[str, Any] | None: ...

    async def put(self, key: str, data: dict[str, Any], seconds: int) -> None: ...


class UnusableAnswer(LookupFailed):
    """The service answered, but nothing usable: an HTML page, broken JSON, an error in the body
    (Deezer's and Last.fm's come with HTTP 200). The breaker counts it as a failure."""


class RateLimited(UnusableAnswer):
    """The service said, in its body, that we ask too often (Deezer's code 4, Last.fm's 29)."""


class BreakerOpen(LookupFailed):
    """Not asked: the service's breaker is open; `rate_limited` when the service's own rate
    limit (a persistent 429, a Retry-After beyond the cap) opened it on this request."""

    def __init__(
        self, source: str, message: str, *, retry_at: datetime, rate_limited: bool = False
    ) -> None:
        super().__init__(source, message, retry_at=retry_at)
        self.rate_limited = rate_limited


# What a client reads out of a JSON answer before it is cached: the data to keep (`{}`: the
# service knows nothing of it), or UnusableAnswer for an error the body names.
Judge = Callable[[dict[str, Any], Answer], dict[str, Any]]


async def cached_get(
    cache: AnswerStore,
    policy: OutboundPolicy,
    http: httpx.AsyncClient,
    kind: str,
    url: str,
    seconds: int | None,
    empty_field: str,
    *,
    tally: Tally,
    before_asking: Callable[[], Awaitable[None]] | None = None,
    on_answer: Callable[[Answer], Awaitable[None]] | None = None,
    judge: Judge | None = None,
    headers: Callable[[], Awaitable[dict[str, str]]] | None = None,
    shown_url: str | None = None,
) -> dict[str, Any]:
    """The JSON answer for `url`, from the cache when there; `{}` when the service has none (a
    404, cached NOTHING_TTL). An answer is cached `seconds`, or NOTHING_TTL when it is empty or
    its `empty_field` list is; `seconds` None: the cache is neither read nor written.
    `before_asking` may refuse to ask; `on_answer` sees every answer before it is read, `judge`
    every JSON answer, a 4xx's too (it may say "not found" there). `headers` gives the request's
    own headers (a bearer token, asked for only when a request is made); `shown_url` replaces
    a URL that carries a secret in messages and the cache key (see OutboundPolicy.request).
    Every read of the cache and every request is counted (`tally`)."""
    key = cache.key(kind, shown_url or url)
    cached = await cache.get(key) if seconds else None
    if seconds:
        await tally.cache(hit=cached is not None)
    if cached is not None:
        return cached
    if before_asking is not None:
        await before_asking()
    own_headers = await headers() if headers is not None else None
    started = time.monotonic()
    outcome = "error"
    try:
        answer = await ask(policy, http, url, headers=own_headers, shown_url=shown_url)
        data = await _read(policy, answer, on_answer, judge)
        outcome = "ok" if data else "not_found"
    except BreakerOpen as stopped:
        outcome = "rate_limited" if stopped.rate_limited else "circuit_open"
        raise
    except RateLimited:
        outcome = "rate_limited"
        raise
    finally:
        await tally.call(outcome, time.monotonic() - started)
    if seconds:
        empty = not data or (empty_field in data and not data[empty_field])
        await cache.put(key, data, NOTHING_TTL if empty else seconds)
    return data


async def _read(
    policy: OutboundPolicy,
    answer: Answer,
    on_answer: Callable[[Answer], Awaitable[None]] | None,
    judge: Judge | None,
) -> dict[str, Any]:
    """An answer's data, the breaker told how it went: an unusable answer is a failure, any
    other (a refusal, a 404) shows the service is up."""
    try:
        if answer.status in REDIRECTS:
            where = answer.headers.get("location", "nowhere")
            raise UnusableAnswer(policy.name, f"{answer.url} redirected to {where}: not followed")
        if on_answer is not None:
            await on_answer(answer)
        if answer.status == 404:
            data: dict[str, Any] = {}
        elif answer.status >= 400:
            said = _json_object(answer.body)
            if judge is None or said is None or judge(said, answer) != {}:
                raise refusal(policy.name, answer)
            data = {}
        else:
            data = json_of(policy.name, answer)
            data = judge(data, answer) if judge is not None else data
    except UnusableAnswer:
        await policy.breaker.answered_badly()
        raise
    except LookupFailed:
        await policy.breaker.succeeded()
        raise
    await policy.breaker.succeeded()  # it answered: the next opening starts short again
    return data


async def ask(
    policy: OutboundPolicy,
    http: httpx.AsyncClient,
    url: str,
    *,
    headers: dict[str, str] | None = None,
    shown_url: str | None = None,
) -> Answer:
    """The answer to a GET through the policy; every way of getting none is a LookupFailed.

    Redirects are not followed: a client's credentials go to its configured origin only."""
    source = policy.name
    shown = shown_url or url
    try:
        return await policy.request(http, "GET", url, headers=headers, shown_url=shown_url)
    except CircuitOpen as stopped:
        raise BreakerOpen(
            source, str(stopped), retry_at=stopped.retry_at, rate_limited=stopped.rate_limited
        ) from None
    except RequestFailed as failed:
        # Every retry failed (5xx, timeouts): one failure more, for every process.
        retry_at = await policy.breaker.failed()
        log.warning("%s failed (breaker: no request before %s): %s", source, retry_at, failed)
        raise LookupFailed(source, str(failed), retry_at=retry_at) from None
    except BodyTooLarge as large:
        raise LookupFailed(source, f"{shown} answered a {large}") from None


def json_of(source: str, answer: Answer) -> dict[str, Any]:
    """The answer's JSON object; an HTML error page, an empty or broken body is a LookupFailed."""
    kind = answer.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind == "text/html" or answer.body.lstrip()[:1] == b"<":
        raise UnusableAnswer(source, f"{answer.url} answered an HTML page, not JSON")
    try:
        data = json.loads(answer.body)
    except ValueError:
        what = "an empty body" if not answer.body.strip() else "invalid JSON"
        raise UnusableAnswer(source, f"{answer.url} answered {what}") from None
    if not isinstance(data, dict):
        raise UnusableAnswer(source, f"{answer.url} answered JSON that is not an object")
    return data


def _json_object(body: bytes) -> dict[str, Any] | None:
    try:
        data = json.loads(body)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def refusal(source: str, answer: Answer) -> LookupFailed:
    """A 4xx answer as a LookupFailed, with the message the service put in it (if JSON)."""
    data = _json_object(answer.body)
    said = ""
    if isinstance(data, dict):  # MusicBrainz writes `error`, Discogs `message`
        said = str(data.get("error") or data.get("message") or "")[:200]
    reason = said or answer.reason or "refused"
    return LookupFailed(source, f"{answer.url} answered {answer.status}: {reason}")


def objects(value: object) -> list[dict[str, Any]]:
    """The JSON objects of a list (anything else in it, or no list at all, is skipped)."""
    if not isinstance(value, list):
        return []
    return [item for item in value if isinstance(item, dict)]


def text_of(value: object) -> str | None:
    """A JSON string or number as text; None for anything else and for "" (not known)."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    return str(value).strip() or None


class AnswerCache:
    """Raw JSON answers in Redis under `prefix`, so a parser fix applies to cached answers too.
    `{}` stands for "the service knows nothing of it" (a 404), kept for a day."""

    def __init__(self, redis: aioredis.Redis, prefix: str) -> None:
        self._redis = redis
        self._prefix = prefix

    def key(self, kind: str, text: str) -> str:
        digest = hashlib.sha256(text.encode()).hexdigest()[:32]
        return f"{self._prefix}:{kind}:{digest}"

    async def get(self, key: str) -> dict[str, Any] | None:
        """The cached answer (`{}`: nothing known), None when nothing is cached."""
        raw = await self._redis.get(key)
        if raw is None:
            return None
        data = json.loads(raw)
        return data if isinstance(data, dict) else None

    async def put(self, key: str, data: dict[str, Any], seconds: int) -> None:
        await self._redis.set(key, json.dumps(data, separators=(",", ":")), ex=seconds)
