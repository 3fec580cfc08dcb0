"""The polite client against the fake 1001tracklists site, with real Redis.

The suite's delay is the minimum (2 s), so every test keeps its sequential requests few. robots.txt
stays cached between tests (the fake serves the same default each time) unless a test is about it;
the gate, caches and breaker are emptied before each test.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import os
import random
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest
import redis
import redis.asyncio as aioredis

from domain.config import Settings
from domain.outbound.pace import JITTER, spacing
from domain.outbound.retry import retry_after_seconds
from domain.tracklists.breaker import site_breaker
from domain.tracklists.client import (
    Blocked,
    FetchFailed,
    PageTooLarge,
    PoliteClient,
    RobotsDisallowed,
    user_agent,
)
from domain.tracklists.listings import ListingKind
from domain.tracklists.page_errors import LayoutError, PageEncodingError
from domain.tracklists.parse import parse_tracklist
from domain.tracklists.urls import UrlRefused
from tests.fakes.tracklist_pages import (
    Entry,
    Row,
    challenge_page,
    homepage,
    listing_page,
    search_page,
    tracklist_page,
)
from tests.fakes.tracklists_site import FakeTracklistsSite, Reply

REPO = Path(__file__).resolve().parent.parent
DELAY = 2.0
SLACK = 0.02  # clock granularity between Redis's clock and the fake's

MakeClient = Callable[..., Awaitable[PoliteClient]]


def _page(tracklist_id: str = "1abc", title: str = "DJ Test @ Club") -> str:
    rows = [Row("ARTBAT", "Horizon", label="UPPERGROUND", cue=0), Row("Anyma", "Eternity", cue=300)]
    return tracklist_page(tracklist_id, "dj-test-club", title, djs=["DJ Test"], rows=rows)


def _path(tracklist_id: str = "1abc") -> str:
    return f"/tracklist/{tracklist_id}/dj-test-club.html"


def _keys(settings: Settings, pattern: str) -> list[bytes]:
    client = redis.Redis.from_url(settings.redis_url)
    try:
        return list(client.scan_iter(settings.channel(pattern)))
    finally:
        client.close()


def _forget(settings: Settings, *, robots: bool = False) -> None:
    client = redis.Redis.from_url(settings.redis_url)
    keys = [
        key
        for key in client.scan_iter(settings.channel("tracklists:*"))
        if robots or b":tracklists:robots:" not in key
    ]
    if keys:
        client.delete(*keys)
    client.close()


@pytest.fixture
def site(settings: Settings, tracklists_site: FakeTracklistsSite) -> Iterator[FakeTracklistsSite]:
    """The fake site, reset, with this installation's gate, caches and breaker emptied."""
    _forget(settings)
    yield tracklists_site
    _forget(settings)


@pytest.fixture
async def make_client(settings: Settings) -> AsyncIterator[MakeClient]:
    """PoliteClient factory: each client has its own Redis connection, as separate processes do."""
    made: list[tuple[PoliteClient, aioredis.Redis]] = []

    async def make(settings: Settings = settings, **options: Any) -> PoliteClient:
        connection = aioredis.Redis.from_url(settings.redis_url, socket_timeout=5)
        client = PoliteClient(settings, connection, **options)
        made.append((client, connection))
        return client

    yield make
    for client, connection in made:
        await client.aclose()
        await connection.aclose()


@pytest.fixture
def uncached_robots(settings: Settings, site: FakeTracklistsSite) -> Iterator[None]:
    """robots.txt not cached before the test, and not left cached after it."""
    _forget(settings, robots=True)
    yield
    _forget(settings, robots=True)


def _gaps_ok(site: FakeTracklistsSite, minimum: float = DELAY) -> list[float]:
    gaps = site.gaps()
    assert all(gap >= minimum - SLACK for gap in gaps), gaps
    return gaps


# --- pages, cache, force --------------------------------------------------------------------


