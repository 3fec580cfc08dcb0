"""The Stations page through HTTP: list, add, edit, errors next to the field, enable/disable, the
webhook URL, the API key never shown back. Asserted on the HTML a person sees."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest
from selectolax.lexbor import LexborHTMLParser as HTMLParser
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain import channels
from domain.config import Settings
from domain.db import create_engine, create_sessionmaker
from domain.models import Play, Station, StationHealth
from domain.resources import Resources
from domain.stations import store as stations
from domain.stations.station_input import StationInput
from domain.stations.validation import FIELD_MAX
from tests.daemon_process import DaemonProcess
from tests.fakes.azuracast import FakeAzuraCast
from tests.fakes.icecast import FakeIcecast, FakeShoutcast, icecast_source
from tests.waiting import wait_until_async
from tests.web_fixtures import Client, free_port

HX = {"HX-Request": "true"}
XSS = "<script>alert(1)</script>"
ESCAPED_XSS = "&lt;script&gt;alert(1)&lt;/script&gt;"
API_KEY = "very-secret-api-key-1234"

Sessions = async_sessionmaker[AsyncSession]


@pytest.fixture
async def sessions(settings: Settings) -> AsyncIterator[Sessions]:
    engine = create_engine(settings, pool_size=1)
    yield create_sessionmaker(engine)
    await engine.dispose()


def form(**changes: str) -> dict[str, str]:
    values = {
        "name": "Radio One",
        "kind": "azuracast",
        "base_url": "https://radio.example.com",
        "shortcode": "radio_one",
        "transport": "",
        "poll_interval": "",
    }
    return values | changes


async def add(sessions: Sessions, settings: Settings, **changes: str) -> Station:
    return await stations.create_station(sessions, settings, StationInput(**form(**changes)))


def texts(html: str, selector: str) -> list[str]:
    return [node.text(separator=" ", strip=True) for node in HTMLParser(html).css(selector)]


def attribute(html: str, selector: str, name: str) -> str | None:
    node = HTMLParser(html).css_first(selector)
    assert node is not None, f"nothing matches {selector!r}"
    return node.attributes.get(name)


async def test_the_page_lists_stations_with_their_health(
    client: Client, sessions: Sessions, settings: Settings
) -> None:
    one = await add(sessions, settings, name="Radio One", transport="webhook")
    await add(
        sessions,
        settings,
        name="Ice",
        kind="icecast",
        base_url="http://ice:8000",
        mount="/live",
        transport="poll",
    )
    async with sessions.begin() as session:
        session.add(StationHealth(station_id=one.id, state="down", last_error="HTTP 500"))
    response = await client.get("/stations")
    assert response.status_code == 200
    html = response.text
    assert texts(html, "#stations-rows td.name a") == ["Ice", "Radio One"]
    assert texts(html, "#stations-rows td.kind") == ["Icecast", "AzuraCast"]
    assert "http://ice:8000 · /live" in texts(html, "#stations-rows td.source")
    assert texts(html, "#station-radio-one td.station-health") == ["down HTTP 500"]
    assert texts(html, "#station-ice td.station-health") == ["not watched yet"]
    assert texts(html, "#stations-rows td.transport") == ["poll every 10 s", "webhook"]
    assert attribute(html, 'nav a[href="/stations"]', "aria-current") == "page"


async def test_an_empty_list_opens_the_add_form(client: Client) -> None:
    response = await client.get("/stations")
    assert "No stations yet" in response.text
    details = HTMLParser(response.text).css_first("details.add-station")
    assert details is not None and "open" in details.attributes
    legends = texts(response.text, "#station-form legend")
    assert legends == ["Source", "Loops", "Hand-off", "Liquidsoap"]


async def test_adding_a_station_with_htmx_redirects_to_the_list(
    client: Client, sessions: Sessions
) -> None:
    response = await client.post(
        "/stations",
        data=form(api_key=API_KEY, live_loop="a.mp4", streamer_loops="DJ Kat = b.mp4"),
        headers=HX,
    )
    assert response.status_code == 200, response.text
    assert response.headers["HX-Redirect"] == "/stations?saved=radio-one#station-radio-one"
    listing = await client.get("/stations?saved=radio-one")
    assert texts(listing.text, "p.flash")[0].startswith("Saved Radio One.")
    station = await stations.get_station(sessions, "radio-one")
    assert station is not None
    assert (station.api_key, station.live_loop, station.streamer_loops) == (
        API_KEY,
        "a.mp4",
        {"DJ Kat": "b.mp4"},
    )


async def test_adding_without_javascript_redirects_too(client: Client) -> None:
    response = await client.post("/stations", data=form(), follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/stations?saved=radio-one")


async def test_an_error_comes_back_next_to_its_field_and_nothing_is_added(
    client: Client, sessions: Sessions
) -> None:
    response = await client.post(
        "/stations",
        data=form(base_url="https://radio.example.com", live_loop="missing.mp4", name="My radio"),
        headers=HX,
    )
    assert response.status_code == 422
    html = response.text
    assert html.lstrip().startswith("<form")  # the form alone, for htmx to swap
    assert attribute(html, "#station-live_loop", "aria-invalid") == "true"
    assert "does not exist" in texts(html, "#station-live_loop-error")[0]
    assert attribute(html, "#station-name", "value") == "My radio"  # what was typed stays
    assert await stations.list_stations(sessions) == []

    response = await client.post("/stations", data=form(kind="icecast", mount="live"))
    assert response.status_code == 422
    assert "<html" in response.text  # without htmx: the whole page
    assert "/radio.mp3" in texts(response.text, "#station-mount-error")[0]


async def test_editing_keeps_the_api_key_secret(
    client: Client, sessions: Sessions, settings: Settings
) -> None:
    station = await add(sessions, settings, api_key=API_KEY)
    page = await client.get(f"/stations/{station.id}/edit")
    assert page.status_code == 200
    assert API_KEY not in page.text
    assert "A key is set" in page.text
    assert attribute(page.text, "#station-name", "value") == "Radio One"

    response = await client.post(
        f"/stations/{station.id}", data=form(name="Radio Uno", poll_interval="5"), headers=HX
    )
    assert response.status_code == 200, response.text
    assert response.headers["HX-Redirect"].startswith("/stations?saved=radio-one")
    edited = await stations.get_station_by_id(sessions, station.id)
    assert (edited.name, edited.slug, edited.poll_interval, edited.api_key) == (
        "Radio Uno",
        "radio-one",
        5.0,
        API_KEY,
    )

    response = await client.post(
        f"/stations/{station.id}", data=form(poll_interval="0"), headers=HX
    )
    assert response.status_code == 422
    assert API_KEY not in response.text
    assert "1 to 3600" in texts(response.text, "#station-poll_interval-error")[0]

    response = await client.post(
        f"/stations/{station.id}", data=form(clear_api_key="on"), headers=HX
    )
    assert response.status_code == 200
    assert (await stations.get_station_by_id(sessions, station.id)).api_key is None


async def test_a_webhook_station_shows_its_url_and_secret(
    client: Client, sessions: Sessions, settings: Settings
) -> None:
    station = await add(sessions, settings, transport="webhook")
    page = await client.get(f"/stations/{station.id}/edit")
    url = texts(page.text, "#station-webhook-url")[0]
    assert url.endswith(f"/hooks/azuracast/radio-one?secret={station.webhook_secret}")
    assert url.startswith("http")
    assert attribute(page.text, "#station-webhook_secret", "value") == station.webhook_secret


async def test_disable_and_enable_swap_the_row(
    client: Client, sessions: Sessions, settings: Settings
) -> None:
    station = await add(sessions, settings)
    response = await client.post(f"/stations/{station.id}/disable", headers=HX)
    assert response.status_code == 200
    assert texts(f"<table>{response.text}</table>", "td.enabled") == ["disabled"]
    assert "Enable" in texts(f"<table>{response.text}</table>", "td.actions button")
    assert (await stations.get_station_by_id(sessions, station.id)).enabled is False
    response = await client.post(f"/stations/{station.id}/enable", follow_redirects=False)
    assert response.status_code == 303
    assert (await stations.get_station_by_id(sessions, station.id)).enabled is True


async def test_unknown_stations_are_not_found(client: Client) -> None:
    for method, path in [("GET", "/stations/99/edit"), ("POST", "/stations/99/disable")]:
        response = await client.request(method, path)
        assert response.status_code == 404, path
    response = await client.post("/stations/99", data=form())
    assert response.status_code == 404


async def test_a_hostile_station_name_is_escaped(
    client: Client, sessions: Sessions, settings: Settings
) -> None:
    station = await add(sessions, settings, name=XSS)
    for path in ("/stations", f"/stations/{station.id}/edit"):
        html = (await client.get(path)).text
        assert XSS not in html
        assert ESCAPED_XSS in html
    response = await client.post(
        "/stations", data=form(name="ok", base_url=f"https://x.example/{XSS}"), headers=HX
    )
    assert XSS not in response.text


async def test_the_loop_picker_offers_matching_files(client: Client) -> None:
    response = await client.get("/stations/loop-files", params={"live_loop": "sub"})
    assert response.status_code == 200
    assert [node.attributes["value"] for node in HTMLParser(response.text).css("option")] == [
        "sub/c.mp4"
    ]


async def test_the_page_needs_a_login_and_a_csrf_token(anon_client: Client, client: Client) -> None:
    response = await anon_client.get("/stations", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")
    headers: dict[str, Any] = {"x-csrftoken": ""}
    response = await client.post("/stations", data=form(), headers=headers)
    assert response.status_code == 403


async def test_a_hook_command_is_refused_while_hooks_are_off(
    client: Client, sessions: Sessions
) -> None:
    response = await client.post("/stations", data=form(hook_command="/bin/true"), headers=HX)
    assert response.status_code == 422
    error = texts(response.text, "#station-hook_command-error")[0]
    assert "command hooks are switched off" in error and "ALLOW_COMMAND_HOOKS=1" in error
    assert await stations.list_stations(sessions) == []


async def test_a_base_url_at_the_metadata_address_is_refused(
    client: Client, sessions: Sessions
) -> None:
    response = await client.post("/stations", data=form(base_url="http://0xa9fea9fe/"), headers=HX)
    assert response.status_code == 422
    error = texts(response.text, "#station-base_url-error")[0]
    assert "must not point at 0xa9fea9fe: 169.254.169.254 is link-local" in error
    assert await stations.list_stations(sessions) == []


async def test_a_new_base_url_drops_the_api_key_unless_typed_again(
    client: Client, sessions: Sessions, settings: Settings
) -> None:
    station = await add(sessions, settings, api_key=API_KEY)
    response = await client.post(
        f"/stations/{station.id}", data=form(base_url="https://other.example.net"), headers=HX
    )
    assert response.status_code == 200, response.text
    moved = await stations.get_station_by_id(sessions, station.id)
    assert (moved.base_url, moved.api_key) == ("https://other.example.net", None)
    page = await client.get(f"/stations/{station.id}/edit")
    assert "A key is set" not in page.text


# Every text field past its bound, as the form would send it: the field's own error, nothing kept.
TOO_LONG = {
    "name": ({"name": "x" * 101}, "Name must be at most 100 characters"),
    "base_url": (
        {"base_url": "https://radio.example.com/" + "a" * 2048},
        "Base URL must be at most 2048 characters",
    ),
    "shortcode": ({"shortcode": "s" * 101}, "AzuraCast shortcode must be at most 100 characters"),
    "mount": (
        {"kind": "icecast", "mount": "/" + "m" * 200, "transport": "poll"},
        "Icecast mount must be at most 200 characters",
    ),
    "api_key": ({"api_key": "k" * 501}, "API key must be at most 500 characters"),
    "webhook_secret": ({"webhook_secret": "s" * 101}, "Webhook secret must be 16-100 characters"),
    "live_loop": ({"live_loop": "a" * 4097}, "Live loop must be at most 4096 characters"),
    "offline_loop": ({"offline_loop": "a" * 4097}, "Offline loop must be at most 4096 characters"),
    "streamer_loops": (
        {"streamer_loops": "DJ = a.mp4\n" * 2000},
        "Streamer loops must be at most 20000 characters",
    ),
    "state_dir": ({"state_dir": "d" * 4097}, "State folder must be at most 4096 characters"),
    "symlink_path": ({"symlink_path": "l" * 4097}, "Symlink must be at most 4096 characters"),
    "hook_command": ({"hook_command": "h" * 2001}, "Hook command must be at most 2000 characters"),
    "liquidsoap_url": (
        {"liquidsoap_url": "telnet://ls:1234/" + "a" * 2048},
        "Liquidsoap URL must be at most 2048 characters",
    ),
    "liquidsoap_target": (
        {"liquidsoap_url": "telnet://127.0.0.1:1234", "liquidsoap_target": "v" * 101},
        "Liquidsoap variable or queue name must be at most 100 characters",
    ),
}


@pytest.mark.parametrize("field", list(TOO_LONG))
async def test_a_value_too_long_for_its_field_is_refused_by_name(
    client: Client, sessions: Sessions, settings: Settings, field: str
) -> None:
    changes, message = TOO_LONG[field]
    response = await client.post("/stations", data=form(**changes), headers=HX)
    assert response.status_code == 422, response.text[:500]
    assert message in texts(response.text, f"#station-{field}-error")[0]
    assert attribute(response.text, f"#station-{field}", "aria-invalid") == "true"
    assert await stations.list_stations(sessions) == []

    # The same value on an edit leaves the stored station as it was.
    station = await add(sessions, settings, api_key=API_KEY)
    response = await client.post(f"/stations/{station.id}", data=form(**changes), headers=HX)
    assert response.status_code == 422
    assert message in texts(response.text, f"#station-{field}-error")[0]
    kept = await stations.get_station_by_id(sessions, station.id)
    assert (kept.name, kept.base_url, kept.api_key, kept.updated_at) == (
        station.name,
        station.base_url,
        API_KEY,
        station.updated_at,
    )
    assert (kept.liquidsoap_target, kept.hook_command, kept.state_dir) == (None, None, None)


async def test_every_text_input_carries_its_bound(
    client: Client, sessions: Sessions, settings: Settings
) -> None:
    """The browser stops typing where the rule refuses: each text input and the streamer-loops
    box have the maxlength of domain.stations.validation.FIELD_MAX, on the add and edit forms."""
    station = await add(sessions, settings)
    for path in ("/stations", f"/stations/{station.id}/edit"):
        page = HTMLParser((await client.get(path)).text)
        inputs = page.css(
            "#station-form input:not([type=checkbox]):not([type=hidden]), #station-form textarea"
        )
        bounds = {node.attributes["name"]: node.attributes.get("maxlength") for node in inputs}
        assert bounds == {name: str(limit) for name, limit in FIELD_MAX.items()}, path


async def test_a_nul_character_is_refused_by_name(client: Client, sessions: Sessions) -> None:
    # PostgreSQL's text cannot hold one: before this check the insert failed as a 500.
    response = await client.post("/stations", data=form(name="Radio\x00One"), headers=HX)
    assert response.status_code == 422
    assert "must not contain a NUL character" in texts(response.text, "#station-name-error")[0]
    assert await stations.list_stations(sessions) == []


# Issue 10: every error at once, only the chosen source's fields, Test connection, Delete. ------


async def test_every_field_at_fault_is_reported_at_once_beside_itself(
    client: Client, sessions: Sessions
) -> None:
    bad = form(
        name="",
        shortcode="no spaces allowed",
        poll_interval="0",
        live_loop="missing.mp4",
        hook_timeout="forever",
    )
    response = await client.post("/stations", data=bad, headers=HX)
    assert response.status_code == 422
    html = response.text
    expected = {
        "name": "Name is required",
        "shortcode": "AzuraCast stations need their shortcode",
        "poll_interval": "Poll interval must be a number from 1 to 3600",
        "live_loop": "does not exist",
        "hook_timeout": "Hook timeout must be a number from 0.1 to 300",
    }
    for field, words in expected.items():
        assert words in texts(html, f"#station-{field}-error")[0], field
        assert attribute(html, f"#station-{field}", "aria-invalid") == "true", field
    assert texts(html, ".form-errors > p") == [
        "Not saved: 5 fields need a change, each marked below."
    ]
    assert len(texts(html, ".form-errors li")) == 5
    assert attribute(html, "#station-shortcode", "value") == "no spaces allowed"  # nothing lost
    assert await stations.list_stations(sessions) == []


def wrapper(page: HTMLParser, selector: str) -> dict[str, str | None]:
    """The attributes of the .field around the input `selector`."""
    node = page.css_first(selector)
    assert node is not None and node.parent is not None, selector
    return node.parent.attributes


async def test_each_source_field_says_which_source_and_transport_it_belongs_to(
    client: Client, sessions: Sessions, settings: Settings
) -> None:
    """static/stations.js hides the fields of the other sources and transport (browser test:
    tests/browser/test_stations.py); the page marks them, and shows them all without it."""
    station = await add(sessions, settings, transport="webhook")
    for path in ("/stations", f"/stations/{station.id}/edit"):
        page = HTMLParser((await client.get(path)).text)

        assert wrapper(page, "#station-shortcode")["data-kinds"] == "azuracast"
        assert wrapper(page, "#station-mount")["data-kinds"] == "icecast"
        assert wrapper(page, "#station-stream_id")["data-kinds"] == "shoutcast"
        assert wrapper(page, "#station-api_key")["data-kinds"] == "azuracast"
        assert wrapper(page, "#station-poll_interval")["data-modes"] == "poll"
        assert wrapper(page, "#station-webhook_secret")["data-modes"] == "webhook"
        assert not any("hidden" in node.attributes for node in page.css("#station-form .field"))
    assert wrapper(page, "#station-webhook-url")["data-modes"] == "webhook"


async def test_save_is_the_primary_button_and_disable_is_not(
    client: Client, sessions: Sessions, settings: Settings
) -> None:
    station = await add(sessions, settings)
    listing = await client.get("/stations")
    assert attribute(listing.text, "#station-radio-one td.actions button", "class") == "danger"
    edit = await client.get(f"/stations/{station.id}/edit")
    assert attribute(edit.text, ".form-actions button", "class") == "primary"
    assert texts(edit.text, ".form-actions button") == ["Save station"]
    assert attribute(edit.text, ".connection-check button", "class") == "plain"


@pytest.fixture
def azuracast() -> Iterator[FakeAzuraCast]:
    with FakeAzuraCast("radio_one") as server:
        yield server


async def check(client: Client, path: str = "/stations/check", **changes: str) -> str:
    response = await client.post(path, data=form(**changes), headers=HX)
    assert response.status_code == 200, response.text
    return texts(response.text, "p.connection-result")[0]


async def test_test_connection_reads_the_source_as_typed_and_saves_nothing(
    client: Client, sessions: Sessions, azuracast: FakeAzuraCast
) -> None:
    azuracast.set_track("Bicep", "Glue")
    where = azuracast.url.removeprefix("http://")
    said = await check(client, base_url=azuracast.url, live_loop="missing.mp4")
    assert said == f"Connected to {where}: Bicep \u2013 Glue · 3 listeners"  # as the fake counts
    assert azuracast.requests["nowplaying"] == 1
    azuracast.set_offline()
    said = await check(client, base_url=azuracast.url)
    assert said == f"Connected to {where}: the station is off the air · 0 listeners"
    assert await stations.list_stations(sessions) == []

    # Without JavaScript the button posts the form: the page comes back with the result, and
    # with what was typed.
    response = await client.post("/stations/check", data=form(base_url=azuracast.url))
    assert response.status_code == 200
    assert "<html" in response.text
    assert texts(response.text, "#station-connection p.connection-result")[0].startswith(
        f"Connected to {where}"
    )
    assert attribute(response.text, "#station-base_url", "value") == azuracast.url


async def test_test_connection_says_why_it_failed_in_plain_words(
    client: Client, azuracast: FakeAzuraCast
) -> None:
    port = free_port()
    failures = {
        "could not resolve radio.invalid": {"base_url": "http://radio.invalid"},
        f"connection refused by 127.0.0.1:{port}": {"base_url": f"http://127.0.0.1:{port}"},
        f"HTTP 404 from {azuracast.url}/api/nowplaying/wrong: check the shortcode": {
            "base_url": azuracast.url,
            "shortcode": "wrong",
        },
    }
    for words, changes in failures.items():
        said = await check(client, **changes)
        assert said.startswith(f"Could not read the station: {words}"), said
        assert "Errno" not in said
    azuracast.fail("html")
    said = await check(client, base_url=azuracast.url)
    assert said == "Could not read the station: an HTML page, not JSON ('Site under maintenance')"
    azuracast.fail("stall")
    said = await check(client, base_url=azuracast.url)
    assert said == "Could not read the station: timed out after 5 s", said
    azuracast.recover()
    # Fields the read needs, at fault: named, and nothing is fetched.
    said = await check(client, base_url="ftp://x", shortcode="")
    assert said.startswith("Could not read the station: Fix the source first: Base URL must")
    assert "shortcode" in said


async def test_test_connection_reads_icecast_and_shoutcast_too(client: Client) -> None:
    icecast, shoutcast = FakeIcecast(), FakeShoutcast()
    try:
        icecast.set_sources(icecast_source("/live", "Glue", artist="Bicep", listeners=7))
        said = await check(client, kind="icecast", base_url=icecast.url, mount="/live")
        where = icecast.url.removeprefix("http://")
        assert said == f"Connected to {where}: Bicep \u2013 Glue · 7 listeners"
        said = await check(client, kind="icecast", base_url=icecast.url, mount="/other")
        assert said == "Could not read the station: no mount /other in status (mounts: /live)"
        said = await check(client, kind="shoutcast", base_url=icecast.url)
        assert said == (
            f"Could not read the station: HTTP 404 from {icecast.url}/stats?sid=1&json=1:"
            " check the base URL and the stream id"
        )
        shoutcast.set_stream(2, "Bicep - Glue", listeners=4)
        said = await check(client, kind="shoutcast", base_url=shoutcast.url, stream_id="2")
        where = shoutcast.url.removeprefix("http://")
        assert said == f"Connected to {where}: Bicep \u2013 Glue · 4 listeners"
    finally:
        icecast.close()
        shoutcast.close()


async def test_test_connection_on_the_edit_form_uses_the_stored_api_key(
    client: Client, sessions: Sessions, settings: Settings, azuracast: FakeAzuraCast
) -> None:
    station = await add(sessions, settings, base_url=azuracast.url, api_key=API_KEY)
    said = await check(client, f"/stations/{station.id}/check", base_url=azuracast.url)
    assert said.startswith("Connected to"), said
    assert azuracast.last_headers["nowplaying"]["X-API-Key"] == API_KEY
    # A new base URL does not get the stored key (as on saving).
    other = FakeAzuraCast("radio_one")
    try:
        said = await check(client, f"/stations/{station.id}/check", base_url=other.url)
        assert said.startswith("Connected to"), said
        assert "X-API-Key" not in other.last_headers["nowplaying"]
    finally:
        other.close()
    assert await stations.get_station_by_id(sessions, station.id) is not None
    response = await client.post("/stations/99/check", data=form(), headers=HX)
    assert response.status_code == 404


async def test_deleting_a_station_keeps_its_plays_and_tells_the_daemon(
    client: Client, sessions: Sessions, settings: Settings, resources: Resources
) -> None:
    station = await add(sessions, settings)
    async with sessions.begin() as session:
        session.add(StationHealth(station_id=station.id, state="connected"))
        session.add(
            Play(
                station=station.slug, station_id=station.id, artist="Bicep", title="Glue",
                loop_path="a.mp4", reason="mapped",
            )
        )  # fmt: skip
    await resources.redis.set(channels.station_pin(settings, station.slug), "{}")
    edit = await client.get(f"/stations/{station.id}/edit")
    confirm = attribute(edit.text, ".danger-zone form", "hx-confirm")
    assert confirm == "Delete the station Radio One? Its plays stay in history."
    async with resources.redis.pubsub() as pubsub:
        await pubsub.subscribe(channels.stations_changed(settings))
        confirmation = await pubsub.get_message(timeout=2)
        assert confirmation is not None and confirmation["type"] == "subscribe"
        response = await client.post(f"/stations/{station.id}/delete", headers=HX)
        assert response.status_code == 200
        assert response.headers["HX-Redirect"] == "/stations?deleted=Radio%20One"
        announced = await pubsub.get_message(ignore_subscribe_messages=True, timeout=2)
        assert announced is not None and announced["data"] == channels.STATIONS_CHANGED.encode()
    assert await stations.list_stations(sessions) == []
    # Its pin goes too: a new station of the same name must not inherit it.
    assert await resources.redis.get(channels.station_pin(settings, station.slug)) is None
    listing = await client.get("/stations?deleted=Radio%20One")
    assert texts(listing.text, "p.flash")[0].startswith("Deleted Radio One.")
    plays = await client.get("/plays")
    assert texts(plays.text, "td.station") == ["radio-one (deleted)"]
    assert texts(plays.text, 'select[name=station] option[value="radio-one"]') == [
        "radio-one (deleted)"
    ]  # its plays can still be filtered
    filtered = await client.get("/plays", params={"station": "radio-one"})
    assert texts(filtered.text, "td.track .track-name") == ["Bicep \u2013 Glue"]
    async with sessions() as session:
        kept = (await session.scalars(select(Play))).one()
    assert (kept.station, kept.station_id, kept.title) == ("radio-one", None, "Glue")

    response = await client.post(f"/stations/{station.id}/delete", follow_redirects=False)
    assert response.status_code == 404


async def test_deleting_without_javascript_redirects_and_escapes_the_name(
    client: Client, sessions: Sessions, settings: Settings
) -> None:
    station = await add(sessions, settings, name=XSS)
    response = await client.post(f"/stations/{station.id}/delete", follow_redirects=False)
    assert response.status_code == 303
    listing = await client.get(response.headers["location"])
    assert XSS not in listing.text
    assert f"Deleted {ESCAPED_XSS}." in listing.text


async def test_the_daemon_stops_watching_a_deleted_station(
    client: Client,
    sessions: Sessions,
    settings: Settings,
    azuracast: FakeAzuraCast,
    start_daemon: Callable[..., DaemonProcess],
) -> None:
    station = await add(sessions, settings, base_url=azuracast.url, transport="poll")
    daemon = start_daemon()
    try:
        daemon.wait_for_log(r"station radio-one: leading it", within=20)
        await wait_until_async(lambda: azuracast.requests["nowplaying"] >= 1, 10, "a poll")
        response = await client.post(f"/stations/{station.id}/delete", headers=HX)
        assert response.status_code == 200
        daemon.wait_for_log(r"station radio-one: no longer watching it", within=10)
        polls = azuracast.requests["nowplaying"]
        exit_code, _ = daemon.terminate()
        assert exit_code == 0, daemon.log()[-3000:]
        assert azuracast.requests["nowplaying"] <= polls + 1  # at most the one in flight
        assert daemon.count(r"Traceback|cannot store station health") == 0, daemon.log()[-3000:]
    finally:
        daemon.stop()
