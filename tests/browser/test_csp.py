"""The pages work under the Content-Security-Policy in real Chromium: the loops page's inline
edit and the dashboard's live updates run, and the browser reports no CSP violation (a console
error, or a `securitypolicyviolation` event, which the page records for us)."""

from __future__ import annotations

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect

from domain.config import Settings
from domain.loops.mapper import TrackMapper
from domain.models import User
from tests.daemon_process import add_station
from tests.test_dashboard import add_play, make_card, publish_switch, store_health
from tests.waiting import wait_until
from tests.web_fixtures import log_in

# Recorded from the first script the page runs, so a violation during start-up counts too.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(event.violatedDirective + " " + event.blockedURI);
});
"""
STREAM_OPEN = (
    "() => { const data = document.querySelector('.stations')['htmx-internal-data'];"
    " return !!data && !!data.sseEventSource && data.sseEventSource.readyState === 1; }"
)


class Console:
    """Every console error of a page (Chromium logs each CSP refusal there)."""

    def __init__(self, page: Page) -> None:
        self.errors: list[str] = []
        page.on("console", self._seen)
        page.add_init_script(RECORD_VIOLATIONS)

    def _seen(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.errors.append(message.text)

    def assert_clean(self, page: Page) -> None:
        csp = [text for text in self.errors if "Content Security Policy" in text]
        assert not csp, csp
        assert page.evaluate("window.__cspViolations") == []


@pytest.fixture
async def seeded(user: User, mapper: TrackMapper) -> None:
    await mapper.create_mapping("Daft Punk", "One More Time", "a.mp4")


def test_the_loops_inline_edit_works_under_the_policy(page: Page, seeded: None) -> None:
    console = Console(page)
    log_in(page)
    page.goto("/loops")
    row = page.locator("#loops-rows tr").first
    row.get_by_role("button", name="Edit").click()
    editing = page.locator("#loops-rows tr").first
    editing.get_by_placeholder("Notes").fill("played at sunrise")
    editing.get_by_role("button", name="Save").click()
    expect(page.locator("#loops-rows tr").first).to_contain_text("played at sunrise")
    # htmx was told not to inject its indicator <style> (a CSP refusal otherwise).
    assert page.evaluate("htmx.config.includeIndicatorStyles") is False
    assert page.locator("head style").count() == 0
    console.assert_clean(page)


def test_the_dashboard_updates_live_under_the_policy(
    page: Page, user: User, settings: Settings, database_url: str
) -> None:
    station = add_station(database_url)
    store_health(database_url, station, make_card("Daft Punk", "One More Time"))
    console = Console(page)
    log_in(page)
    page.goto("/")
    expect(page.locator(".np-title")).to_have_text("One More Time")
    page.wait_for_function(STREAM_OPEN, timeout=5000)
    # The progress bar's numbers reach CSS through static/app.js, not a style attribute.
    assert page.locator(".progress").evaluate("el => el.style.getPropertyValue('--duration')")

    card = make_card("Bicep", "Glue", reason="default", mapping_id=None, loop_name="default.mp4")
    add_play(database_url, "Bicep", "Glue", reason="default")

    def shown() -> bool:
        if page.locator(".np-title").text_content() == "Glue":
            return True
        publish_switch(settings, database_url, station, card)
        return False

    wait_until(shown, 10, "the card of Glue on the page", every=0.3)
    # The swapped-in card got its progress numbers too (htmx.onLoad runs for new content).
    assert page.locator(".progress").evaluate("el => el.style.getPropertyValue('--elapsed')")
    console.assert_clean(page)