async def test_fetch_caches_the_page_and_force_asks_again(
    site: FakeTracklistsSite, settings: Settings, make_client: MakeClient
) -> None:
    contacted = dataclasses.replace(
        settings,
        tracklists=dataclasses.replace(settings.tracklists, contact="mailto:dj@example.org"),
    )
    client = await make_client(contacted)
    html = _page()
    url = site.page(_path(), html)

    first = await client.fetch(url, validate=parse_tracklist)
    assert first.text == html and not first.from_cache
    assert first.sha256 == hashlib.sha256(html.encode()).hexdigest()
    request = site.page_requests()[0]
    assert request.headers["user-agent"] == (
        "crateloop/0.1.0 (+https://github.com/crateloop/crateloop; mailto:dj@example.org)"
    )

    again = await client.fetch(url, validate=parse_tracklist)
    assert again.from_cache and again.text == html and again.sha256 == first.sha256
    assert len(site.page_requests()) == 1  # the cache answered

    forced = await client.fetch(url, validate=parse_tracklist, force=True)
    assert not forced.from_cache
    assert len(site.page_requests()) == 2
    assert await client.clear_cache() >= 1
    robots_requests = site.paths().count("/robots.txt")
    refetched = await client.fetch(url)
    assert not refetched.from_cache and len(site.page_requests()) == 3
    assert site.paths().count("/robots.txt") == robots_requests  # robots.txt kept its cache
    _gaps_ok(site)
    assert site.max_in_flight == 1


async def test_cached_pages_are_compressed_and_expire_after_seven_days(
    site: FakeTracklistsSite, settings: Settings, make_client: MakeClient
) -> None:
    client = await make_client()
    url = site.page(_path(), _page() + "<!--" + "x" * 50_000 + "-->")
    await client.fetch(url)
    (key,) = _keys(settings, "tracklists:page:*")
    connection = redis.Redis.from_url(settings.redis_url)
    try:
        assert len(connection.get(key) or b"") < 10_000
        assert 7 * 86400 - 60 < connection.ttl(key) <= 7 * 86400
    finally:
        connection.close()


# --- robots.txt ------------------------------------------------------------------------------


@pytest.mark.usefixtures("uncached_robots")
async def test_robots_disallow_is_honoured_before_any_page_request(
    site: FakeTracklistsSite, make_client: MakeClient
) -> None:
    site.robots("User-agent: *\nDisallow: /tracklist/secret/\n")
    client = await make_client()
    url = site.page("/tracklist/secret/hidden.html", _page())
    with pytest.raises(RobotsDisallowed, match=r"robots.txt does not allow .*/tracklist/secret/"):
        await client.fetch(url)
    assert site.paths() == ["/robots.txt"]
    assert site.requests[0].headers["user-agent"].startswith("crateloop/")
    with pytest.raises(RobotsDisallowed):  # cached: robots.txt is not asked again
        await client.fetch(url, force=True)
    assert site.paths() == ["/robots.txt"]


@pytest.mark.usefixtures("uncached_robots")
async def test_robots_for_our_user_agent_only(
    site: FakeTracklistsSite, make_client: MakeClient
) -> None:
    site.robots("User-agent: crateloop\nDisallow: /\n\nUser-agent: *\nAllow: /\n")
    client = await make_client()
    with pytest.raises(RobotsDisallowed):
        await client.fetch(site.page(_path(), _page()))
    assert site.page_requests() == []


@pytest.mark.usefixtures("uncached_robots")
async def test_robots_answering_5xx_means_the_site_is_unavailable(
    site: FakeTracklistsSite, settings: Settings, make_client: MakeClient
) -> None:
    site.robots("oops", status=503)
    client = await make_client()
    url = site.page(_path(), _page())
    with pytest.raises(FetchFailed, match=r"robots\.txt could not be read .*unavailable"):
        await client.fetch(url)
    assert site.paths() == ["/robots.txt"]
    assert _keys(settings, "tracklists:failure:*") == []  # about the site, not the page


# --- the gate ----------------------------------------------------------------------------------


@pytest.mark.usefixtures("uncached_robots")
async def test_one_request_in_flight_and_spacing_across_clients_and_processes(
    site: FakeTracklistsSite, app_env: dict[str, str], make_client: MakeClient
) -> None:
    urls = [site.page(_path(f"p{i}"), _page(f"p{i}"), delay=0.4) for i in range(4)]
    other_process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        _FETCH_SCRIPT,
        urls[3],
        cwd=REPO,
        env={**os.environ, **app_env},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    first, second = await make_client(), await make_client()
    await asyncio.gather(first.fetch(urls[0]), second.fetch(urls[1]), first.fetch(urls[2]))
    out, err = await asyncio.wait_for(other_process.communicate(), timeout=60)
    assert other_process.returncode == 0, err.decode()
    assert out.decode().strip() == "fetched"

    assert sorted(r.path for r in site.page_requests()) == sorted(_path(f"p{i}") for i in range(4))
    assert site.paths().count("/robots.txt") == 1  # asked once, not once per client
    assert site.max_in_flight == 1
    gaps = _gaps_ok(site)
    # Jitter: never more than 1.4 times the delay, plus a polling tick.
    assert all(gap <= DELAY * JITTER[1] + 0.3 for gap in gaps), gaps


