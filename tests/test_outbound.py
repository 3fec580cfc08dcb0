"""The outbound-HTTP pieces (domain/outbound) one by one, against real Redis and a real local
HTTP server: the scripted fake site of tests/fakes, used here as any service on 127.0.0.1.

Delays are a tenth of a second so that the timing checks stay quick; each Redis key is this
test's own and is removed after it.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest
import redis.asyncio as aioredis

from domain.config import Settings
from domain.outbound import (
    Backoff,
    BodyTooLarge,
    Breaker,
    CircuitOpen,
    OutboundPolicy,
    Pace,
    RequestFailed,
    Retries,
    read_capped,
    retry_after_seconds,
)
from domain.outbound.pace import JITTER
from tests.fakes.tracklists_site import FakeTracklistsSite, Reply

DELAY = 0.1
SLACK = 0.02  # clock granularity between Redis's clock and the fake's
MB = 1024 * 1024

Connect = Callable[[], aioredis.Redis]


@pytest.fixture
async def connect(settings: Settings) -> AsyncIterator[Connect]:
    """Opens Redis connections (each one as another process would have) and closes them."""
    made: list[aioredis.Redis] = []

    def connection() -> aioredis.Redis:
        made.append(aioredis.Redis.from_url(settings.redis_url, socket_timeout=5))
        return made[-1]

    yield connection
    for each in made:
        await each.aclose()


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=5.0) as client:
        yield client


def _policy(
    connection: aioredis.Redis,
    key: str,
    *,
    backoff: float = DELAY,
    cap: float = 60.0,
    max_bytes: int = MB,
    timeout: float = 2.0,
) -> OutboundPolicy:
    return OutboundPolicy(
        "test",
        pace=Pace(connection, f"{key}:pace", delay=DELAY, request_timeout=timeout),
        breaker=Breaker(connection, f"{key}:breaker", base_seconds=60),
        retries=Retries(attempts=3, backoff_seconds=backoff, retry_after_cap=cap),
        max_bytes=max_bytes,
        timeout=timeout,
    )


def _gap(site: FakeTracklistsSite, index: int) -> float:
    """Seconds from the end of request `index - 1` to the start of request `index`."""
    requests = site.page_requests()
    return requests[index].started - (requests[index - 1].ended or 0.0)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


# --- backoff ------------------------------------------------------------------------------------


def test_backoff_doubles_up_to_its_cap_with_jitter_and_starts_again_on_reset() -> None:
    backoff = Backoff(1.0, 8.0, jitter=0.2)
    for expected in (1, 2, 4, 8, 8):
        assert expected * 0.8 <= backoff.next() <= expected * 1.2
    backoff.reset()
    assert 0.8 <= backoff.next() <= 1.2
    spread = {round(Backoff(1.0, 8.0).next(), 6) for _ in range(50)}
    assert len(spread) > 40  # really jittered, not a fixed factor

    exact = Backoff(0.5, 10.0, jitter=0.0)
    assert [exact.next() for _ in range(7)] == [0.5, 1, 2, 4, 8, 10, 10]


# --- the capped body ----------------------------------------------------------------------------


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "streamed"])
async def test_a_body_over_the_cap_is_refused(
    declared: bool, tracklists_site: FakeTracklistsSite, http: httpx.AsyncClient
) -> None:
    url = tracklists_site.huge("/big", size=3 * MB, declare_length=declared)
    async with http.stream("GET", url) as response:
        with pytest.raises(BodyTooLarge, match="larger than 1 MB") as refused:
            await read_capped(response, MB)
    assert refused.value.limit == MB
    assert refused.value.declared == (3 * MB if declared else None)


async def test_a_body_within_the_cap_is_read_whole(
    tracklists_site: FakeTracklistsSite, http: httpx.AsyncClient
) -> None:
    url = tracklists_site.huge("/fits", size=MB, declare_length=False)
    async with http.stream("GET", url) as response:
        body = await read_capped(response, MB)
    assert len(body) == MB


# --- retries ------------------------------------------------------------------------------------


def test_which_answers_are_retried_and_which_retry_after_is_honoured() -> None:
    assert [Retries.retryable(s) for s in (200, 301, 404, 429, 500, 503)] == [
        False,
        False,
        False,
        True,
        True,
        True,
    ]
    assert Retries.asked_wait(503, "7") == 7.0
    assert Retries.asked_wait(429, "7") == 7.0
    assert Retries.asked_wait(500, "7") is None  # only 429 and 503 carry a meaningful one
    assert Retries.asked_wait(503, None) is None
    now = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    assert retry_after_seconds("Wed, 01 May 2024 12:02:00 GMT", now) == 120
    assert retry_after_seconds("soon", now) is None
    backoff = Retries(backoff_seconds=2.2).backoff()
    assert [backoff.next() for _ in range(3)] == [2.2, 4.4, 8.8]  # the pace adds the jitter


# --- the pace -----------------------------------------------------------------------------------


async def test_the_pace_lets_one_request_in_flight_and_spaces_them_across_connections(
    key: str,
    connect: Connect,
    tracklists_site: FakeTracklistsSite,
    http: httpx.AsyncClient,
) -> None:
    urls = [tracklists_site.page(f"/p{i}", "ok", delay=0.05) for i in range(4)]
    paces = [Pace(connect(), key, delay=DELAY, request_timeout=5.0) for _ in range(2)]

    async def fetch(pace: Pace, url: str) -> None:
        async with pace.turn():
            await http.get(url)

    await asyncio.gather(*(fetch(paces[i % 2], url) for i, url in enumerate(urls)))
    assert len(tracklists_site.page_requests()) == 4
    assert tracklists_site.max_in_flight == 1
    gaps = tracklists_site.gaps()
    assert all(DELAY - SLACK <= gap <= DELAY * JITTER[1] + 0.3 for gap in gaps), gaps


async def test_a_hold_off_holds_every_connection_back(key: str, connect: Connect) -> None:
    told, other = (Pace(connect(), key, delay=DELAY, request_timeout=5.0) for _ in range(2))
    started = time.monotonic()
    await told.hold_off(0.5)
    async with other.turn():
        waited = time.monotonic() - started
    assert 0.5 - SLACK <= waited < 1.5


async def test_a_turn_without_a_request_leaves_no_gap(key: str, connect: Connect) -> None:
    pace = Pace(connect(), key, delay=2.0, request_timeout=5.0)
    async with pace.turn() as turn:
        turn.requested = False  # e.g. another process had already fetched what we wanted
    started = time.monotonic()
    async with pace.turn():
        pass
    assert time.monotonic() - started < 1.0  # not the 2 s a request would have cost


# --- the breaker --------------------------------------------------------------------------------


async def test_breakers_are_keyed_by_name_and_a_success_resets_only_a_closed_one(
    key: str, connect: Connect
) -> None:
    connection = connect()
    site_a = Breaker(connection, f"{key}:a", base_seconds=0.3, max_seconds=10)
    site_b = Breaker(connection, f"{key}:b", base_seconds=0.3, max_seconds=10)
    retry_at = await site_a.trip()
    assert await site_b.open_until() is None  # one service's block is not another's
    with pytest.raises(CircuitOpen) as open_:
        await site_a.raise_if_open("asked too often")
    assert open_.value.retry_at == retry_at
    assert open_.value.reason == "asked too often"
    await site_a.succeeded()  # still open: a late success does not reset it
    assert await site_a.openings() == 1

    # The passing of the open time is what is under test here.
    await asyncio.sleep(max(0.0, (retry_at - datetime.now(UTC)).total_seconds()) + SLACK)
    assert await site_a.open_until() is None
    before = datetime.now(UTC)
    second = await site_a.trip()  # re-opened soon after: twice as long
    assert timedelta(seconds=0.55) <= second - before <= timedelta(seconds=0.7)
    await asyncio.sleep(max(0.0, (second - datetime.now(UTC)).total_seconds()) + SLACK)
    await site_a.succeeded()
    assert await site_a.openings() == 0
    await site_a.raise_if_open()  # closed: nothing raised


# --- the policy ---------------------------------------------------------------------------------


async def test_the_policy_retries_5xx_with_a_doubling_backoff_then_answers(
    key: str,
    connect: Connect,
    tracklists_site: FakeTracklistsSite,
    http: httpx.AsyncClient,
) -> None:
    policy = _policy(connect(), key, backoff=0.3)
    url = tracklists_site.sequence("/flaky", [Reply(502), Reply(503), Reply(200, "fine")])
    answer = await policy.request(http, "GET", url)
    assert (answer.status, answer.body) == (200, b"fine")
    assert [r.status for r in tracklists_site.page_requests()] == [502, 503, 200]
    assert _gap(tracklists_site, 1) >= 0.3 - SLACK
    assert _gap(tracklists_site, 2) >= 0.6 - SLACK
    assert await policy.breaker.openings() == 0


async def test_the_policy_honours_a_short_retry_after(
    key: str,
    connect: Connect,
    tracklists_site: FakeTracklistsSite,
    http: httpx.AsyncClient,
) -> None:
    policy = _policy(connect(), key)
    url = tracklists_site.sequence("/limited", [Reply(429, "", {"Retry-After": "1"}), Reply(200)])
    answer = await policy.request(http, "GET", url)
    assert answer.status == 200
    assert _gap(tracklists_site, 1) >= 1.0 - SLACK  # the server's second, not our 0.1 s


async def test_a_retry_after_beyond_the_cap_opens_the_breaker_for_every_policy(
    key: str,
    connect: Connect,
    tracklists_site: FakeTracklistsSite,
    http: httpx.AsyncClient,
) -> None:
    policy = _policy(connect(), key, cap=60.0)
    later = datetime.now(UTC) + timedelta(hours=1)
    url = tracklists_site.sequence(
        "/busy", [Reply(503, "", {"Retry-After": format_datetime(later, True)})]
    )
    started = time.monotonic()
    with pytest.raises(CircuitOpen, match="asked us to wait") as open_:
        await policy.request(http, "GET", url)
    assert time.monotonic() - started < 2.0  # no sleeping on it
    assert open_.value.retry_at >= later - timedelta(seconds=2)

    elsewhere = _policy(connect(), key)  # another process, same service
    with pytest.raises(CircuitOpen, match="the breaker is open"):
        await elsewhere.request(http, "GET", tracklists_site.page("/other", "ok"))
    assert len(tracklists_site.page_requests()) == 1


async def test_a_429_that_persists_opens_the_breaker(
    key: str,
    connect: Connect,
    tracklists_site: FakeTracklistsSite,
    http: httpx.AsyncClient,
) -> None:
    policy = _policy(connect(), key)
    url = tracklists_site.sequence("/stingy", [Reply(429)])
    with pytest.raises(CircuitOpen, match="kept answering 429"):
        await policy.request(http, "GET", url)
    assert len(tracklists_site.page_requests()) == 3
    assert await policy.breaker.openings() == 1


async def test_the_policy_gives_up_after_its_attempts(
    key: str,
    connect: Connect,
    tracklists_site: FakeTracklistsSite,
    http: httpx.AsyncClient,
) -> None:
    policy = _policy(connect(), key)
    url = tracklists_site.sequence("/broken", [Reply(500)])
    with pytest.raises(RequestFailed) as failed:
        await policy.request(http, "GET", url)
    assert str(failed.value) == f"{url} answered 500 Internal Server Error (3 attempts)"
    assert failed.value.status == 500
    assert len(tracklists_site.page_requests()) == 3
    assert await policy.breaker.open_until() is None  # a broken page is not a block


async def test_a_timeout_is_retried_and_an_unreachable_host_named(
    key: str,
    connect: Connect,
    tracklists_site: FakeTracklistsSite,
    http: httpx.AsyncClient,
) -> None:
    policy = _policy(connect(), key, timeout=0.5)
    url = tracklists_site.sequence("/slow", [Reply(200, "late", delay=1.0), Reply(200, "soon")])
    answer = await policy.request(http, "GET", url)
    assert answer.body == b"soon"

    nowhere = f"http://127.0.0.1:{_closed_port()}/x"
    with pytest.raises(RequestFailed, match=r"could not be reached: .*\(3 attempts\)") as failed:
        await policy.request(http, "GET", nowhere)
    assert failed.value.status is None


async def test_a_4xx_is_returned_as_it_is_and_a_huge_body_is_not_retried(
    key: str,
    connect: Connect,
    tracklists_site: FakeTracklistsSite,
    http: httpx.AsyncClient,
) -> None:
    policy = _policy(connect(), key, max_bytes=MB)
    answer = await policy.request(http, "GET", tracklists_site.url + "/missing")
    assert answer.status == 404
    with pytest.raises(BodyTooLarge):
        await policy.request(http, "GET", tracklists_site.huge("/huge", size=2 * MB))
    assert [r.path for r in tracklists_site.page_requests()] == ["/missing", "/huge"]
