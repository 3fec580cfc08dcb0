"""The live dashboard: station cards from station_health and plays, hourly charts, and daemon
events reaching open SSE streams through Redis (real Redis, real server)."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import time
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, cast
from urllib.parse import urlsplit, urlunsplit

import httpx
import psycopg
import pytest
import redis
from litestar.testing import AsyncTestClient
from psycopg.types.json import Jsonb

from domain.config import Settings
from domain.loops.mapper import TrackMapper
from domain.models import User
from domain.plays import stats as play_stats
from domain.resources import opened
from tests.daemon_process import SLUG, add_station
from tests.test_web_pages import child, only, page, seed, texts
from tests.waiting import wait_until_async
from tests.web_fixtures import Client, log_in_client
from web.app import create_app
from web.dashboard.live import LiveHub, Partials, event_stream

XSS = "<script>alert(1)</script>"
DASH = "\u2013"  # between artist and title, as the page shows it


# Seeding, as the daemon would leave things ------------------------------------------------------


def make_card(artist: str, title: str, **fields: Any) -> dict[str, Any]:
    """A now-playing card in the shape the daemon stores (architecture contract)."""
    now = time.time()
    return {
        "artist": artist,
        "title": title,
        "art": "https://radio.example/art/1.jpg",
        "song_id": "0" * 32,
        "sh_id": 1,
        "played_at": now - 30,
        "duration": 240.0,
        "loop_path": "/loops/a.mp4",
        "loop_name": "a.mp4",
        "reason": "mapped",
        "mapping_id": 7,
        "listeners": 42,
        "next_artist": "Bicep",
        "next_title": "Glue",
        "is_live": False,
        "streamer": None,
        "changed_at": now,
    } | fields


def make_health(state: str = "connected", **fields: Any) -> dict[str, Any]:
    now = time.time()
    return {
        "state": state,
        "since": now - 3600,
        "last_message_at": now - 2,
        "last_switch_at": now - 30,
        "last_error": None,
    } | fields


def store_health(
    database_url: str, station_id: int, card: dict[str, Any] | None, **health: Any
) -> None:
    values = make_health(**health)

    def at(key: str) -> datetime | None:
        value = values[key]
        return datetime.fromtimestamp(value, UTC) if value is not None else None

    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO station_health (station_id, state, since, last_message_at,"
            " last_switch_at, last_error, now_playing) VALUES (%s, %s, %s, %s, %s, %s, %s)"
            " ON CONFLICT (station_id) DO UPDATE SET state = excluded.state,"
            " since = excluded.since, last_message_at = excluded.last_message_at,"
            " last_switch_at = excluded.last_switch_at, last_error = excluded.last_error,"
            " now_playing = excluded.now_playing, updated_at = now()",
            (
                station_id,
                values["state"],
                at("since"),
                at("last_message_at"),
                at("last_switch_at"),
                values["last_error"],
                Jsonb(card) if card is not None else None,
            ),
        )


def add_play(
    database_url: str,
    artist: str,
    title: str,
    *,
    station: str = SLUG,
    reason: str = "mapped",
    started_at: datetime | None = None,
    loop_path: str = "/loops/a.mp4",
) -> None:
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO plays (station, artist, title, track_key, loop_path, reason, started_at)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s)",
            (
                station,
                artist,
                title,
                f"{artist} - {title}".lower(),
                loop_path,
                reason,
                started_at or datetime.now(UTC),
            ),
        )


def publish_switch(
    settings: Settings,
    database_url: str,
    station_id: int,
    card: dict[str, Any],
    *,
    slug: str = SLUG,
    event: str = "switch",
) -> float:
    """What the daemon does on a new play: store the card and health, then publish the event.
    Returns the time.perf_counter() of the publication."""
    health = make_health(last_switch_at=time.time())
    store_health(database_url, station_id, card, **health)
    message = {"event": event, "station": slug, "card": card, "health": health}
    client = redis.Redis.from_url(settings.redis_url)
    try:
        started = time.perf_counter()
        client.publish(settings.channel(f"station:{slug}"), json.dumps(message))
        return started
    finally:
        client.close()


# The page ---------------------------------------------------------------------------------------


async def test_dashboard_shows_a_card_per_enabled_station(
    client: Client, database_url: str
) -> None:
    station_id = add_station(database_url)
    add_station(database_url, "off-air", "Off Air", enabled=False)
    store_health(database_url, station_id, make_card("Daft Punk", "One More Time"))
    add_play(database_url, "Daft Punk", "One More Time")

    html = (await client.get("/")).text

    card = only(html, "article.station")
    assert card.attributes["id"] == f"station-{SLUG}"
    assert only(html, "article.station h2").text() == "Radio One"
    assert only(html, ".np-title").text() == "One More Time"
    assert only(html, ".np-artist").text() == "Daft Punk"
    # Through our server, never the station's URL in the page (web/dashboard/artwork.py).
    assert only(html, ".art").attributes["src"] == f"/stations/artwork/{SLUG}?v={'0' * 32}"
    assert only(html, ".loop-name").text() == "a.mp4"
    assert only(html, ".loop-thumb").attributes["src"] == "/loops/7/thumbnail.jpg"
    assert only(html, ".np-loop .reason").text() == "Mapped"
    assert only(html, ".np-next").text() == f"Bicep {DASH} Glue"
    assert only(html, ".np-listeners").text() == "42"
    assert only(html, ".duration").text() == "4:00"
    # The progress bar: the server's numbers; the browser runs it as a CSS animation.
    bar = only(html, ".progress")
    assert bar.attributes["data-duration"] == "240.0"
    elapsed = float(cast(str, bar.attributes["data-elapsed"]))  # static/app.js sets --elapsed
    assert 29 <= elapsed <= 40
    assert only(html, ".health .state").text() == "connected"
    assert texts(html, ".recent-plays .track") == [f"Daft Punk {DASH} One More Time"]
    # Live: one SSE stream for the page, each part swapping its own event.
    assert only(html, ".stations").attributes["sse-connect"] == "/live/stations"
    assert only(html, ".now-playing").attributes["sse-swap"] == f"card-{SLUG}"
    assert only(html, ".health").attributes["sse-swap"] == f"health-{SLUG}"
    assert page(html).css_first(f"[sse-swap=plays-{SLUG}]") is not None
    assert page(html).css_first("script[src$='htmx-ext-sse.js']") is not None
    # What was on the dashboard before stays.
    assert only(html, ".stat-total").text() == "0"
    assert only(html, "#default-loop input[name=loop_path]").attributes["value"] == "default.mp4"


async def test_a_station_the_daemon_has_not_reported_yet(client: Client, database_url: str) -> None:
    add_station(database_url)
    html = (await client.get("/")).text
    assert "has not reported a track" in only(html, ".now-playing").text()
    assert only(html, ".health .state").text() == "unknown"
    assert only(html, ".recent .empty").text() == "No plays yet."


async def test_dashboard_without_stations_says_how_to_add_one(client: Client) -> None:
    html = (await client.get("/")).text
    assert "Stations page" in only(html, ".no-stations").text()
    assert not page(html).css("[sse-connect]")


async def test_live_dj_offline_and_health_error(client: Client, database_url: str) -> None:
    station_id = add_station(database_url)
    card = make_card("", "", reason="live", is_live=True, streamer="DJ Anna", mapping_id=None)
    store_health(database_url, station_id, card, state="down", last_error="HTTP 500")
    html = (await client.get("/")).text
    assert only(html, ".np-live").text() == "Live: DJ Anna"
    assert only(html, ".np-loop .reason").text() == "Live"
    assert not page(html).css(".loop-thumb")
    assert only(html, ".health .state").text() == "down"
    assert only(html, ".last-error").text() == "HTTP 500"


async def test_last_twenty_plays_newest_first(client: Client, database_url: str) -> None:
    add_station(database_url)
    start = datetime.now(UTC) - timedelta(hours=2)
    for n in range(25):
        add_play(database_url, "Artist", f"Track {n:02}", started_at=start + timedelta(minutes=n))
    add_play(database_url, "Other", "Station", station="elsewhere")
    tracks = texts((await client.get("/")).text, ".recent-plays .track")
    assert tracks == [f"Artist {DASH} Track {n:02}" for n in range(24, 4, -1)]


async def test_track_names_and_urls_from_the_station_are_escaped(
    client: Client, database_url: str
) -> None:
    station_id = add_station(database_url, name=XSS)
    card = make_card(XSS, XSS, art="javascript:alert(1)", next_title=XSS, loop_name=XSS)
    store_health(database_url, station_id, card, last_error=XSS)
    add_play(database_url, XSS, XSS)
    html = (await client.get("/")).text
    assert XSS not in html
    assert html.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 6
    assert not page(html).css("img.art")  # not a web URL: no image at all


# Charts -----------------------------------------------------------------------------------------


async def test_charts_count_plays_and_fallbacks_per_hour(client: Client, database_url: str) -> None:
    # The start of this hour: never in the future, never in the previous hour.
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    for reason in ("mapped", "default", "default"):
        add_play(database_url, "A", reason, reason=reason, started_at=now)
    for n in range(5):
        add_play(database_url, "B", f"{n}", started_at=now - timedelta(hours=3, minutes=-n))
    add_play(database_url, "C", "too old", reason="default", started_at=now - timedelta(hours=30))

    html = (await client.get("/")).text

    this_hour = f"{now:%H}:00"
    three_ago = f"{now - timedelta(hours=3):%H}:00"
    plays = only(html, "#chart-plays")
    values = {
        bar.attributes["data-label"]: int(cast(str, bar.attributes["data-value"]))
        for bar in plays.css("rect.bar")
    }
    assert len(values) == 24
    assert values[this_hour] == 3 and values[three_ago] == 5
    assert sum(values.values()) == 8
    assert child(plays, "svg").attributes["role"] == "img"
    assert child(plays, "desc").text() == (
        f"8 plays in the last 24 hours (UTC); most in one hour: 5 at {three_ago}."
    )
    rows = {
        row.css("td")[0].text(): row.css("td")[1].text()
        for row in plays.css(".chart-table tbody tr")
    }
    assert rows[this_hour] == "3" and rows[three_ago] == "5"
    # The busiest hour fills the chart's height; the others scale to it.
    heights = {
        bar.attributes["data-label"]: float(cast(str, bar.attributes["height"]))
        for bar in plays.css("rect.bar")
    }
    assert heights[three_ago] == 120.0 and heights[this_hour] == 72.0

    fallbacks = only(html, "#chart-fallbacks")
    assert child(fallbacks, "desc").text().startswith("2 fallbacks in the last 24 hours")
    assert only(html, "#chart-fallbacks .chart-total").text() == "2 in 24 h"


async def test_plays_per_hour_fills_empty_hours(client: Client, settings: Settings) -> None:
    from domain.db import create_engine, create_sessionmaker

    engine = create_engine(settings, pool_size=1)
    try:
        now = datetime(2026, 5, 1, 12, 30, tzinfo=UTC)
        hours = await play_stats.plays_per_hour(create_sessionmaker(engine), hours=3, now=now)
    finally:
        await engine.dispose()
    assert [(h.hour.hour, h.plays, h.fallbacks) for h in hours] == [
        (10, 0, 0),
        (11, 0, 0),
        (12, 0, 0),
    ]


# Live over SSE ----------------------------------------------------------------------------------


async def read_event(lines: Any, name: str) -> str:
    """The data of the next SSE event called `name` (lines of an httpx streaming response)."""

    async def find() -> str:
        event, data = "", []
        async for line in lines:
            if line.startswith("event:"):
                event = line.removeprefix("event:").strip()
            elif line.startswith("data:"):
                data.append(line.removeprefix("data:").removeprefix(" "))
            elif line == "":
                if event == name:
                    return "\n".join(data)
                event, data = "", []
        raise AssertionError(f"the stream ended before a {name!r} event")

    return await asyncio.wait_for(find(), 5)


async def first_line(lines: Any) -> str:
    return cast(str, await asyncio.wait_for(anext(lines), 5))


@pytest.fixture
async def web(live_server: str, user: User) -> Any:
    async with httpx.AsyncClient(base_url=live_server, timeout=10) as http:
        response = await log_in_client(http)
        assert response.status_code == 303
        yield http


async def test_a_switch_reaches_an_open_stream_within_a_second(
    web: httpx.AsyncClient, settings: Settings, database_url: str
) -> None:
    station_id = add_station(database_url)
    add_play(database_url, "Bicep", "Glue")
    async with web.stream("GET", f"/live/stations/{SLUG}") as stream:
        assert stream.status_code == 200
        assert stream.headers["content-type"].startswith("text/event-stream")
        lines = stream.aiter_lines()
        assert await first_line(lines) == ": connected"  # registered: events now reach us
        sent = publish_switch(settings, database_url, station_id, make_card(XSS, "Glue"))
        card = await read_event(lines, f"card-{SLUG}")
        received = time.perf_counter()
        plays = await read_event(lines, f"plays-{SLUG}")
        health = await read_event(lines, f"health-{SLUG}")
    assert received - sent < 1.0
    assert only(card, ".np-title").text() == "Glue"
    assert only(card, ".np-artist").text() == XSS  # as text: escaped in the HTML
    assert XSS not in card
    assert texts(plays, ".recent-plays .track") == [f"Bicep {DASH} Glue"]
    assert only(health, ".state").text() == "connected"


async def test_the_dashboard_stream_carries_every_station_and_health_events(
    web: httpx.AsyncClient, settings: Settings, database_url: str
) -> None:
    one = add_station(database_url)
    two = add_station(database_url, "radio-two", "Radio Two")
    async with web.stream("GET", "/live/stations") as stream:
        lines = stream.aiter_lines()
        await first_line(lines)
        publish_switch(settings, database_url, two, make_card("A", "Two"), slug="radio-two")
        assert only(await read_event(lines, "card-radio-two"), ".np-title").text() == "Two"
        # A health event (no switch) changes only the health part.
        publish_switch(settings, database_url, one, make_card("A", "B"), event="health")
        health = await read_event(lines, f"health-{SLUG}")
    assert only(health, ".state").text() == "connected"


async def test_a_reconnecting_browser_gets_the_current_state_at_once(
    web: httpx.AsyncClient, database_url: str
) -> None:
    station_id = add_station(database_url)
    store_health(database_url, station_id, make_card("Caribou", "Sun"))
    headers = {"Last-Event-ID": "41"}
    async with web.stream("GET", f"/live/stations/{SLUG}", headers=headers) as stream:
        card = await read_event(stream.aiter_lines(), f"card-{SLUG}")
    assert only(card, ".np-title").text() == "Sun"


async def test_streams_need_a_login_and_a_known_station(
    anon_client: Client, client: Client
) -> None:
    anonymous = await anon_client.get("/live/stations", follow_redirects=False)
    assert anonymous.status_code in (302, 303, 401)
    assert (await client.get("/live/stations/nope")).status_code == 404


async def test_one_subscription_fans_out_and_closed_streams_are_forgotten(
    client: Client, settings: Settings, database_url: str
) -> None:
    station_id = add_station(database_url)
    hub = cast(LiveHub, client.app.state.live_hub)
    await asyncio.wait_for(hub.subscribed.wait(), 5)
    streams = [event_stream(hub, SLUG, []) for _ in range(50)]
    for stream in streams:
        await anext(stream)  # ": connected"
    assert hub.listener_count() == 50

    publish_switch(settings, database_url, station_id, make_card("Four Tet", "Baby"))
    for stream in streams:
        message = await asyncio.wait_for(anext(stream), 2)
        assert message.event == f"card-{SLUG}"
        assert "Baby" in str(message.data)

    for stream in streams:
        await stream.aclose()  # what a client disconnect does to the generator
    assert hub.listener_count() == 0


class RedisProxy:
    """A TCP proxy in front of the real Redis that can be cut and restored (Redis down / back)."""

    def __init__(self, target: str) -> None:
        parts = urlsplit(target)
        self.target = (parts.hostname or "127.0.0.1", parts.port or 6379)
        self.port = 0
        self.server: asyncio.Server | None = None
        self.writers: list[asyncio.StreamWriter] = []

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)
        self.port = self.server.sockets[0].getsockname()[1]

    async def cut(self) -> None:
        assert self.server is not None
        self.server.close()
        for writer in self.writers:
            writer.close()
        self.writers.clear()
        await self.server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(*self.target)
        self.writers += [writer, up_writer]

        async def pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            with contextlib.suppress(OSError):
                while data := await source.read(65536):
                    sink.write(data)
                    await sink.drain()
            sink.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))


async def test_live_updates_resume_when_redis_is_back(
    client: Client, settings: Settings, database_url: str
) -> None:
    station_id = add_station(database_url)
    proxy = RedisProxy(settings.redis_url)
    await proxy.start()
    proxied = dataclasses.replace(
        settings, redis_url=settings.redis_url.replace(f":{proxy.target[1]}", f":{proxy.port}")
    )
    hub = LiveHub(proxied, Partials(client.app))
    hub.start()
    try:
        with hub.listen(SLUG) as listener:
            await asyncio.wait_for(hub.subscribed.wait(), 5)
            await proxy.cut()  # Redis "down": the subscription breaks
            await wait_until_async(lambda: not hub.subscribed.is_set(), 5, "the hub unsubscribed")
            await proxy.start()  # back, on the same port
            await asyncio.wait_for(hub.subscribed.wait(), 15)
            publish_switch(settings, database_url, station_id, make_card("A", "B"), event="health")
            batch = await asyncio.wait_for(listener.get(), 2)
        assert batch is not None and batch[0].event == f"health-{SLUG}"
    finally:
        await hub.close()
        await proxy.cut()


# The statistics panel: figures that say what they count -------------------------------------------


async def test_play_figures_are_the_rows_on_plays_and_say_so(
    client: Client, mapper: TrackMapper
) -> None:
    await seed(mapper, ("Daft Punk", "One More Time", "a.mp4"))
    mapped = await mapper.resolve("Daft Punk", "One More Time")
    unmapped = await mapper.resolve("Nobody", "Nothing")
    assert (mapped.reason, unmapped.reason) == ("mapped", "default")
    started = datetime.now(UTC) - timedelta(minutes=30)
    for minute in range(3):
        for resolution in (mapped, unmapped):
            artist, title = (
                ("Daft Punk", "One More Time") if resolution is mapped else ("Nobody", "Nothing")
            )
            await mapper.record_play(
                SLUG, artist, title, resolution, started_at=started + timedelta(minutes=minute)
            )

    listed = (await client.get("/plays")).text
    assert len(page(listed).css("tr.play")) == 6
    listed_mapped = (await client.get("/plays", params={"reason": "mapped"})).text
    assert len(page(listed_mapped).css("tr.play")) == 3

    html = (await client.get("/")).text
    assert only(html, ".stat-plays-recorded").text() == "6"
    assert only(html, ".stat-plays-mapped").text() == "3"
    assert only(html, ".stat-average").text() == "3.0"  # the one mapping's three plays
    assert "Plays counted" not in html
    assert "Plays recorded are the rows on Plays" in only(html, ".stat-note").text()


@pytest.fixture
def own_redis(settings: Settings, clean_db: None) -> Iterator[Settings]:
    """The suite's settings on a Redis database of this test's own (number 15, emptied).

    The suite's session-wide live web server reports its cache to the shared database every
    10 s; in the exact sums below it would be a fifth process whenever its heartbeat fell inside
    the test.
    """
    parts = urlsplit(settings.redis_url)
    own = dataclasses.replace(settings, redis_url=urlunsplit(parts._replace(path="/15")))
    database = redis.Redis.from_url(own.redis_url)
    database.flushdb()
    yield own
    database.flushdb()
    database.close()


async def test_cache_figures_are_summed_over_every_process(own_redis: Settings, user: User) -> None:
    # The web process, the `mapper` fixture's, and two other processes' loops services (the
    # daemon's, a command's), each with its own cache.
    async with (
        AsyncTestClient(create_app(own_redis)) as client,
        opened(own_redis) as resources,
        opened(own_redis) as first_resources,
        opened(own_redis) as second_resources,
    ):
        assert (await log_in_client(client)).status_code == 303
        mapper = TrackMapper(resources)
        first, second = TrackMapper(first_resources), TrackMapper(second_resources)
        for service in (mapper, first, second):
            await service.start()
            await service.invalidation.subscribed.wait()  # subscribing empties the cache
        await seed(mapper, ("Daft Punk", "One More Time", "a.mp4"))
        for _ in range(3):
            await first.resolve("Daft Punk", "One More Time")  # a miss, then two hits
        for number in range(3):
            await second.resolve("Nobody", f"Nothing {number}")  # three misses

        async def panel() -> tuple[str, str, str]:
            html = (await client.get("/stats", headers={"HX-Request": "true"})).text
            hits, size, processes = (
                only(html, selector).text()
                for selector in (".cache-hits", ".cache-size", ".cache-processes")
            )
            return hits, size, processes

        # Every process reports what changed about every second.
        await wait_until_async(
            lambda: _equals(panel, ("2 / 4", "4 / 1000", "4")), 5, "the summed cache figures"
        )
        await second.close()  # a process that ends takes its cache size out, not its counts
        assert await panel() == ("2 / 4", "1 / 1000", "3")

        # The web process's own lookups count at once.
        answer = await client.get("/api/v1/resolve", params={"artist": "Bicep", "title": "Glue"})
        assert answer.status_code == 200
        assert await panel() == ("2 / 5", "2 / 1000", "3")
        stats = (await client.get("/api/v1/stats")).json()["cache"]
        assert (stats["hits"], stats["misses"], stats["size"]) == (2, 5, 2)
        await first.close()
        await mapper.close()
        note = only((await client.get("/")).text, ".stat-note").text()
    assert "summed over every process" in note


async def _equals(
    read: Callable[[], Awaitable[tuple[str, str, str]]], expected: tuple[str, str, str]
) -> bool:
    return await read() == expected
