"""AzuraCast's Generic Web Hook over HTTP: the station's secret (a header, bearer or basic auth,
or the query), no login or CSRF token needed, and the body published on the station's webhook
channel; a query secret never reaches the access log."""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import json
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
import redis.asyncio as aioredis
from redis.asyncio.client import PubSub
from selectolax.lexbor import LexborHTMLParser as HTMLParser
from sqlalchemy import select

from daemon.station_status import StationStatus
from daemon.status_board import StatusBoard
from daemon.watch import StationWatch, webhook_health
from domain import channels
from domain.config import Settings
from domain.db import create_engine, create_sessionmaker
from domain.models import StationHealth
from domain.nowplaying import AzuraCastSource, NowPlaying
from domain.resources import Resources
from domain.stations import store as stations
from domain.stations.events import Health, HealthState
from domain.stations.health import save_health
from domain.stations.store import StationConfig
from tests.daemon_process import DaemonProcess, add_station
from tests.fakes.azuracast import FakeAzuraCast
from tests.waiting import wait_until_async
from tests.web_fixtures import Client

SECRET = "hook-secret-0123456789abcdef"
NOW_PLAYING = {
    "station": {"shortcode": "main"},
    "is_online": True,
    "now_playing": {
        "sh_id": 42,
        "song": {"artist": "Bicep", "title": "Glue", "text": "Bicep - Glue"},
    },
}


@pytest.fixture
def station(database_url: str, anon_client: Client) -> int:
    """The webhook station "main"; its id."""
    return add_station(database_url, "main", "Main", transport="webhook", webhook_secret=SECRET)


@pytest.fixture
async def feed(settings: Settings) -> AsyncIterator[PubSub]:
    """A subscription to the webhook channel of the station "main"."""
    client = aioredis.Redis.from_url(settings.redis_url)
    async with client.pubsub() as pubsub:
        await pubsub.subscribe(settings.channel("webhook:main"))
        confirmation = await pubsub.get_message(timeout=2)
        assert confirmation is not None and confirmation["type"] == "subscribe"
        yield pubsub
    await client.aclose()


async def received(pubsub: PubSub) -> object:
    message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=2)
    return None if message is None else json.loads(message["data"])


def log_text(path: Path) -> str:
    return path.read_text(errors="replace")


async def nothing_received(pubsub: PubSub) -> bool:
    return await pubsub.get_message(ignore_subscribe_messages=True, timeout=0.3) is None


async def test_a_good_hook_is_published_for_the_daemon(
    anon_client: Client, station: int, feed: PubSub
) -> None:
    response = await anon_client.post(f"/hooks/azuracast/main?secret={SECRET}", json=NOW_PLAYING)
    assert response.status_code == 200, response.text
    assert response.text.strip() == "ok"
    assert await received(feed) == NOW_PLAYING


async def test_basic_auth_carries_the_secret_too(
    anon_client: Client, station: int, feed: PubSub
) -> None:
    token = base64.b64encode(f"azuracast:{SECRET}".encode()).decode()
    response = await anon_client.post(
        "/hooks/azuracast/main",
        content=json.dumps(NOW_PLAYING),
        headers={"Authorization": f"Basic {token}", "Content-Type": "application/json"},
    )
    assert response.status_code == 200, response.text
    assert await received(feed) == NOW_PLAYING


@pytest.mark.parametrize(
    "headers",
    [{"X-Webhook-Secret": SECRET}, {"Authorization": f"Bearer {SECRET}"}],
)
async def test_a_header_carries_the_secret(
    anon_client: Client, station: int, feed: PubSub, headers: dict[str, str]
) -> None:
    response = await anon_client.post("/hooks/azuracast/main", json=NOW_PLAYING, headers=headers)
    assert response.status_code == 200, response.text
    assert await received(feed) == NOW_PLAYING


async def test_the_access_log_never_shows_a_query_secret(
    live_server: str, live_server_log: Path, station: int, feed: PubSub
) -> None:
    async with httpx.AsyncClient(base_url=live_server) as http:
        response = await http.post(
            f"/hooks/azuracast/main?secret={SECRET}&note=kept", json=NOW_PLAYING
        )
    assert response.status_code == 200
    assert await received(feed) == NOW_PLAYING

    def logged() -> bool:
        return "/hooks/azuracast/main?secret=" in log_text(live_server_log)

    await wait_until_async(logged, 5, "the hook's access-log line")
    text = log_text(live_server_log)
    assert SECRET not in text
    assert "/hooks/azuracast/main?secret=[redacted]&note=kept" in text


