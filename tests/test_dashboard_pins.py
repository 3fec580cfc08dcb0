"""Switch now on the dashboard and over the API: the card's pin part, what each role sees, the
pin stored (and announced) in Redis, refusals that name the field and store nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from domain.config import Settings
from domain.models import Role, User
from domain.resources import Resources
from domain.stations import pins
from tests.daemon_process import add_station
from tests.test_web_pages import only, page, texts
from tests.web_fixtures import Client, logged_in, make_api_token, make_user

HTMX = {"HX-Request": "true"}


@pytest.fixture
def station_id(database_url: str, user: User) -> int:
    return add_station(database_url, "radio", name="Radio")


async def stored(resources: Resources) -> pins.Pin | None:
    return await pins.get_pin(resources.redis, resources.settings, "radio")


async def test_switch_now_pins_shows_and_unpins(
    client: Client, station_id: int, resources: Resources
) -> None:
    channel = resources.redis.pubsub()
    await channel.subscribe(resources.settings.channel("pins"))
    await channel.get_message(timeout=1)  # the subscription's confirmation
    try:
        form = {"loop_path": "sub/c.mp4", "until": "unpinned"}
        answer = await client.post("/pins/radio", data=form, headers=HTMX)
        assert answer.status_code == 200, answer.text
        assert texts(answer.text, ".pinned .pin-loop") == ["sub/c.mp4"]
        assert texts(answer.text, ".pinned .pin-until") == ["until unpinned"]
        assert texts(answer.text, "button.unpin") == ["Unpin"]
        pin = await stored(resources)
        assert pin is not None and (pin.loop_path, pin.mode, pin.set_by) == (
            "sub/c.mp4",
            pins.PinMode.UNPINNED,
            "operator",
        )
        announced = await channel.get_message(ignore_subscribe_messages=True, timeout=2)
        assert announced is not None and announced["data"] == b"radio"
    finally:
        await channel.aclose()  # type: ignore[no-untyped-call]

    dashboard = await client.get("/")
    card = only(dashboard.text, "#station-radio .pin")
    assert "pinned: sub/c.mp4 until unpinned" in " ".join(card.text().split())

    answer = await client.post("/pins/radio/unpin", headers=HTMX)
    assert answer.status_code == 200
    assert texts(answer.text, "summary") == ["Switch now"]
    assert await stored(resources) is None


async def test_the_pin_part_is_redrawn_only_when_the_pin_changed(
    client: Client, station_id: int, resources: Resources
) -> None:
    """After each switch the card asks again with the pin it shows: the same pin (or still none,
    so a form being typed in stays) is a 204; a pin set or ended meanwhile is the new part."""
    dashboard = await client.get("/")
    shown = only(dashboard.text, "#station-radio .pin .pin-shown").attributes["value"]
    assert shown == "none"
    assert (await client.get("/pins/radio", params={"shown": shown})).status_code == 204

    pin = await pins.set_pin(
        resources.redis, resources.settings, "radio", "a.mp4", "next_track", "someone"
    )
    answer = await client.get("/pins/radio", params={"shown": shown})
    assert answer.status_code == 200
    assert texts(answer.text, ".pinned .pin-loop") == ["a.mp4"]
    shown = only(answer.text, ".pin-shown").attributes["value"]
    assert shown == str(pin.set_at)
    assert (await client.get("/pins/radio", params={"shown": shown})).status_code == 204

    assert await pins.end_pin(resources.redis, resources.settings, pin)
    answer = await client.get("/pins/radio", params={"shown": shown})
    assert texts(answer.text, "summary") == ["Switch now"]
    assert only(answer.text, ".pin-shown").attributes["value"] == "none"


async def test_without_javascript_the_form_returns_to_the_dashboard(
    client: Client, station_id: int, resources: Resources
) -> None:
    form = {"loop_path": "a.mp4", "until": "next_track"}
    answer = await client.post("/pins/radio", data=form, follow_redirects=False)
    assert (answer.status_code, answer.headers["location"]) == (303, "/")
    pin = await stored(resources)
    assert pin is not None and pin.mode is pins.PinMode.NEXT_TRACK


@pytest.mark.parametrize(
    ("loop_path", "until", "field", "message"),
    [
        ("../../etc/passwd", "next_track", "loop_path", "is outside the loops folder (LOOPS_PATH)"),
        ("nope.mp4", "next_track", "loop_path", "nope.mp4 does not exist in the loops folder"),
        ("", "next_track", "loop_path", "missing loop_path"),
        ("a.mp4", "forever", "until", "until must be next_track or unpinned (got 'forever')"),
    ],
)
async def test_a_bad_pin_is_refused_naming_the_field_and_nothing_is_stored(
    client: Client,
    station_id: int,
    resources: Resources,
    loop_path: str,
    until: str,
    field: str,
    message: str,
) -> None:
    form = {"loop_path": loop_path, "until": until}
    answer = await client.post("/pins/radio", data=form, headers=HTMX)
    assert answer.status_code == 422
    assert any(message in text for text in texts(answer.text, ".field-error")), answer.text
    assert "/tmp" not in answer.text  # the server's own folders stay out of messages
    # What was typed stays in the form.
    assert only(answer.text, "input[name=loop_path]").attributes["value"] == loop_path
    assert await stored(resources) is None

    api = await client.post(
        f"/api/v1/stations/{station_id}/pin", json={"loop_path": loop_path, "until": until}
    )
    assert api.status_code == 400
    assert api.json()["field"] == field and message in api.json()["detail"]
    assert await stored(resources) is None


async def test_an_unknown_station_is_a_404(client: Client, user: User) -> None:
    answer = await client.post("/pins/nowhere", data={"loop_path": "a.mp4"}, headers=HTMX)
    assert answer.status_code == 404
    api = await client.post("/api/v1/stations/999/pin", json={"loop_path": "a.mp4"})
    assert api.status_code == 404 and api.json()["field"] == "station_id"


async def test_the_api_pins_and_unpins_with_a_token(
    anon_client: Client, settings: Settings, station_id: int, resources: Resources
) -> None:
    token = await make_api_token(settings)
    bearer = {"Authorization": f"Bearer {token}"}
    url = f"/api/v1/stations/{station_id}/pin"
    answer = await anon_client.post(
        url, json={"loop_path": "b.mp4", "until": "next_track"}, headers=bearer
    )
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert (body["station"], body["loop_path"], body["until"]) == ("radio", "b.mp4", "next_track")
    assert body["set_at"].endswith("+00:00")  # the API speaks UTC
    assert await stored(resources) is not None
    assert (await anon_client.delete(url, headers=bearer)).status_code == 204
    assert await stored(resources) is None


@pytest.fixture
async def dj_client(settings: Settings, user: User) -> AsyncIterator[Client]:
    await make_user(settings, "spinner", "a long enough password", roles=[Role.DJ])
    async with logged_in(settings, "spinner", "a long enough password") as dj:
        yield dj


async def test_a_dj_sees_the_pin_but_no_controls(
    client: Client, dj_client: Client, station_id: int
) -> None:
    dashboard = await dj_client.get("/")
    assert not page(dashboard.text).css("#station-radio .switch-now")
    await client.post("/pins/radio", data={"loop_path": "a.mp4", "until": "next_track"})
    dashboard = await dj_client.get("/")
    assert texts(dashboard.text, "#station-radio .pin-loop") == ["a.mp4"]
    assert not page(dashboard.text).css("#station-radio button.unpin")
    refused = await dj_client.post("/pins/radio/unpin", headers=HTMX)
    assert refused.status_code == 403
