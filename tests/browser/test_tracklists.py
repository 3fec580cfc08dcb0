"""The Tracklists page in real Chromium against the real web server and the real worker: import
by URL from the fake 1001tracklists site, watch the status line go live to "stored", open the
tracklist and download its CUE sheet, read back by deflacue; a refused date range swapped in by
htmx; deleting a tracklist after its confirmation page."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from domain.db import Sessions
from domain.models import User
from tests.fakes.tracklist_pages import Row, tracklist_page, tracklist_path
from tests.fakes.tracklists_site import FakeTracklistsSite
from tests.tracklist_seeds import mix, read_cue, store
from tests.web_fixtures import log_in

# robots.txt and the page, ≥ 2 s apart, plus the worker picking the job up.
IMPORT_MS = 30_000
ROWS = [
    Row("ARTBAT", "Horizon", label="UPPERGROUND", cue=0),
    Row("Tale Of Us & Mind Against", "Astral", remix="Afterlife Remix", cue=204),
    Row("Someone", "Acapella", with_previous=True),
    Row("ID", "ID", cue=600),
    Row("Anyma", "<script>alert(1)</script>", label="Kö Records", cue=780),
]
# Every status the line shows, in order, as the page swaps it (consecutive repeats dropped).
RECORD_STATUSES = """() => {
  window.seenStatuses = [];
  const note = () => document.querySelectorAll('#import-statuses [data-status]').forEach(el => {
    const last = window.seenStatuses[window.seenStatuses.length - 1];
    if (el.dataset.status !== last) window.seenStatuses.push(el.dataset.status);
  });
  new MutationObserver(note).observe(document.getElementById('import-statuses'),
    {childList: true, subtree: true, characterData: true});
}"""


def test_import_watch_open_and_download_the_cue(
    page: Page,
    user: User,
    worker: object,  # the real worker process (tests/worker_process.py)
    tracklists_site: FakeTracklistsSite,
    tmp_path: Path,
) -> None:
    path = tracklist_path("2k3l4m9", "artbat-tomorrowland-2023")
    title = "ARTBAT @ Tomorrowland 2023"
    tracklists_site.page(path, tracklist_page("2k3l4m9", title=title, rows=ROWS))
    log_in(page)
    page.goto("/tracklists")
    page.evaluate(RECORD_STATUSES)

    page.get_by_label("Tracklist URL").fill(tracklists_site.url + path)
    page.get_by_role("button", name="Import", exact=True).click()

    line = page.locator("#import-statuses .import-status").first
    expect(line.locator("[data-status]")).to_have_text("stored", timeout=IMPORT_MS)
    assert page.evaluate("window.seenStatuses") == ["queued", "fetching", "parsed", "stored"]
    expect(page.get_by_label("Tracklist URL")).to_have_value("")

    line.get_by_role("link").click()
    expect(page.locator("h1")).to_have_text(title)
    rows = page.locator("#tracks tbody tr")
    expect(rows).to_have_count(5)
    expect(rows.nth(2)).to_have_class("track-row with-previous")
    expect(rows.nth(3).locator(".id-badge")).to_have_text("ID")
    expect(rows.nth(4).locator(".title")).to_have_text("<script>alert(1)</script>")

    page.get_by_label("Audio file name").fill("tomorrowland.wav")
    expect(page.locator("#cue-report .cue-files")).to_contain_text("1 file")
    with page.expect_download() as info:
        page.get_by_role("button", name="Download CUE").click()
    download = info.value
    assert download.suggested_filename.endswith(".cue")
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    data = saved.read_bytes()
    assert 'FILE "tomorrowland.wav" WAVE' in data.decode("utf-8-sig")
    assert read_cue(data) == [
        ("Horizon", 0),
        ("Astral (Afterlife Remix) w/ Someone - Acapella", 204),
        ("ID", 600),
        ("<script>alert(1)</script>", 780),
    ]


@pytest.fixture
async def two_sets(user: User, sessions: Sessions) -> tuple[int, int]:
    """Two stored tracklists (after `user`, which empties the database)."""
    first = await store(sessions, mix("br1", title="Sunrise set", day=date(2023, 7, 21)))
    second = await store(sessions, mix("br2", title="Closing set", day=date(2024, 6, 29)))
    return first.tracklist_id, second.tracklist_id


def test_a_refused_date_range_shows_its_error_and_no_rows_then_delete_one(
    page: Page, two_sets: tuple[int, int]
) -> None:
    log_in(page)
    page.goto("/tracklists")
    rows = page.locator("#tracklists-results tr.tracklist")
    expect(rows).to_have_count(2)

    # The pickers send YYYY-MM-DD; an end before the start is a 400 that htmx swaps in (app.js).
    page.locator("#tl-from").fill("2024-01-01")
    expect(rows).to_have_count(1)
    page.locator("#tl-to").fill("2023-01-01")
    expect(page.locator("#tl-to-error")).to_have_text("To: the end date is before the start date")
    expect(rows).to_have_count(0)

    # Delete asks first, on a page of its own; then the list has only the other one.
    page.goto(f"/tracklists/{two_sets[0]}")
    page.get_by_role("link", name="Delete…").click()
    expect(page.locator("h1")).to_have_text("Delete “Sunrise set”?")
    page.get_by_role("button", name="Delete the tracklist").click()
    expect(page).to_have_url(re.compile(r"/tracklists$"))
    expect(page.locator("#tracklists-results tr.tracklist td.title")).to_have_text(["Closing set"])
