"""The Stations page in real Chromium against the real web server: only the chosen source's
fields, every error at once, Test connection against a fake AzuraCast, Save and Disable styles,
and Delete behind a confirmation."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from domain.models import User
from tests.fakes.azuracast import FakeAzuraCast
from tests.web_fixtures import log_in

WHITE = "rgb(255, 255, 255)"


@pytest.fixture
def azuracast() -> Iterator[FakeAzuraCast]:
    with FakeAzuraCast("radio_one") as server:
        yield server


@pytest.fixture
def stations_page(page: Page, user: User) -> Page:
    """Logged in as an admin, on the Stations page with no station yet (the add form open)."""
    log_in(page)
    page.goto("/stations")
    expect(page.locator("#station-form")).to_be_visible()
    return page


def add_station(page: Page, url: str, name: str = "Radio One") -> None:
    page.fill("#station-name", name)
    page.fill("#station-base_url", url)
    page.fill("#station-shortcode", "radio_one")
    page.press("#station-shortcode", "Enter")  # Enter saves (not Test connection)
    expect(page.locator("p.flash")).to_contain_text(f"Saved {name}.")


def test_only_the_chosen_sources_fields_show(stations_page: Page) -> None:
    page = stations_page
    form = page.locator("#station-form")
    shortcode, mount, stream_id = (
        form.locator("#station-shortcode"),
        form.locator("#station-mount"),
        form.locator("#station-stream_id"),
    )
    api_key, poll, secret = (
        form.locator("#station-api_key"),
        form.locator("#station-poll_interval"),
        form.locator("#station-webhook_secret"),
    )
    expect(shortcode).to_be_visible()
    expect(api_key).to_be_visible()
    expect(poll).to_be_visible()
    for hidden in (mount, stream_id, secret):
        expect(hidden).to_be_hidden()

    page.select_option("#station-kind", "icecast")
    expect(mount).to_be_visible()
    for hidden in (shortcode, stream_id, api_key, secret, form.locator("#station-transport")):
        expect(hidden).to_be_hidden()
    expect(poll).to_be_visible()

    page.select_option("#station-kind", "shoutcast")
    expect(stream_id).to_be_visible()
    expect(mount).to_be_hidden()

    page.select_option("#station-kind", "azuracast")
    page.select_option("#station-transport", "webhook")
    expect(secret).to_be_visible()
    expect(poll).to_be_hidden()
    expect(shortcode).to_be_visible()


def test_every_error_shows_at_once_and_nothing_typed_is_lost(stations_page: Page) -> None:
    page = stations_page
    page.fill("#station-name", "Radio One")
    page.fill("#station-base_url", "https://radio.example.com")
    page.fill("#station-shortcode", "no spaces")
    page.fill("#station-poll_interval", "0")
    page.fill("#station-live_loop", "missing.mp4")
    page.get_by_role("button", name="Add station").click()

    expect(page.locator(".form-errors > p")).to_have_text(
        "Not saved: 3 fields need a change, each marked below."
    )
    expect(page.locator("#station-shortcode-error")).to_contain_text("need their shortcode")
    expect(page.locator("#station-poll_interval-error")).to_contain_text("1 to 3600")
    expect(page.locator("#station-live_loop-error")).to_contain_text("does not exist")
    expect(page.locator("#station-shortcode")).to_have_value("no spaces")
    # The swapped-in form is set up again: the other sources' fields stay hidden.
    expect(page.locator("#station-mount")).to_be_hidden()
    expect(page.locator("#stations-rows")).to_contain_text("No stations yet")


def test_test_connection_shows_what_the_station_plays(
    stations_page: Page, azuracast: FakeAzuraCast
) -> None:
    page = stations_page
    azuracast.set_track("Bicep", "Glue")
    page.fill("#station-name", "Radio One")
    page.fill("#station-base_url", azuracast.url)
    page.fill("#station-shortcode", "radio_one")
    page.get_by_role("button", name="Test connection").click()
    result = page.locator("#station-connection .connection-result")
    expect(result).to_have_text(re.compile(r"^Connected to 127\.0\.0\.1:\d+: Bicep \u2013 Glue"))
    expect(result).to_have_class(re.compile(r"\bok\b"))

    page.fill("#station-shortcode", "wrong")
    page.get_by_role("button", name="Test connection").click()
    expect(result).to_have_text(
        re.compile(r"^Could not read the station: HTTP 404 from .*: check the shortcode$")
    )
    expect(page.locator("#stations-rows")).to_contain_text("No stations yet")  # nothing saved


def test_save_is_the_primary_button_and_disable_is_not(
    stations_page: Page, azuracast: FakeAzuraCast
) -> None:
    page = stations_page
    add_station(page, azuracast.url)
    disable = page.locator("#station-radio-one td.actions button")
    expect(disable).to_have_text("Disable")
    assert disable.evaluate("b => getComputedStyle(b).backgroundColor") == WHITE
    page.locator("#station-radio-one td.name a").click()
    save = page.get_by_role("button", name="Save station")
    assert save.evaluate("b => getComputedStyle(b).backgroundColor") != WHITE
    check = page.get_by_role("button", name="Test connection")
    assert check.evaluate("b => getComputedStyle(b).backgroundColor") == WHITE


def test_delete_asks_first_and_keeps_the_station_when_cancelled(
    stations_page: Page, azuracast: FakeAzuraCast
) -> None:
    page = stations_page
    add_station(page, azuracast.url)
    page.locator("#station-radio-one td.name a").click()
    asked: list[str] = []

    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.get_by_role("button", name="Delete station").click()
    expect(page.get_by_role("heading", name="Radio One")).to_be_visible()
    assert asked == ["Delete the station Radio One? Its plays stay in history."]

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Delete station").click()
    expect(page.locator("p.flash")).to_contain_text("Deleted Radio One.")
    expect(page).to_have_url(re.compile(r"/stations\?deleted="))
    expect(page.locator("#station-radio-one")).to_have_count(0)
