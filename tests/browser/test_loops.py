"""The Loops page in real Chromium against the real web server: add inline, see a field error,
search as you type without a page reload."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from domain.loops.mapper import TrackMapper
from domain.models import User
from tests.web_fixtures import log_in


@pytest.fixture
async def seeded(user: User, mapper: TrackMapper) -> None:
    """The operator account and two mappings, written before the browser starts."""
    await mapper.create_mapping("Daft Punk", "One More Time", "a.mp4")
    await mapper.create_mapping("Bicep", "Glue", "b.mp4")


@pytest.fixture
def loops_page(page: Page, seeded: None) -> Page:
    log_in(page)
    page.goto("/loops")
    expect(page.locator("#loops-rows tr")).to_have_count(2)
    return page


def test_add_a_mapping_through_the_inline_form(loops_page: Page) -> None:
    page = loops_page
    add = page.locator("#loops-add")
    add.get_by_placeholder("Artist").fill("Moderat")
    add.get_by_placeholder("Title").fill("Bad Kingdom")
    add.get_by_placeholder("Loop file (.mp4)").fill("sub/c.mp4")
    add.get_by_role("button", name="Add mapping").click()

    flash = page.locator("#loops-add tr.flash")
    expect(flash).to_contain_text("Added Moderat \N{EN DASH} Bad Kingdom")
    first_row = page.locator("#loops-rows tr").first
    expect(first_row.locator("td.artist")).to_have_text("Moderat")
    expect(first_row.locator("td.loop-file")).to_have_text("sub/c.mp4")
    expect(add.get_by_placeholder("Artist")).to_have_value("")


def test_a_missing_loop_file_is_reported_next_to_the_field(loops_page: Page) -> None:
    page = loops_page
    add = page.locator("#loops-add")
    add.get_by_placeholder("Artist").fill("Burial")
    add.get_by_placeholder("Title").fill("Archangel")
    add.get_by_placeholder("Loop file (.mp4)").fill("no-such-loop.mp4")
    add.get_by_role("button", name="Add mapping").click()

    error = add.locator("#add-mapping-loop_path-error")
    expect(error).to_contain_text("no-such-loop.mp4 does not exist")
    loop_input = add.get_by_placeholder("Loop file (.mp4)")
    expect(loop_input).to_have_attribute("aria-invalid", "true")
    expect(loop_input).to_have_value("no-such-loop.mp4")  # what was typed is kept
    # The message sits in the same cell as the field it is about.
    expect(add.locator("td:has(input[name=loop_path]) .field-error")).to_have_count(1)
    expect(page.locator("#loops-rows tr")).to_have_count(2)


def test_search_narrows_the_table_without_a_page_reload(loops_page: Page) -> None:
    page = loops_page
    # A marker on the window survives htmx swaps but not a page load.
    page.evaluate("window.notReloaded = true")

    page.get_by_placeholder("Search artist, title or loop file…").press_sequentially("bic")

    expect(page.locator("#loops-rows tr")).to_have_count(1)
    expect(page.locator("#loops-rows td.artist")).to_have_text("Bicep")
    expect(page.locator("#loops-foot .count")).to_contain_text("1 mapping matching “bic”")
    expect(page).to_have_url(re.compile(r"/loops\?q=bic$"))
    assert page.evaluate("window.notReloaded") is True

    # Sorting by a header is a partial swap too, and keeps the search.
    page.locator("#loops-head").get_by_role("link", name="Artist").click()
    expect(page.locator("#loops-head th[aria-sort]")).to_contain_text("Artist")
    expect(page.locator("#loops-rows td.artist")).to_have_text("Bicep")
    assert page.evaluate("window.notReloaded") is True
