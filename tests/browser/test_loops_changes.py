"""The Loops page after a change, in real Chromium against the real web server: the first mapping
replaces the empty state and counts, an edited row shows its new loop's preview, the empty form
shows every error at once, a mapping is deleted after a confirmation, a file of mappings is
imported (or refused line by line), and a search for `%` finds only what holds it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Dialog, Page, expect

from domain.loops.mapper import TrackMapper
from domain.models import User
from tests.web_fixtures import log_in

HEADER = "artist,title,loop_path,song_id,notes\n"


@pytest.fixture
def empty_loops_page(page: Page, user: User) -> Page:
    log_in(page)
    page.goto("/loops")
    return page


@pytest.fixture
async def seeded(user: User, mapper: TrackMapper) -> None:
    """The operator account and two mappings, written before the browser starts."""
    await mapper.create_mapping("Crystal Waters", "100% Pure Love", "a.mp4")
    await mapper.create_mapping("Bicep", "Glue", "b.mp4")


@pytest.fixture
def loops_page(page: Page, seeded: None) -> Page:
    log_in(page)
    page.goto("/loops")
    expect(page.locator("#loops-rows tr")).to_have_count(2)
    return page


def add(page: Page, artist: str, title: str, loop: str) -> None:
    form = page.locator("#loops-add")
    form.get_by_placeholder("Artist").fill(artist)
    form.get_by_placeholder("Title").fill(title)
    form.get_by_placeholder("Loop file (.mp4)").fill(loop)
    form.get_by_role("button", name="Add mapping").click()


def test_the_first_mapping_replaces_the_empty_state(empty_loops_page: Page) -> None:
    page = empty_loops_page
    expect(page.locator("#loops-rows tr.empty")).to_contain_text("No mappings yet")
    expect(page.locator("#loops-foot .count")).to_have_text("0 mappings")

    add(page, "Moderat", "Bad Kingdom", "a.mp4")

    expect(page.locator("#loops-rows td.artist")).to_have_text(["Moderat"])
    expect(page.locator("#loops-rows tr.empty")).to_have_count(0)
    expect(page.locator("#loops-foot .count")).to_have_text("1 mapping")
    add(page, "Bicep", "Glue", "b.mp4")
    expect(page.locator("#loops-foot .count")).to_have_text("2 mappings")


def test_the_empty_form_shows_every_error_at_once(empty_loops_page: Page) -> None:
    page = empty_loops_page
    page.locator("#loops-add").get_by_role("button", name="Add mapping").click()

    for field, message in (
        ("artist", "missing artist"),
        ("title", "missing title"),
        ("loop_path", "loop file path is empty"),
    ):
        error = page.locator(f"#add-mapping-{field}-error")
        expect(error).to_have_text(message)
        expect(
            page.locator(f"#loops-add td:has(#add-mapping-{field}-error) [name={field}]")
        ).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#loops-foot .count")).to_have_text("0 mappings")


def test_an_edited_row_shows_the_new_loops_preview(loops_page: Page, other_loop: str) -> None:
    page = loops_page
    row = page.locator("#loops-rows tr", has_text="Bicep")
    row.get_by_role("button", name="Edit").click()
    editing = page.locator("#loops-rows tr.editing")
    editing.get_by_placeholder("Loop file (.mp4)").fill(other_loop)
    editing.get_by_role("button", name="Save").click()

    row = page.locator("#loops-rows tr", has_text="Bicep")
    expect(row.locator("td.loop-file")).to_have_text(other_loop)
    image = row.locator("td.thumb img")
    expect(image).to_have_attribute("src", re.compile(r"thumbnail\.jpg\?v=[0-9a-f]{10}-\d+$"))
    # The browser loaded a picture from the new file: a real JPEG, decoded, not a broken image.
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=image.element_handle()
    )


def test_delete_asks_first_and_removes_the_row(loops_page: Page) -> None:
    page = loops_page
    row = page.locator("#loops-rows tr", has_text="Bicep")
    asked: list[str] = []

    def dismiss(dialog: Dialog) -> None:
        asked.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", dismiss)
    row.get_by_role("button", name="Delete").click()
    expect(page.locator("#loops-rows tr")).to_have_count(2)  # said no: nothing happened
    assert asked == [
        "Delete the mapping of Bicep \N{EN DASH} Glue for good? (Deactivate keeps it.)"
    ]

    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="Delete").click()
    expect(page.locator("#loops-rows td.artist")).to_have_text(["Crystal Waters"])
    expect(page.locator("#loops-foot .count")).to_have_text("1 mapping")
    page.reload()
    expect(page.locator("#loops-rows td.artist")).to_have_text(["Crystal Waters"])


def test_a_search_for_percent_finds_only_what_holds_it(loops_page: Page) -> None:
    page = loops_page
    page.get_by_placeholder("Search artist, title or loop file…").press_sequentially("%")
    expect(page.locator("#loops-rows td.artist")).to_have_text(["Crystal Waters"])
    expect(page.locator("#loops-foot .count")).to_contain_text("1 mapping matching “%”")


def test_import_a_file_and_see_the_rows(empty_loops_page: Page, tmp_path: Path) -> None:
    page = empty_loops_page
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "Bicep,Glue,a.mp4,,\n,No Artist,a.mp4,,\nX,Y,gone.mp4,,\n")
    page.locator("#loops-import input[type=file]").set_input_files(bad)
    page.locator("#loops-import").get_by_role("button", name="Import").click()

    expect(page.locator("#import-report .import-summary")).to_contain_text("Nothing was written")
    problems = page.locator("#import-report .import-problems li")
    expect(problems).to_have_count(2)
    expect(problems.nth(0)).to_contain_text(re.compile(r"^line 3: "))
    expect(problems.nth(1)).to_contain_text("line 4: loop_path gone.mp4 does not exist")
    expect(page.locator("#loops-rows tr.empty")).to_have_count(1)  # nothing stored

    good = tmp_path / "good.csv"
    good.write_text(HEADER + "Bicep,Glue,a.mp4,,\nBurial,Archangel,b.mp4,,\n")
    page.locator("#loops-import input[type=file]").set_input_files(good)
    page.locator("#loops-import").get_by_role("button", name="Import").click()

    expect(page.locator("#import-report .import-summary")).to_have_text(
        "Imported: added 2, updated 0, skipped 0, invalid 0."
    )
    expect(page.locator("#loops-rows td.artist")).to_have_count(2)
    expect(page.locator("#loops-foot .count")).to_have_text("2 mappings")


def test_export_downloads_the_mappings(loops_page: Page) -> None:
    page = loops_page
    with page.expect_download() as download_info:
        page.locator(".bulk-export").get_by_role("link", name="CSV").first.click()
    download = download_info.value
    assert download.suggested_filename == "mappings.csv"
    text = Path(download.path()).read_text(encoding="utf-8")
    assert text.splitlines()[0] == "artist,title,loop_path,song_id,notes"
    assert sorted(line.split(",")[0] for line in text.splitlines()[1:]) == [
        "Bicep",
        "Crystal Waters",
    ]


def test_a_bad_plays_date_is_shown_beside_its_field_with_no_rows(page: Page, user: User) -> None:
    log_in(page)
    response = page.goto("/plays?from=10/04/2026")
    assert response is not None and response.status == 400
    from_label = page.locator("label", has=page.locator("input[name=from]"))
    expect(from_label.locator(".field-error")).to_contain_text("is not a date: use YYYY-MM-DD")
    expect(page.locator("tr.play")).to_have_count(0)