_FETCH_SCRIPT = """
import asyncio, sys
import redis.asyncio as aioredis
from domain.config import load_settings
from domain.tracklists.client import PoliteClient

async def main():
    settings = load_settings()
    connection = aioredis.Redis.from_url(settings.redis_url)
    client = PoliteClient(settings, connection)
    try:
        await client.fetch(sys.argv[1])
    finally:
        await client.aclose()
        await connection.aclose()
    print("fetched")

asyncio.run(main())
"""


def test_jitter_stays_within_its_bounds() -> None:
    rng = random.Random(4)
    samples = [spacing(5.0, rng) for _ in range(10_000)]
    assert min(samples) >= 5.0 and max(samples) <= 7.0
    assert min(samples) < 5.05 and max(samples) > 6.95  # really spread over the whole range


# --- retries, timeouts, Retry-After --------------------------------------------------------------


async def test_a_5xx_is_retried(site: FakeTracklistsSite, make_client: MakeClient) -> None:
    client = await make_client()
    url = site.sequence(_path(), [Reply(502), Reply(200, _page())])
    page = await client.fetch(url, validate=parse_tracklist)
    assert "Horizon" in page.text
    assert [r.status for r in site.page_requests()] == [502, 200]
    _gaps_ok(site)


async def test_retries_back_off_exponentially_then_fail_and_the_failure_is_cached(
    site: FakeTracklistsSite, settings: Settings, make_client: MakeClient
) -> None:
    client = await make_client(backoff_seconds=2.2)
    url = site.sequence(_path(), [Reply(500)])
    with pytest.raises(FetchFailed, match=r"answered 500 .*\(3 attempts\)") as failed:
        await client.fetch(url)
    assert failed.value.status == 500
    pages = site.page_requests()
    assert len(pages) == 3
    first_gap = pages[1].started - (pages[0].ended or 0)
    second_gap = pages[2].started - (pages[1].ended or 0)
    assert first_gap >= 2.2 - SLACK and second_gap >= 4.4 - SLACK, (first_gap, second_gap)

    with pytest.raises(FetchFailed, match=r"remembered from .* UTC") as cached:
        await client.fetch(url)
    assert cached.value.status == 500
    assert len(site.page_requests()) == 3  # no request for a cached failure
    (key,) = _keys(settings, "tracklists:failure:*")
    connection = redis.Redis.from_url(settings.redis_url)
    assert 0 < connection.ttl(key) <= 30 * 60
    connection.close()


async def test_a_timeout_is_retried(
    site: FakeTracklistsSite, settings: Settings, make_client: MakeClient
) -> None:
    impatient = dataclasses.replace(
        settings, tracklists=dataclasses.replace(settings.tracklists, timeout_seconds=1.0)
    )
    client = await make_client(impatient)
    url = site.sequence(_path(), [Reply(200, _page("slow"), delay=1.6), Reply(200, _page())])
    started = time.monotonic()
    page = await client.fetch(url, validate=parse_tracklist)
    assert "DJ Test @ Club" in page.text and "slow" not in page.text
    assert len(site.page_requests()) == 2
    assert time.monotonic() - started < 1.0 + DELAY * JITTER[1] + 1.0


async def test_a_short_retry_after_is_honoured(
    site: FakeTracklistsSite, make_client: MakeClient
) -> None:
    client = await make_client()
    url = site.sequence(
        _path(), [Reply(429, "slow down", {"Retry-After": "3"}), Reply(200, _page())]
    )
    page = await client.fetch(url, validate=parse_tracklist)
    assert not page.from_cache
    limited, served = site.page_requests()
    assert limited.status == 429 and served.status == 200
    assert served.started - (limited.ended or 0) >= 3.0 - SLACK


