"""End to end: a fake AzuraCast changes track, the real daemon hands off and publishes, and the
dashboard open in real Chromium shows the new track and loop without a reload.

Nothing is published by hand here (tests/browser/test_dashboard.py does that): the switch goes
fake station → `crateloop daemon` → Redis → `crateloop web` → SSE → htmx swap.
"""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from domain.models import User
from tests.daemon_process import DaemonProcess, StateDir, add_mapping, add_station
from tests.fakes.azuracast import FakeAzuraCast
from tests.web_fixtures import log_in

# The dashboard's one SSE stream is open (htmx sse extension keeps its EventSource on the element).
STREAM_OPEN = (
    "() => { const data = document.querySelector('.stations')['htmx-internal-data'];"
    " return !!data && !!data.sseEventSource && data.sseEventSource.readyState === 1; }"
)
DAEMON_START_SECONDS = 15.0
# Daemon start-up to first hand-off, and the first card reaching a page, can take a few seconds
# on a busy machine; a live switch must show within a few seconds.
FIRST_CARD_MS = 15_000
SWITCH_MS = 5_000


def test_the_card_follows_the_station_through_the_real_daemon(
    page: Page,
    user: User,
    fake: FakeAzuraCast,
    database_url: str,
    daemon_env: dict[str, str],
    handoff_root: Path,
    loops_root: Path,
    tmp_path: Path,
) -> None:
    add_mapping(database_url, "Daft Punk", "Aerodynamic", "a.mp4")
    fake.set_track("Daft Punk", "Aerodynamic", next=("Bicep", "Glue"))
    add_station(database_url, "radio", base_url=fake.url)  # push, hand-off to HANDOFF_PATH/radio
    state = StateDir(handoff_root / "radio")
    daemon = DaemonProcess(daemon_env, tmp_path / "daemon.log")
    try:
        first = state.wait_for_title("Aerodynamic", within=DAEMON_START_SECONDS)
        assert first["reason"] == "mapped"

        log_in(page)
        page.goto("/")
        card = page.locator("#station-radio .now-playing")
        expect(card.locator(".np-title")).to_have_text("Aerodynamic", timeout=FIRST_CARD_MS)
        expect(card.locator(".np-artist")).to_have_text("Daft Punk")
        expect(card.locator(".np-loop .loop-name")).to_have_text("a.mp4")
        expect(card.locator(".np-loop .reason")).to_have_text("Mapped")
        page.wait_for_function(STREAM_OPEN, timeout=5000)
        # A navigation or reload would start a fresh window without this marker.
        page.evaluate("window.__marker = 1")

        fake.wait_for_sse_client()
        fake.set_track("Bicep", "Glue")

        expect(card.locator(".np-title")).to_have_text("Glue", timeout=SWITCH_MS)
        expect(card.locator(".np-artist")).to_have_text("Bicep")
        expect(card.locator(".np-loop .loop-name")).to_have_text("default.mp4")
        expect(card.locator(".np-loop .reason")).to_have_text("Default loop")
        expect(card.locator(".np-loop .loop-name")).to_have_attribute(
            "title", str(loops_root / "default.mp4")
        )
        assert page.evaluate("window.__marker") == 1
        assert state.wait_for_title("Glue")["reason"] == "default"
        assert daemon.count(r"Traceback") == 0, daemon.log()[-3000:]
    finally:
        # SIGTERM as an operator would; stop() kills it only if it did not exit in time.
        try:
            exit_code, _ = daemon.terminate()
        finally:
            daemon.stop()
    assert exit_code == 0, daemon.log()[-3000:]
