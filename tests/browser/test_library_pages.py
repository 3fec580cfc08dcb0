"""The Library and Want-list pages in real Chromium against the real web server: add a track to
the want-list from its page, find it on the want-list, change its status in place (htmx row
swap), and see a refused second add beside the button."""

from __future__ import annotations

import psycopg
import pytest
from playwright.sync_api import Page, expect

from domain.db import Sessions
from domain.library.store import upsert_track
from domain.models import User
from tests.library_data import facts
from tests.test_api_library import heard_in
from tests.web_fixtures import log_in


@pytest.fixture
async def heard_track(user: User, sessions: Sessions, database_url: str) -> int:
    """A library track heard in one stored mix; its id."""
    track = await upsert_track(sessions, facts("ARTBAT", "Horizon", label="Upperground"))
    await upsert_track(sessions, facts("Anyma", "Eternity"))  # filtered out below
    await heard_in(sessions, database_url, "Closing set", [track])
    return track


def stored_statuses(database_url: str) -> list[str]:
    with psycopg.connect(database_url) as conn:
        return [row[0] for row in conn.execute("SELECT status FROM want_list ORDER BY id")]


def test_add_from_the_track_page_then_change_its_status_inline(
    page: Page, heard_track: int, database_url: str
) -> None:
    log_in(page)
    page.get_by_role("link", name="Library", exact=True).click()
    expect(page.locator("tr.library-track")).to_have_count(2)
    page.get_by_label("Artist").fill("artbat")
    expect(page.locator("tr.library-track")).to_have_count(1)
    page.get_by_label("In ≥ N mixes").fill("0")
    expect(page.locator("#lib-filter-min_mixes-error")).to_contain_text("whole number from 1")
    expect(page.locator("tr.library-track")).to_have_count(0)
    page.get_by_label("In ≥ N mixes").fill("1")
    expect(page.locator("#lib-filter-min_mixes-error")).to_have_count(0)
    page.get_by_role("link", name="Horizon").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Horizon")
    expect(page.locator("table.heard-in")).to_contain_text("Closing set")

    page.get_by_role("button", name="Add to want-list").click()
    expect(page.locator("#want-button .flash")).to_contain_text("Added to your want-list.")
    page.get_by_role("button", name="Add to want-list").click()
    expect(page.locator("#want-error")).to_contain_text("already on your want-list")

    page.get_by_role("link", name="Want-list", exact=True).click()
    row = page.locator("tr.want")
    expect(row).to_have_count(1)
    expect(row.get_by_role("link", name="Horizon")).to_have_attribute(
        "href", f"/library/{heard_track}"
    )
    row.get_by_label("Status").select_option("found")
    row.get_by_label("Notes").fill("ask the label")
    row.get_by_role("button", name="Save").click()
    expect(page.locator("tr.want.saved select[name=status]")).to_have_value("found")
    assert stored_statuses(database_url) == ["found"]
    page.reload()
    expect(page.locator("tr.want input[name=notes]")).to_have_value("ask the label")