async def test_a_huge_retry_after_opens_the_breaker_without_sleeping(
    site: FakeTracklistsSite, make_client: MakeClient
) -> None:
    client = await make_client()
    later = datetime.now(UTC) + timedelta(hours=2)
    url = site.sequence(_path(), [Reply(503, "", {"Retry-After": format_datetime(later, True)})])
    started = time.monotonic()
    with pytest.raises(Blocked) as blocked:
        await client.fetch(url)
    assert time.monotonic() - started < DELAY * JITTER[1] + 1.0  # no sleeping on it
    retry_at = blocked.value.retry_at
    assert retry_at >= later - timedelta(seconds=2)
    assert str(blocked.value) == f"blocked by the site, retrying after {retry_at:%H:%M} UTC"
    assert len(site.page_requests()) == 1

    other = site.page(_path("other"), _page("other"))
    with pytest.raises(Blocked):
        await (await make_client()).fetch(other)  # any client, any page: nothing is requested
    assert len(site.page_requests()) == 1


def test_retry_after_values() -> None:
    now = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    assert retry_after_seconds("120", now) == 120
    assert retry_after_seconds("Wed, 01 May 2024 12:02:00 GMT", now) == 120
    assert retry_after_seconds("Wed, 01 May 2024 11:00:00 GMT", now) == 0
    assert retry_after_seconds("soon", now) is None
    assert retry_after_seconds(None, now) is None


# --- challenges and the breaker -----------------------------------------------------------------


@pytest.mark.parametrize("answer", ["challenge", "homepage"])
async def test_a_challenge_opens_the_breaker_and_nothing_is_cached(
    answer: str, site: FakeTracklistsSite, make_client: MakeClient
) -> None:
    client = await make_client()
    body = challenge_page() if answer == "challenge" else homepage(site.url)
    url = site.page(_path(), body)  # status 200, as the site does
    before = datetime.now(UTC)
    with pytest.raises(Blocked, match=r"^blocked by the site, retrying after \d\d:\d\d UTC$") as b:
        await client.fetch(url, validate=parse_tracklist)
    assert timedelta(minutes=5) <= b.value.retry_at - before <= timedelta(minutes=5, seconds=10)
    assert await client.breaker.open_until() == b.value.retry_at
    assert await client.clear_cache() == 0  # neither the page nor a failure was kept

    site.page(_path(), _page())  # the site is fine again, but we wait
    with pytest.raises(Blocked):
        await client.fetch(url, validate=parse_tracklist, force=True)
    assert len(site.page_requests()) == 1


async def test_the_breaker_closes_again_and_a_success_resets_it(
    site: FakeTracklistsSite, make_client: MakeClient
) -> None:
    client = await make_client(breaker_base_seconds=1.0)
    url = site.sequence(_path(), [Reply(200, challenge_page()), Reply(200, _page())])
    with pytest.raises(Blocked) as blocked:
        await client.fetch(url, validate=parse_tracklist)
    assert await client.breaker.openings() == 1
    # The time passing is what is tested: the breaker lets a request through once retry_at is past.
    await asyncio.sleep(max(0.0, (blocked.value.retry_at - datetime.now(UTC)).total_seconds()))
    page = await client.fetch(url, validate=parse_tracklist)
    assert "Horizon" in page.text
    assert await client.breaker.openings() == 0
    assert await client.breaker.open_until() is None


async def test_breaker_openings_double(settings: Settings, site: FakeTracklistsSite) -> None:
    connection = aioredis.Redis.from_url(settings.redis_url)
    breaker = site_breaker(settings, connection, base_seconds=10, max_seconds=35)
    try:
        durations = []
        for _ in range(4):
            now = datetime.now(UTC)
            durations.append(round((await breaker.trip() - now).total_seconds()))
        assert durations == [10, 20, 40 - 5, 35]  # doubling, capped at max_seconds
        assert await breaker.openings() == 4
        later = datetime.now(UTC) + timedelta(hours=1)
        assert await breaker.trip(at_least_until=later) >= later - timedelta(milliseconds=5)
        await breaker.succeeded()  # still open: a late success does not reset it
        assert await breaker.openings() == 5
    finally:
        await connection.aclose()


