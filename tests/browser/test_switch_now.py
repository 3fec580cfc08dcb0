"""End to end in real Chromium: an operator pins a loop from the station's dashboard card, the
real daemon hands it off (the card follows over SSE), the next track ends the pin and the card's
pin part notices (a form being typed in stays through a switch); a pin until unpinned goes with
the Unpin button."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from domain.models import User
from tests.browser.test_dashboard_live import FIRST_CARD_MS, STREAM_OPEN, SWITCH_MS
from tests.daemon_process import DaemonProcess, StateDir, add_mapping, add_station
from tests.fakes.azuracast import FakeAzuraCast
from tests.waiting import wait_until
from tests.web_fixtures import log_in


def test_switch_now_from_the_dashboard_card(
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
    fake.set_track("Daft Punk", "Aerodynamic")
    add_station(database_url, "radio", base_url=fake.url)
    state = StateDir(handoff_root / "radio")
    daemon = DaemonProcess(daemon_env, tmp_path / "daemon.log")
    try:
        state.wait_for_title("Aerodynamic", within=15)
        log_in(page)
        page.goto("/")
        card = page.locator("#station-radio")
        loop_name = card.locator(".np-loop .loop-name")
        expect(loop_name).to_have_text("a.mp4", timeout=FIRST_CARD_MS)
        page.wait_for_function(STREAM_OPEN, timeout=5000)

        # Pin b.mp4 until the next track.
        card.locator(".switch-now summary").click()
        card.locator(".switch-now input[name=loop_path]").fill("b.mp4")
        card.locator(".switch-now select[name=until]").select_option("next_track")
        card.locator(".switch-now button[type=submit]").click()
        pinned = card.locator(".pin .pinned")
        expect(pinned).to_contain_text("pinned: b.mp4 until the next track")
        expect(loop_name).to_have_text("b.mp4", timeout=SWITCH_MS)
        expect(card.locator(".np-loop .reason")).to_have_text("Pinned")
        wait_until(lambda: (state.current() or {}).get("reason") == "manual", 3, "manual")

        # The next track ends it: mapping resumes and the pin part says so without a reload.
        fake.wait_for_sse_client()
        fake.set_track("Bicep", "Glue")
        expect(card.locator(".np-title")).to_have_text("Glue", timeout=SWITCH_MS)
        expect(loop_name).to_have_text("default.mp4")
        expect(card.locator(".switch-now summary")).to_have_text("Switch now", timeout=SWITCH_MS)
        expect(pinned).to_have_count(0)

        # A form being typed in stays through a track change.
        card.locator(".switch-now summary").click()
        card.locator(".switch-now input[name=loop_path]").fill("sub/c.mp4")
        with page.expect_response(lambda answer: "/pins/radio?shown=none" in answer.url) as asked:
            fake.set_track("Bicep", "Apricots")
        assert asked.value.status == 204
        expect(card.locator(".np-title")).to_have_text("Apricots", timeout=SWITCH_MS)
        expect(card.locator(".switch-now input[name=loop_path]")).to_have_value("sub/c.mp4")

        # Until unpinned: a track change keeps it, Unpin ends it.
        card.locator(".switch-now select[name=until]").select_option("unpinned")
        card.locator(".switch-now button[type=submit]").click()
        expect(pinned).to_contain_text("pinned: sub/c.mp4 until unpinned")
        expect(loop_name).to_have_text("sub/c.mp4", timeout=SWITCH_MS)
        fake.set_track("Daft Punk", "Aerodynamic")
        expect(card.locator(".np-title")).to_have_text("Aerodynamic", timeout=SWITCH_MS)
        expect(loop_name).to_have_text("sub/c.mp4")
        expect(pinned).to_contain_text("until unpinned")
        card.locator("button.unpin").click()
        expect(loop_name).to_have_text("a.mp4", timeout=SWITCH_MS)
        expect(card.locator(".np-loop .reason")).to_have_text("Mapped")
        expect(pinned).to_have_count(0)
        assert daemon.count(r"Traceback") == 0, daemon.log()[-3000:]
    finally:
        daemon.stop()
