"""The dashboard in real Chromium against the real web server: the now-playing card changes when
the daemon publishes a switch, without a reload, and the progress bar runs by itself.

The switch is made exactly as the daemon makes it: the card and health are written to
station_health, then the event is published on the station's Redis channel.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from domain.config import Settings
from domain.models import User
from tests.daemon_process import add_station
from tests.test_dashboard import add_play, make_card, publish_switch, store_health
from tests.waiting import wait_until
from tests.web_fixtures import log_in

STREAM_OPEN = (
    "() => { const data = document.querySelector('.stations')['htmx-internal-data'];"
    " return !!data && !!data.sseEventSource && data.sseEventSource.readyState === 1; }"
)


@pytest.fixture
def station(user: User, database_url: str) -> int:
    """Radio One, playing Daft Punk, with one play recorded."""
    station_id = add_station(database_url)
    store_health(database_url, station_id, make_card("Daft Punk", "One More Time"))
    add_play(database_url, "Daft Punk", "One More Time")
    return station_id


def test_the_now_playing_card_changes_live(
    page: Page, station: int, settings: Settings, database_url: str
) -> None:
    log_in(page)
    page.goto("/")
    expect(page.locator(".np-title")).to_have_text("One More Time")
    page.evaluate("window.notReloaded = true")
    page.wait_for_function(STREAM_OPEN, timeout=5000)

    card = make_card("Bicep", "Glue", reason="default", mapping_id=None, loop_name="default.mp4")
    add_play(database_url, "Bicep", "Glue", reason="default")

    # The stream is open; the server registers it a moment later: publish until it shows.
    def shown() -> bool:
        if page.locator(".np-title").text_content() == "Glue":
            return True
        publish_switch(settings, database_url, station, card)
        return False

    wait_until(shown, 10, "the card of Glue on the page", every=0.3)

    expect(page.locator(".np-title")).to_have_text("Glue")
    expect(page.locator(".np-artist")).to_have_text("Bicep")
    expect(page.locator(".np-loop .reason")).to_have_text("Default loop")
    expect(page.locator(".recent-plays li").first).to_contain_text("Bicep \N{EN DASH} Glue")
    assert page.evaluate("window.notReloaded") is True


def test_the_progress_bar_advances_in_the_browser(page: Page, station: int) -> None:
    log_in(page)
    page.goto("/")
    bar = page.locator(".progress-bar")

    def width() -> float:
        return float(bar.evaluate("el => el.getBoundingClientRect().width"))

    first = width()
    # 30 s into a 240 s track: about an eighth, growing by about 1/240 of the width per second.
    assert 0.05 < first / float(page.locator(".progress").evaluate("el => el.clientWidth")) < 0.3
    wait_until(lambda: width() > first, 5, "the progress bar advancing")