async def test_cached_pages_are_served_while_blocked(
    site: FakeTracklistsSite, make_client: MakeClient
) -> None:
    client = await make_client()
    url = site.page(_path(), _page())
    await client.fetch(url, validate=parse_tracklist)
    await client.breaker.trip()
    page = await client.fetch(url, validate=parse_tracklist)
    assert page.from_cache
    with pytest.raises(Blocked):
        await client.fetch(url, validate=parse_tracklist, force=True)
    assert await client.clear_cache() == 1
    assert await client.breaker.open_until() is not None  # clearing the cache keeps the breaker
    assert len(site.page_requests()) == 1


# --- failures, redirects, short links ------------------------------------------------------------


async def test_a_404_is_cached_as_a_failure_and_force_asks_again(
    site: FakeTracklistsSite, make_client: MakeClient
) -> None:
    client = await make_client()
    url = site.url + _path("gone")
    with pytest.raises(FetchFailed, match="answered 404 Not Found") as failed:
        await client.fetch(url)
    assert failed.value.status == 404
    with pytest.raises(FetchFailed, match="remembered from"):
        await client.fetch(url)
    assert len(site.page_requests()) == 1
    site.page(_path("gone"), _page("gone"))
    page = await client.fetch(url, force=True)
    assert not page.from_cache and len(site.page_requests()) == 2
    assert (await client.fetch(url)).from_cache  # the success replaced the failure


async def test_a_layout_error_is_cached_as_a_failure(
    site: FakeTracklistsSite, make_client: MakeClient
) -> None:
    client = await make_client()
    truncated = tracklist_page("1abc", "x", "Truncated", rows=[Row("A", "B", cue=0)], claimed=22)
    url = site.page(_path(), truncated)
    with pytest.raises(LayoutError, match="22"):
        await client.fetch(url, validate=parse_tracklist)
    with pytest.raises(LayoutError, match="remembered from"):
        await client.fetch(url, validate=parse_tracklist)
    assert len(site.page_requests()) == 1
    assert await client.breaker.open_until() is None  # a layout change is not a block


async def test_a_redirect_leaving_the_site_is_refused(
    site: FakeTracklistsSite, make_client: MakeClient
) -> None:
    client = await make_client()
    port = site.url.rsplit(":", 1)[1]
    # Same server, other host name: were it followed, the fake would log the request.
    url = site.redirect(_path(), f"http://localhost:{port}{_path('elsewhere')}")
    site.page(_path("elsewhere"), _page("elsewhere"))
    with pytest.raises(
        UrlRefused, match=r"redirected .* off the site: .*localhost is another host"
    ):
        await client.fetch(url)
    assert site.paths() == [_path()] or site.paths() == ["/robots.txt", _path()]


async def test_a_redirect_on_the_site_is_followed(
    site: FakeTracklistsSite, make_client: MakeClient
) -> None:
    client = await make_client()
    site.page(_path(), _page())
    old = site.redirect("/tracklist/1abc/old-name.html", _path())  # relative Location
    page = await client.fetch(old, validate=parse_tracklist)
    assert page.url == site.url + _path()
    assert [r.path for r in site.page_requests()] == ["/tracklist/1abc/old-name.html", _path()]
    _gaps_ok(site)


async def test_a_short_link_is_resolved_on_the_site(
    site: FakeTracklistsSite, make_client: MakeClient
) -> None:
    client = await make_client()
    site.page(_path(), _page())
    short = site.short_link("1abc")
    page = await client.fetch(short, validate=parse_tracklist)
    assert page.url == site.url + _path()
    assert parse_tracklist(page.text, page.url).source_id == "1abc"
    assert [(r.host, r.path) for r in site.page_requests()] == [
        ("short", "/1abc"),
        ("site", _path()),
    ]
    assert (await client.fetch(short)).from_cache
    assert (await client.fetch(site.url + _path())).from_cache
    assert len(site.page_requests()) == 2
    _gaps_ok(site)
    assert site.max_in_flight == 1


async def test_a_short_link_leading_off_the_site_is_refused(
    site: FakeTracklistsSite, make_client: MakeClient
) -> None:
    client = await make_client()
    short = site.short_link("2bad", "https://evil.example/tracklist/2bad/x.html")
    with pytest.raises(UrlRefused, match=r"evil\.example is another host"):
        await client.fetch(short)
    assert [r.path for r in site.page_requests()] == ["/2bad"]


