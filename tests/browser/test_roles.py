"""Pages hide what a role cannot do, in real Chromium against the real web server: a dj sees no
Stations section and is refused its edit form; an operator reads the Stations list without any
edit control; an admin gets them all."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from domain.config import Settings
from domain.models import Role, User
from tests.daemon_process import add_station
from tests.web_fixtures import log_in, make_user

PASSWORD = "a long enough password"


@pytest.fixture
async def accounts(settings: Settings, user: User) -> None:
    """Besides the admin `user`: "spinner" (dj only) and "runner" (operator only)."""
    await make_user(settings, "spinner", PASSWORD, roles=[Role.DJ])
    await make_user(settings, "runner", PASSWORD, roles=[Role.OPERATOR])


@pytest.fixture
def station(accounts: None, database_url: str) -> int:
    return add_station(database_url)


def test_a_dj_sees_no_stations_and_may_not_edit_one(page: Page, station: int) -> None:
    log_in(page, "spinner", PASSWORD)
    nav = page.locator("nav.mainnav")
    expect(nav.get_by_role("link", name="Tracklists")).to_be_visible()
    expect(nav.get_by_role("link", name="Stations")).to_have_count(0)
    expect(nav.get_by_role("link", name="Loops")).to_have_count(0)
    edit = page.goto(f"/stations/{station}/edit")
    assert edit is not None and edit.status == 403
    expect(page.locator("form#station-form")).to_have_count(0)
    listing = page.goto("/stations")
    assert listing is not None and listing.status == 403
    expect(page.get_by_role("button", name="Disable")).to_have_count(0)


def test_an_operator_reads_stations_without_edit_controls(page: Page, station: int) -> None:
    log_in(page, "runner", PASSWORD)
    expect(page.locator("nav.mainnav").get_by_role("link", name="Tracklists")).to_have_count(0)
    page.goto("/stations")
    expect(page.locator("#stations-rows tr")).to_have_count(1)
    expect(page.locator("#stations-rows")).to_contain_text("Radio One")
    expect(page.get_by_role("link", name="Edit")).to_have_count(0)
    expect(page.get_by_role("link", name="Radio One")).to_have_count(0)
    expect(page.get_by_role("button", name="Disable")).to_have_count(0)
    expect(page.get_by_text("Add a station")).to_have_count(0)
    edit = page.goto(f"/stations/{station}/edit")
    assert edit is not None and edit.status == 403


def test_an_admin_gets_the_edit_controls(page: Page, station: int) -> None:
    log_in(page)
    page.goto("/stations")
    expect(page.get_by_role("link", name="Edit")).to_have_count(1)
    expect(page.get_by_role("button", name="Disable")).to_have_count(1)
    expect(page.get_by_text("Add a station")).to_have_count(1)
