"""Loops and artwork in real Chromium against the real web server: a loop uploaded through the
form (with its progress bar), its preview video loading from /loops/media, and the dashboard's
artwork coming through our server from the fake station."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from domain.models import User
from tests.daemon_process import add_station
from tests.fakes.azuracast import FakeAzuraCast
from tests.media import make_mp4
from tests.test_dashboard import make_card, store_health
from tests.web_fixtures import log_in

# Recorded after static/loops-upload.js has set the bar: what the person saw while it went up.
RECORD_PROGRESS = """
window.__progress = [];
document.addEventListener("htmx:xhr:progress", () => {
  const bar = document.querySelector("#loop-upload-progress");
  window.__progress.push(bar.hidden ? -1 : bar.value);
});
"""


@pytest.fixture
def upload_folder(loops_root: Path) -> Iterator[str]:
    """A folder of its own in the suite's LOOPS_PATH (which the live server uses), removed after."""
    name = f"browser-{uuid.uuid4().hex[:8]}"
    (loops_root / name).mkdir()
    yield name
    shutil.rmtree(loops_root / name)


def test_a_loop_is_uploaded_with_progress_and_previewed(
    page: Page, user: User, loops_root: Path, upload_folder: str, tmp_path: Path
) -> None:
    clip = make_mp4(tmp_path / "sunrise.mp4", seconds=2.0)
    log_in(page)
    page.goto("/loops")
    page.get_by_role("link", name="Upload a loop").click()
    expect(page.get_by_role("heading", name="Upload a loop")).to_be_visible()
    page.evaluate(RECORD_PROGRESS)

    page.get_by_label("Folder").fill(upload_folder)
    page.get_by_label("Loop file (.mp4)").set_input_files(clip)
    page.get_by_role("button", name="Upload").click()

    expect(page.locator(".uploaded-path")).to_have_text(f"{upload_folder}/sunrise.mp4")
    assert (loops_root / upload_folder / "sunrise.mp4").read_bytes() == clip.read_bytes()
    assert page.url.endswith("/loops/upload")  # swapped in place, no reload
    assert 100 in page.evaluate("window.__progress")

    video = page.locator("video.loop-preview")
    expect(video).to_have_attribute("preload", "none")
    with page.expect_response(lambda r: "/loops/media" in r.url) as answer:
        video.evaluate("v => { v.preload = 'metadata'; v.load(); }")
    assert answer.value.status in (200, 206)
    page.wait_for_function("v => v.readyState > 0 || v.error !== null", arg=video.element_handle())
    assert video.evaluate("v => v.error === null ? v.readyState : -v.error.code") > 0


def test_a_refused_upload_says_why_next_to_the_field(
    page: Page, user: User, loops_root: Path, upload_folder: str, tmp_path: Path
) -> None:
    text = tmp_path / "not-a-video.mp4"
    text.write_text("just words\n" * 50)
    log_in(page)
    page.goto("/loops/upload")

    page.get_by_label("Folder").fill(upload_folder)
    page.get_by_label("Loop file (.mp4)").set_input_files(text)
    page.get_by_role("button", name="Upload").click()

    expect(page.locator("#loop-upload-file-error")).to_contain_text("not a usable MP4 loop")
    expect(page.get_by_label("Folder")).to_have_value(upload_folder)  # what was typed is kept
    assert list((loops_root / upload_folder).iterdir()) == []


def test_the_dashboard_artwork_comes_through_our_server(
    page: Page, user: User, database_url: str
) -> None:
    with FakeAzuraCast("radio-one") as fake:
        station_id = add_station(database_url, base_url=fake.url)
        art = f"{fake.url}/api/station/1/art/abc-1700000000.jpg"
        store_health(database_url, station_id, make_card("Daft Punk", "One More Time", art=art))
        seen: list[str] = []
        page.on("request", lambda request: seen.append(request.url))
        log_in(page)
        page.goto("/")

        image = page.locator("img.art")
        expect(image).to_have_attribute("src", f"/stations/artwork/radio-one?v={'0' * 32}")
        page.wait_for_function(
            "img => img.complete && img.naturalWidth > 0", arg=image.element_handle()
        )
        assert fake.requests["art"] == 1  # fetched by the server
        assert not [url for url in seen if url.startswith(fake.url)]  # never by the browser