async def test_urls_off_the_site_are_refused_before_any_request(
    site: FakeTracklistsSite, make_client: MakeClient
) -> None:
    client = await make_client()
    for raw in (
        "https://evil.example/tracklist/1/x.html",
        "file:///etc/passwd",
        "http://10.0.0.1/",
    ):
        with pytest.raises(UrlRefused):
            await client.fetch(raw)
    assert site.requests == []


# --- size and encoding ----------------------------------------------------------------------


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "streamed"])
async def test_a_10_mb_page_is_refused(
    declared: bool, site: FakeTracklistsSite, make_client: MakeClient
) -> None:
    client = await make_client()
    url = site.huge(_path(), size=10 * 1024 * 1024, declare_length=declared)
    started = time.monotonic()
    with pytest.raises(PageTooLarge, match="5 MB cap"):
        await client.fetch(url, validate=parse_tracklist)
    assert time.monotonic() - started < DELAY * JITTER[1] + 2.0
    with pytest.raises(PageTooLarge, match="remembered from"):
        await client.fetch(url, validate=parse_tracklist)
    assert len(site.page_requests()) == 1


async def test_bytes_that_are_not_utf8_are_refused_and_declared_charsets_decoded(
    site: FakeTracklistsSite, make_client: MakeClient
) -> None:
    client = await make_client()
    bad = _page().replace("Horizon", "Horiz\udcffn").encode("utf-8", "surrogateescape")
    url = site.page(_path(), bad, content_type="text/html; charset=utf-8")
    with pytest.raises(PageEncodingError, match=r"0xff at offset \d+"):
        await client.fetch(url, validate=parse_tracklist)

    latin = _page("lat1", "Café del Mar").replace('charset="utf-8"', 'charset="iso-8859-1"')
    latin_url = site.page(
        _path("lat1"), latin.encode("latin-1"), content_type="text/html; charset=ISO-8859-1"
    )
    page = await client.fetch(latin_url, validate=parse_tracklist)
    assert "Café del Mar" in page.text
    assert page.sha256 == hashlib.sha256(latin.encode("latin-1")).hexdigest()


# --- search and listings ------------------------------------------------------------------------


async def test_search_posts_the_sites_form_and_is_cached(
    site: FakeTracklistsSite, make_client: MakeClient
) -> None:
    client = await make_client()
    results = [Entry("dj", "Adam Beyer", "/dj/adambeyer/index.html")]
    site.search(8, "adam beyer", search_page(results, query="adam beyer", selection=8))
    listing = await client.search("  Adam   Beyer ", ListingKind.DJ)
    assert [(i.kind, i.title, i.url) for i in listing.items] == [
        (ListingKind.DJ, "Adam Beyer", site.url + "/dj/adambeyer/index.html")
    ]
    (request,) = site.page_requests()
    assert (request.method, request.path) == ("POST", "/search/result.php")
    assert request.form == {"main_search": "Adam Beyer", "search_selection": "8"}
    assert (await client.search("adam beyer", ListingKind.DJ)).items == listing.items
    assert len(site.page_requests()) == 1  # cached for 24 h
    with pytest.raises(ValueError, match="needs some text"):
        await client.search("   ", ListingKind.TRACKLIST)


async def test_tracklists_of_a_dj_follow_the_pagination(
    site: FakeTracklistsSite, make_client: MakeClient
) -> None:
    client = await make_client()
    first = [Entry("tracklist", "Set 1", _path("s1"), date="2024-01-01")]
    second = [Entry("tracklist", "Set 2", _path("s2"), date="2024-02-01")]
    url = site.page("/dj/djtest/index.html", listing_page(first, "/dj/djtest/index.html?page=2"))
    site.page("/dj/djtest/index.html?page=2", listing_page(second))
    items = await client.tracklists_of(url)
    titles = [item.title for item in items if item.kind is ListingKind.TRACKLIST]
    assert titles[:2] == ["Set 1", "Set 2"]
    assert [r.path for r in site.page_requests()] == [
        "/dj/djtest/index.html",
        "/dj/djtest/index.html?page=2",
    ]
    with pytest.raises(UrlRefused):
        await client.tracklists_of("https://evil.example/dj/djtest/index.html")


def test_user_agent_is_honest() -> None:
    assert user_agent("") == "crateloop/0.1.0 (+https://github.com/crateloop/crateloop)"
