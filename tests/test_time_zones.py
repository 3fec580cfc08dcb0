"""Times in the viewer's zone: DISPLAY_TIMEZONE (checked at start), each user's own zone on the
Account page, every page's times through one filter, data and the CSV export in UTC."""

from __future__ import annotations

import asyncio
import dataclasses
import subprocess
import sys
from datetime import UTC, datetime
from typing import cast
from zoneinfo import ZoneInfo

import psycopg
import pytest
from litestar.testing import AsyncTestClient

from domain.config import ConfigError, Settings, load_settings
from domain.models import User
from tests.daemon_process import SLUG, add_mapping, add_station
from tests.test_config import GOOD
from tests.test_dashboard import add_play, make_card, publish_switch, store_health
from tests.test_web_pages import only, texts
from tests.waiting import wait_until_async
from tests.web_fixtures import Client, log_in_client
from web.accounts.auth import USER_CACHE_SECONDS
from web.app import create_app
from web.dashboard.live import LiveHub, event_stream

WINTER_PLAY = datetime(2026, 1, 15, 13, 0, tzinfo=UTC)  # 14:00 in Berlin (CET, UTC+1)


def set_zone(database_url: str, username: str, zone: str | None) -> None:
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("UPDATE users SET time_zone = %s WHERE username = %s", (zone, username))


# The setting ------------------------------------------------------------------------------------


def test_display_timezone_defaults_to_utc_and_takes_iana_names() -> None:
    assert load_settings(GOOD).display_timezone == "UTC"
    assert load_settings({**GOOD, "DISPLAY_TIMEZONE": "Europe/Berlin"}).display_timezone == (
        "Europe/Berlin"
    )


@pytest.mark.parametrize("value", ["Mars/Olympus", "europe/berlin", "../etc/passwd", "CET+1"])
def test_a_bad_display_timezone_is_refused_naming_the_variable(value: str) -> None:
    expected = "DISPLAY_TIMEZONE must be an IANA time zone name like Europe/Berlin or UTC"
    with pytest.raises(ConfigError, match=expected):
        load_settings({**GOOD, "DISPLAY_TIMEZONE": value})


def test_a_bad_display_timezone_stops_start_up_with_one_line() -> None:
    env = {"PATH": "/usr/bin:/bin", **GOOD, "DISPLAY_TIMEZONE": "Mars/Olympus"}
    result = subprocess.run(
        [sys.executable, "-m", "cli", "stats"], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "crateloop: configuration error: DISPLAY_TIMEZONE must be an IANA time zone name like"
        " Europe/Berlin or UTC (got 'Mars/Olympus')"
    ]


# Pages ------------------------------------------------------------------------------------------


async def test_a_user_in_berlin_sees_a_13_00z_winter_play_at_14_00(
    client: Client, user: User, database_url: str
) -> None:
    add_play(database_url, "Artist", "Winter", started_at=WINTER_PLAY)
    set_zone(database_url, user.username, "Europe/Berlin")
    html = (await client.get("/plays")).text
    cell = only(html, "td.started time")
    assert cell.text() == "2026-01-15 14:00:00 CET"
    assert cell.attributes["datetime"] == "2026-01-15T13:00:00+00:00"  # the instant, in UTC
    assert cell.attributes["title"] == "2026-01-15 13:00:00 UTC"
    # Summer time is the zone's business, not ours.
    add_play(database_url, "Artist", "Summer", started_at=WINTER_PLAY.replace(month=7))
    html = (await client.get("/plays")).text
    assert texts(html, "td.started time") == ["2026-07-15 15:00:00 CEST", "2026-01-15 14:00:00 CET"]


async def test_users_without_their_own_zone_read_display_timezone(
    settings: Settings, user: User, database_url: str
) -> None:
    add_play(database_url, "Artist", "Winter", started_at=WINTER_PLAY)
    tokyo = dataclasses.replace(settings, display_timezone="Asia/Tokyo")
    async with AsyncTestClient(create_app(tokyo)) as viewer:
        assert (await log_in_client(viewer)).status_code == 303
        html = (await viewer.get("/plays")).text
        assert texts(html, "td.started time") == ["2026-01-15 22:00:00 JST"]
        # Their own choice wins over the installation's.
        viewer.headers["x-csrftoken"] = viewer.cookies["csrftoken"]
        saved = await viewer.post("/account/time-zone", data={"time_zone": "Europe/Berlin"})
        assert texts(saved.text, ".flash time")[0].endswith(" CET")
        # Every other page within the few seconds the signed-in user is cached for.

        async def in_berlin() -> bool:
            html = (await viewer.get("/plays")).text
            return texts(html, "td.started time") == ["2026-01-15 14:00:00 CET"]

        await wait_until_async(
            in_berlin, USER_CACHE_SECONDS + 5, "the plays page in CET", every=0.5
        )


