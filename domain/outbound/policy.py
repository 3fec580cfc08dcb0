"""How one outside service is asked: pace, breaker, retries, timeout and body cap, composed.

A client (1001tracklists today; MusicBrainz, Discogs, Deezer next) builds one OutboundPolicy and
sends every request through `request`; it keeps only what is its own: URLs, caches, parsing, and
the wording of its errors.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import httpx

from domain.outbound.body import read_capped
from domain.outbound.breaker import Breaker, CircuitOpen
from domain.outbound.pace import Pace
from domain.outbound.retry import Retries


@dataclass(frozen=True)
class Answer:
    """One HTTP answer, its body read in full (within the cap)."""

    url: str
    status: int
    reason: str
    headers: httpx.Headers
    body: bytes


class RequestFailed(Exception):
    """No usable answer after the retries; `status` is None when nothing answered."""

    def __init__(self, message: str, status: int | None = None) -> None:
        self.status = status
        super().__init__(message)


class OutboundPolicy:
    """The rules for talking to the service `name` (its pace, breaker, retries, limits)."""

    def __init__(
        self,
        name: str,
        *,
        pace: Pace,
        breaker: Breaker,
        retries: Retries,
        max_bytes: int,
        timeout: float,
    ) -> None:
        self.name = name
        self.pace = pace
        self.breaker = breaker
        self.retries = retries
        self.max_bytes = max_bytes
        self.timeout = timeout

    async def request(
        self,
        http: httpx.AsyncClient,
        method: str,
        url: str,
        *,
        data: dict[str, str] | None = None,
        delay: float | None = None,
        headers: dict[str, str] | None = None,
        shown_url: str | None = None,
    ) -> Answer:
        """The answer to one request, each try through the pace (spaced by at least `delay`).

        5xx, 429 and timeouts are retried; a Retry-After beyond the cap, or a 429 that
        persists, opens the breaker (CircuitOpen). Other statuses are returned as they are.
        `headers` are this request's own (a bearer token); `shown_url` is the URL messages and
        the Answer name, when `url` carries a secret (an API key in its query).
        Raises RequestFailed, CircuitOpen or BodyTooLarge.
        """
        shown = shown_url or url
        retries = self.retries
        backoff = retries.backoff()
        failure: RequestFailed | None = None
        for attempt in range(1, retries.attempts + 1):
            await self.breaker.raise_if_open()  # another process may have tripped it meanwhile
            pause = backoff.next()
            try:
                async with self.pace.turn(delay):
                    answer = await self.send(http, method, url, data=data, headers=headers)
            except (httpx.TimeoutException, TimeoutError):
                failure = RequestFailed(f"{shown} did not answer within {self.timeout:g} s")
            except httpx.TransportError as error:
                # The error's own text may quote the URL: only its kind is named.
                reason = type(error).__name__ if shown_url else str(error) or type(error).__name__
                failure = RequestFailed(f"{shown} could not be reached: {reason}")
            else:
                if not retries.retryable(answer.status):
                    return replace(answer, url=shown)
                failure = RequestFailed(
                    f"{shown} answered {answer.status} {answer.reason}".rstrip(), answer.status
                )
                wait = retries.asked_wait(answer.status, answer.headers.get("retry-after"))
                if wait is not None:
                    if wait > retries.retry_after_cap:
                        until = datetime.now(UTC) + timedelta(seconds=wait)
                        retry_at = await self.breaker.trip(at_least_until=until)
                        raise CircuitOpen(
                            retry_at, f"{shown} asked us to wait {wait:.0f} s", rate_limited=True
                        )
                    pause = wait
            if attempt < retries.attempts:
                await self.pace.hold_off(pause)
        assert failure is not None
        if failure.status == 429:
            # Still rate-limited after backing off: stop everything rather than insist.
            retry_at = await self.breaker.trip()
            raise CircuitOpen(retry_at, f"{shown} kept answering 429", rate_limited=True)
        raise RequestFailed(f"{failure} ({retries.attempts} attempts)", failure.status)

    async def send(
        self,
        http: httpx.AsyncClient,
        method: str,
        url: str,
        *,
        data: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Answer:
        """One exchange within the timeout, the body read up to the cap; the caller holds
        the pace. Raises httpx errors, TimeoutError and BodyTooLarge as they come."""
        async with asyncio.timeout(self.timeout):
            async with http.stream(method, url, data=data, headers=headers) as response:
                body = await read_capped(response, self.max_bytes)
                return Answer(
                    url, response.status_code, response.reason_phrase, response.headers, body
                )