@pytest.mark.parametrize(
    "auth",
    [
        {"params": {"secret": "wrong-secret-0123456789"}},
        {"params": {"secret": SECRET[:-1]}},
        {},
        {"headers": {"Authorization": "Basic " + base64.b64encode(b"azuracast:nope").decode()}},
        {"headers": {"Authorization": "Basic !!!not-base64"}},
        {"headers": {"Authorization": "Bearer wrong-secret-0123456789"}},
        {"headers": {"X-Webhook-Secret": SECRET[:-1]}},
        # A header is the secret given: a right one in the query does not rescue a wrong header.
        {"headers": {"X-Webhook-Secret": "nope"}, "params": {"secret": SECRET}},
        {"headers": {"Authorization": f"Token {SECRET}"}},
    ],
)
async def test_a_wrong_or_missing_secret_is_refused(
    anon_client: Client, station: int, feed: PubSub, auth: dict[str, dict[str, str]]
) -> None:
    response = await anon_client.post("/hooks/azuracast/main", json=NOW_PLAYING, **auth)  # type: ignore[arg-type]
    assert response.status_code == 403
    assert "secret" in response.text
    assert await nothing_received(feed)


async def test_unknown_or_non_webhook_stations_are_not_found(
    anon_client: Client, settings: Settings, database_url: str, station: int
) -> None:
    add_station(database_url, "pushed", "Pushed")  # fed by push: no hook
    for slug in ("nope", "pushed"):
        response = await anon_client.post(
            f"/hooks/azuracast/{slug}?secret={SECRET}", json=NOW_PLAYING
        )
        assert response.status_code == 404, slug
    engine = create_engine(settings, pool_size=1)
    await stations.set_enabled(create_sessionmaker(engine), settings, station, False)
    await engine.dispose()
    response = await anon_client.post(f"/hooks/azuracast/main?secret={SECRET}", json=NOW_PLAYING)
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b"{not json", "invalid JSON"),
        (b"", "invalid JSON"),
        (b"\xff\xfe", "invalid JSON"),
        (b"[1, 2]", "JSON object"),
        (b'"text"', "JSON object"),
    ],
)
async def test_a_body_that_is_not_a_json_object_is_a_bad_request(
    anon_client: Client, station: int, feed: PubSub, body: bytes, words: str
) -> None:
    response = await anon_client.post(
        f"/hooks/azuracast/main?secret={SECRET}",
        content=body,
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert words in response.text
    assert await nothing_received(feed)


async def test_an_oversized_body_is_refused(
    anon_client: Client, station: int, feed: PubSub
) -> None:
    huge = json.dumps({"padding": "x" * (1024 * 1024)}).encode()
    response = await anon_client.post(
        f"/hooks/azuracast/main?secret={SECRET}",
        content=huge,
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert await nothing_received(feed)


async def test_a_chunked_oversized_body_is_refused_by_the_real_server(
    live_server: str, station: int, feed: PubSub
) -> None:
    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: counted while reading
        for _ in range(20):
            yield b" " * 65536
        yield b"{}"

    async with httpx.AsyncClient(base_url=live_server) as http:
        response = await http.post(
            f"/hooks/azuracast/main?secret={SECRET}",
            content=chunks(),
            headers={"Content-Type": "application/json"},
        )
        assert response.status_code == 413
        assert await nothing_received(feed)
        response = await http.post(f"/hooks/azuracast/main?secret={SECRET}", json=NOW_PLAYING)
        assert response.status_code == 200
        assert await received(feed) == NOW_PLAYING


async def test_the_hook_needs_no_session_and_pages_still_do(
    anon_client: Client, station: int
) -> None:
    # The same anonymous client is sent to the login page for anything but the hook.
    response = await anon_client.post("/loops", data={"artist": "a"}, follow_redirects=False)
    assert response.status_code in (303, 401, 403)
    response = await anon_client.post(f"/hooks/azuracast/main?secret={SECRET}", json={})
    assert response.status_code == 200


async def test_a_deeply_nested_body_is_a_400_and_nothing_published(
    anon_client: Client, station: int, feed: PubSub
) -> None:
    response = await anon_client.post(
        "/hooks/azuracast/main", content="[" * 100_000, headers={"X-Webhook-Secret": SECRET}
    )
    assert response.status_code == 400
    assert "nested too deeply" in response.text
    assert await nothing_received(feed)


# Health of a webhook station: it comes from the webhooks, not from the safety poll. -------------


@pytest.mark.parametrize(
    ("heard", "silent_for", "polled", "expected"),
    [
        (True, 60.0, False, (HealthState.CONNECTED, None)),  # the poll failing is no news
        (True, 60.0, True, (HealthState.CONNECTED, None)),
        (False, 60.0, False, (None, None)),  # waiting for the first webhook
        (False, 60.0, True, (HealthState.POLLING, None)),
        (True, 960.0, False, (HealthState.DOWN, "no webhook for 16 min")),
        (True, 960.0, True, (HealthState.POLLING, "no webhook for 16 min; polling works")),
        (False, 900.0, False, (HealthState.DOWN, "no webhook in the 15 min since start")),
    ],
)
def test_webhook_health_follows_the_webhooks(
    heard: bool, silent_for: float, polled: bool, expected: tuple[HealthState | None, str | None]
) -> None:
    assert webhook_health(heard, silent_for, 900.0, polled) == expected


async def test_failing_safety_polls_leave_a_station_whose_webhooks_arrive_connected(
    resources: Resources, settings: Settings, database_url: str
) -> None:
    """The issue: the safety poll could not reach the station (a firewall between), so the
    station showed `down` ("cannot connect") while its webhooks arrived."""
    with FakeAzuraCast("main") as fake:
        fake.fail("500")
        station_id = add_station(
            database_url, "main", "Main", transport="webhook", webhook_secret=SECRET,
            shortcode="main", base_url=fake.url,
        )  # fmt: skip
        row = await stations.get_station_by_id(resources.sessions, station_id)
        # Safety polls ten times a second (the table allows 1 s at least): the test is short.
        config = dataclasses.replace(StationConfig.of(row), poll_interval=0.1)
        status = StationStatus(
            station_id, "main", StatusBoard(settings, resources.engine, resources.redis)
        )
        heard: list[NowPlaying] = []
        watch = StationWatch(
            config, AzuraCastSource(fake.url, "main", None, resources.http), status, heard.append,
            settings=settings, redis=resources.redis, safety_poll=0.1, webhook_silence=3.0,
        )  # fmt: skip
        channel = channels.webhook(settings, "main")

        async def subscribed() -> bool:
            return dict(await resources.redis.pubsub_numsub(channel)).get(channel.encode(), 0) > 0

        task = asyncio.create_task(watch.run())
        try:
            await wait_until_async(subscribed, 5, "the watch listening for webhooks")
            await wait_until_async(lambda: fake.requests["nowplaying"] >= 2, 3, "two polls")
            assert status.state == HealthState.STARTING  # failing polls, no webhook yet
            await resources.redis.publish(channel, json.dumps(NOW_PLAYING))
            await wait_until_async(lambda: status.state == HealthState.CONNECTED, 3, "connected")
            assert [playing.track.title for playing in heard if playing.track] == ["Glue"]
            polls = fake.requests["nowplaying"]
            await wait_until_async(lambda: fake.requests["nowplaying"] >= polls + 2, 3, "polls")
            assert status.state == HealthState.CONNECTED
            # Silence past webhook_silence: down, saying so.
            await wait_until_async(lambda: status.state == HealthState.DOWN, 10, "down")
            assert status.health.last_error == "no webhook for 0 min"
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)


async def test_webhooks_arriving_show_the_station_connected_on_the_pages(
    client: Client,
    resources: Resources,
    settings: Settings,
    database_url: str,
    start_daemon: Callable[..., DaemonProcess],
) -> None:
    """End to end: webhook posts → web → Redis → the real daemon → the Stations page and the
    dashboard. The station's own API cannot be reached (nothing listens at its base URL)."""
    add_station(database_url, "main", "Main", transport="webhook", webhook_secret=SECRET)
    daemon = start_daemon()
    channel = channels.webhook(settings, "main")

    async def subscribed() -> bool:
        return dict(await resources.redis.pubsub_numsub(channel)).get(channel.encode(), 0) > 0

    try:
        await wait_until_async(subscribed, 20, "the daemon listening for webhooks")
        response = await client.post(f"/hooks/azuracast/main?secret={SECRET}", json=NOW_PLAYING)
        assert response.status_code == 200, response.text

        async def shown() -> bool:
            page = HTMLParser((await client.get("/")).text)
            title = page.css_first("#station-main .np-title")
            return title is not None and title.text(strip=True) == "Glue"

        await wait_until_async(shown, 10, "the dashboard card showing Glue")
        listing = HTMLParser((await client.get("/stations")).text)
        health = listing.css_first("#station-main td.station-health")
        assert health is not None
        assert health.text(separator=" ", strip=True) == "connected"
        assert daemon.count(r"Traceback") == 0, daemon.log()[-3000:]
    finally:
        daemon.stop()


async def test_health_of_a_station_deleted_meanwhile_is_dropped(resources: Resources) -> None:
    """The daemon may report once more after a station is deleted: no error, nothing stored."""
    await save_health(
        resources.engine, 999, Health(state=HealthState.CONNECTED, since=datetime.now(UTC)), None
    )
    async with resources.sessions() as session:
        assert (await session.scalars(select(StationHealth))).all() == []