async def test_the_dashboard_shows_times_in_the_viewers_zone(
    client: Client, user: User, database_url: str
) -> None:
    station_id = add_station(database_url)
    store_health(database_url, station_id, None, since=WINTER_PLAY.timestamp())
    add_play(database_url, "Artist", "Winter", started_at=WINTER_PLAY)
    set_zone(database_url, user.username, "Europe/Berlin")
    add_play(database_url, "Artist", "Now")  # the chart shows the last 24 hours
    html = (await client.get("/")).text
    assert texts(html, ".health-state time") == ["2026-01-15 14:00:00 CET"]
    assert texts(html, ".recent-plays time")[-1] == "14:00 CET"
    assert "hours (Europe/Berlin)" in only(html, "#chart-plays desc").text()
    # The Plays page draws the same chart, in the same zone.
    plays = (await client.get("/plays")).text
    assert "hours (Europe/Berlin)" in only(plays, "#chart-plays desc").text()


async def test_the_csv_export_stays_utc(client: Client, user: User, database_url: str) -> None:
    add_play(database_url, "Artist", "Winter", started_at=WINTER_PLAY)
    set_zone(database_url, user.username, "Europe/Berlin")
    csv = (await client.get("/plays.csv")).text
    assert "2026-01-15T13:00:00+00:00" in csv
    assert "14:00" not in csv


# The Account page -------------------------------------------------------------------------------


async def test_choosing_a_zone_on_the_account_page(
    client: Client, user: User, database_url: str
) -> None:
    page = await client.get("/account")
    assert page.status_code == 200
    assert only(page.text, "select#time_zone option[selected]").attributes["value"] == ""
    saved = await client.post(
        "/account/time-zone", data={"time_zone": "Europe/Berlin"}, follow_redirects=False
    )
    assert (saved.status_code, saved.headers["location"]) == (303, "/account?saved=true")
    page = await client.get("/account?saved=true")
    chosen = only(page.text, "select#time_zone option[selected]")
    assert chosen.attributes["value"] == "Europe/Berlin"
    assert "Time zone saved" in only(page.text, ".flash").text()
    # Back to the installation's default.
    await client.post("/account/time-zone", data={"time_zone": ""})
    with psycopg.connect(database_url) as conn:
        row = conn.execute("SELECT time_zone FROM users WHERE id = %s", (user.id,)).fetchone()
    assert row == (None,)


async def test_a_bad_zone_is_refused_with_a_clear_message_and_nothing_changes(
    client: Client, user: User, database_url: str
) -> None:
    set_zone(database_url, user.username, "Europe/Berlin")
    answer = await client.post("/account/time-zone", data={"time_zone": "<b>Mars/Olympus</b>"})
    assert answer.status_code == 400
    assert texts(answer.text, "#zone-form-time_zone-error") == [
        "time_zone must be an IANA time zone name like Europe/Berlin or UTC"
        " (got '<b>Mars/Olympus</b>')"
    ]
    assert "<b>Mars" not in answer.text  # escaped
    # What was sent stays chosen, so it can be corrected.
    chosen = only(answer.text, "select#time_zone option[selected]")
    assert chosen.attributes["value"] == "<b>Mars/Olympus</b>"
    with psycopg.connect(database_url) as conn:
        row = conn.execute("SELECT time_zone FROM users WHERE id = %s", (user.id,)).fetchone()
    assert row == ("Europe/Berlin",)


async def test_live_updates_reach_each_stream_in_its_own_zone(
    client: Client, settings: Settings, database_url: str
) -> None:
    station_id = add_station(database_url)
    hub = cast(LiveHub, client.app.state.live_hub)
    await asyncio.wait_for(hub.subscribed.wait(), 5)
    streams = {
        "UTC": event_stream(hub, SLUG, [], UTC),
        "CET": event_stream(hub, SLUG, [], ZoneInfo("Europe/Berlin")),
    }
    try:
        for stream in streams.values():
            await anext(stream)  # ": connected"
        publish_switch(settings, database_url, station_id, make_card("Four Tet", "Baby"))
        for zone, stream in streams.items():
            while (message := await asyncio.wait_for(anext(stream), 2)).event != f"health-{SLUG}":
                pass
            shown = texts(str(message.data), ".last-switch time")
            assert len(shown) == 1 and shown[0].endswith(f" {zone}"), (zone, shown)
    finally:
        for stream in streams.values():
            await stream.aclose()


async def test_the_loops_page_shows_last_played_in_the_viewers_zone(
    client: Client, user: User, database_url: str
) -> None:
    add_mapping(database_url, "Artist", "Title", "a.mp4")
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("UPDATE track_mappings SET last_played_at = %s", (WINTER_PLAY,))
    # The Account page (which reads the zone afresh) saves it for every page; the loops rows
    # come from a macro, which sees the viewer through its import `with context`.
    await client.post("/account/time-zone", data={"time_zone": "Asia/Kolkata"})

    async def in_kolkata() -> bool:
        return "2026-01-15 18:30 IST" in texts((await client.get("/loops")).text, "td time")

    await wait_until_async(in_kolkata, USER_CACHE_SECONDS + 5, "/loops in IST", every=0.5)
