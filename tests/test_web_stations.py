"""The Stations page through HTTP: list, add, edit, errors next to the field, enable/disable, the
webhook URL, the API key never shown back. Asserted on the HTML a person sees."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from selectolax.lexbor import LexborHTMLParser as HTMLParser
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.config import Settings
from domain.db import create_engine, create_sessionmaker
from domain.models import Station, StationHealth
from domain.stations import store as stations
from domain.stations.station_input import StationInput
from domain.stations.validation import FIELD_MAX
from tests.web_fixtures import Client

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
