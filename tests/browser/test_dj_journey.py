"""A DJ's way from a mix to the records to buy, in real Chromium against the real web server and
a real worker (fake 1001tracklists site, fake MusicBrainz): import → identify → review → accept
→ want-list → export."""

from __future__ import annotations

import csv
import io
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from domain.library.musicbrainz import lucene_query
from domain.models import User
from tests.fakes import musicbrainz as mb
from tests.fakes.tracklist_pages import Row, tracklist_page, tracklist_path
from tests.fakes.tracklists_site import FakeTracklistsSite
from tests.web_fixtures import log_in
from tests.worker_process import running_worker

SLOW_MS = 30_000  # robots.txt and the page 2 s apart, MusicBrainz a request a second
ROWS = [
    Row("Moderat", "Copy Copy", cue=0),
    Row("Bonobo", "Kerala", remix="Ross From Friends Remix", cue=300),
    Row("ID", "ID", cue=600),
]


@pytest.fixture(scope="module")
def journey_worker(identify_env: dict[str, str]) -> Iterator[subprocess.Popen[bytes]]:
    """The worker importing from the fake site and identifying against the fake MusicBrainz."""
    with running_worker(identify_env) as process:
        yield process


@pytest.fixture
def musicbrainz(identify_musicbrainz: mb.FakeMusicBrainz) -> mb.FakeMusicBrainz:
    """Copy Copy as it is; Kerala only as the original, so the remix row waits for a person."""
    identify_musicbrainz.search(
        lucene_query("Moderat", "Copy Copy"),
        [mb.recording("Copy Copy", [mb.credit("Moderat")], length=301_000)],
    )
    identify_musicbrainz.search(
        lucene_query("Bonobo", "Kerala"),
        [mb.recording("Kerala", [mb.credit("Bonobo")], length=256_000)],
    )
    return identify_musicbrainz


def test_from_a_mix_to_the_records_to_buy(
    page: Page,
    user: User,
    journey_worker: subprocess.Popen[bytes],
    musicbrainz: mb.FakeMusicBrainz,
    tracklists_site: FakeTracklistsSite,
    tmp_path: Path,
) -> None:
    path = tracklist_path("dj1journey", "journey-mix")
    tracklists_site.page(path, tracklist_page("dj1journey", title="Journey Mix", rows=ROWS))
    log_in(page)

    # Import.
    page.goto("/tracklists")
    page.get_by_label("Tracklist URL").fill(tracklists_site.url + path)
    page.get_by_role("button", name="Import", exact=True).click()
    line = page.locator("#import-statuses .import-status").first
    expect(line.locator("[data-status]")).to_have_text("stored", timeout=SLOW_MS)
    line.get_by_role("link").click()
    expect(page.locator("h1")).to_have_text("Journey Mix")
    tracklist_url = page.url

    # Identify: Copy Copy is matched, Kerala (a remix MusicBrainz only has the original of)
    # waits for a person, the ID row is never searched.
    page.get_by_role("button", name="Identify tracks").click()
    expect(page.locator("#identify-progress .identify-text")).to_contain_text(
        "Identified: 3 / 3 rows", timeout=SLOW_MS
    )
    searched = [r.query.get("query") for r in musicbrainz.requests if r.path == "/ws/2/recording"]
    assert sorted(searched) == sorted(
        [lucene_query("Moderat", "Copy Copy"), lucene_query("Bonobo", "Kerala")]
    )

    # Review: the remix row, accepted with the keyboard (the person's call: it is that record).
    page.goto("/review")
    rows = page.locator(".review-row")
    expect(rows).to_have_count(1)
    expect(rows.first.locator(".review-text")).to_contain_text("Kerala (Ross From Friends Remix)")
    page.keyboard.press("j")
    page.keyboard.press("a")
    expect(page.locator(".review-queue")).to_contain_text("Row accepted")

    # Want-list: both identified tracks at once, from the tracklist's page.
    page.goto(tracklist_url)
    page.get_by_role("button", name="Want the identified tracks").click()
    expect(page.locator("#want-identified")).to_have_text("Added 2 tracks to your want-list.")
    page.locator("#want-identified").get_by_role("link").click()
    expect(page.locator("h1")).to_have_text("Want-list")
    expect(page.locator("#wants-results tbody tr")).to_have_count(2)

    # Export: the CSV a shop's basket or a spreadsheet takes.
    with page.expect_download() as info:
        page.get_by_role("link", name="CSV").click()
    saved = tmp_path / info.value.suggested_filename
    info.value.save_as(saved)
    exported = list(csv.DictReader(io.StringIO(saved.read_text(encoding="utf-8-sig"))))
    assert sorted(row["title"] for row in exported) == ["Copy Copy", "Kerala"]
    assert {row["status"] for row in exported} == {"wanted"}
