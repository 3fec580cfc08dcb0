"""The collection in real Chromium against the real web server (issue 12 §8): search as you
type, a refused filter beside its field, a file's page with what mixes well after it, on to a
compatible file, and the export link of the view downloading a Rekordbox XML of what was shown."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
from playwright.sync_api import Page, expect

from domain.db import Sessions
from domain.models import User
from tests.test_collection_pages import DASH, seed_collection
from tests.web_fixtures import log_in


@pytest.fixture
async def collection(user: User, sessions: Sessions, database_url: str) -> dict[str, int]:
    return await seed_collection(sessions, database_url)


def test_search_a_file_then_go_to_what_mixes_after_it_and_export(
    page: Page, collection: dict[str, int]
) -> None:
    log_in(page)
    page.get_by_role("link", name="Collection", exact=True).click()
    rows = page.locator("tr.collection-file")
    expect(rows).to_have_count(5)

    page.get_by_label("Search").fill("ame rej")  # "Âme": accents do not matter
    expect(rows).to_have_count(1)
    expect(page).to_have_url(re.compile(r"/collection\?q=ame\+rej$"))
    page.get_by_label("BPM from").fill("0")
    expect(page.locator("#col-filter-bpm_from-error")).to_contain_text("bpm_from must be a number")
    expect(rows).to_have_count(0)
    page.get_by_label("BPM from").fill("120")
    expect(page.locator("#col-filter-bpm_from-error")).to_have_count(0)
    expect(rows).to_have_count(1)

    page.get_by_role("link", name=f"Âme {DASH} Rej").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Rej")
    expect(page.locator(".col-disagreements")).to_contain_text("tag says 8B, audio says 8A")
    expect(page.locator("img.col-cover")).to_have_js_property("naturalWidth", 64)
    after = page.locator("tr.mix-after")
    expect(after).to_have_count(2)
    expect(after.first).to_contain_text("8A · Am")

    after.get_by_role("link", name=f"Dixon {DASH} Track One").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Track One")
    expect(page.locator("tr.mix-after td.track")).to_contain_text([f"Âme {DASH} Rej"])

    page.get_by_role("link", name="← Collection").click()
    page.get_by_label("Key").fill("Am")
    expect(rows).to_have_count(2)
    with page.expect_download() as download:
        page.locator("#export-xml").click()
    saved = download.value
    assert saved.suggested_filename == "collection.xml"
    tree = ET.parse(saved.path())  # noqa: S314 (our own output)
    names = [track.get("Name") for track in tree.findall("./COLLECTION/TRACK")]
    assert names == ["Rej", "Track One"]
