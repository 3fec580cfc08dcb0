"""Every page on a phone (390 by 844) in real Chromium: nothing is wider than the screen, the
navigation folds behind a menu button, and the dashboard's cards keep their contents inside them
at any width. Pages are seeded with rows, long titles and a long error, as a busy station has."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from playwright.sync_api import Browser, Page, expect
from psycopg.types.json import Jsonb

from domain import channels
from domain.accounts import setup_token
from domain.collection import store as collection_store
from domain.config import Settings
from domain.library.store import ReleaseFacts, upsert_track
from domain.library.wants import add_want
from domain.loops.mapper import TrackMapper
from domain.models import User
from domain.resources import Resources
from domain.tracklists import drafts, imports
from domain.tracklists.urls import SiteUrls
from tests.daemon_process import add_station
from tests.library_data import facts
from tests.test_api_library import heard_in
from tests.test_collection_pages import JPEG, analysed, record
from tests.test_dashboard import add_play, make_card, store_health
from tests.test_review_queue import musicbrainz_candidate, provisional
from tests.tracklist_seeds import mix, store
from tests.web_fixtures import PASSWORD, USERNAME, log_in

PHONE = {"width": 390, "height": 844}
WIDTHS = (390, 800, 1280)
# Long words are what push a page sideways: a file name or a title without a space to break at.
LONG_TITLE = "Extended-Club-Mix-Without-Any-Space-To-Break-At-" * 3
LONG_ERROR = (
    "cannot reach http://radio.example.internal:8000/api/nowplaying/radio_one_with_a_long_name:"
    " connection refused after 3 attempts; the daemon keeps polling every 15 seconds " * 2
)
PAGE_WIDTH = "() => document.documentElement.scrollWidth"
# Every child element of each card that lies outside the card's box (a pixel of rounding allowed).
OVERFLOWING = """() => {
  const out = [];
  for (const card of document.querySelectorAll('.station')) {
    const box = card.getBoundingClientRect();
    for (const child of card.querySelectorAll('*')) {
      const r = child.getBoundingClientRect();
      if (r.width === 0 && r.height === 0) continue;
      if (r.left < box.left - 1 || r.right > box.right + 1 || r.bottom > box.bottom + 1)
        out.push(`${child.tagName}.${child.className}: ${Math.round(r.right)} > ${box.right}`);
    }
  }
  return out;
}"""
# Screenshots for a person to look at: SCREENSHOTS=folder pytest tests/browser/test_phones.py
SCREENSHOTS = os.environ.get("SCREENSHOTS")


@dataclass(frozen=True)
class Seeded:
    station_id: int
    tracklist_id: int
    import_id: int
    library_track_id: int
    collection_file_id: int


@pytest.fixture
async def seeded(
    user: User, mapper: TrackMapper, resources: Resources, settings: Settings, database_url: str
) -> Seeded:
    """Rows on every page: mappings, a station with a long error, plays, a tracklist, a draft,
    provisional rows and a collection file to review, an owned track."""
    await mapper.create_mapping("Daft Punk", LONG_TITLE, "a.mp4", notes=LONG_TITLE)
    await mapper.create_mapping("Bicep", "Glue", "sub/c.mp4")
    station_id = add_station(database_url, name="Radio One With A Rather Long Station Name")
    card = make_card("Anyma", LONG_TITLE, loop_path=str(settings.loops_path / "a.mp4"))
    store_health(database_url, station_id, card, state="down", last_error=LONG_ERROR)
    for title in (LONG_TITLE, "Glue", "One More Time"):
        add_play(database_url, "Daft Punk", title, loop_path=str(settings.loops_path / "a.mp4"))
    add_play(database_url, "Nobody", "Unmapped", reason="default")
    stored = await store(resources.sessions, mix(title=LONG_TITLE))
    await drafts.start_draft(resources.sessions, stored.tracklist_id, user.id)
    site = SiteUrls.from_settings(settings)
    job = await imports.create_import(
        resources.sessions, site, f"{site.base_url}/tracklist/9zz9/{LONG_TITLE.lower()}.html"
    )
    track_id = await upsert_track(
        resources.sessions,
        facts("Daft Punk", LONG_TITLE, label=LONG_TITLE),
        {"discogs_release": "1234567"},
        ReleaseFacts(genre="French House", catalogue_number=LONG_TITLE),
    )
    await heard_in(resources.sessions, database_url, "Heard-in-mix", [track_id])
    await add_want(resources.sessions, user.id, track_id, notes=LONG_TITLE)
    long = musicbrainz_candidate(artist=LONG_TITLE, title=LONG_TITLE)
    await provisional(resources.sessions, "review-long", candidates=[long, long])
    await provisional(resources.sessions, "review-short")
    file_ids = await collection_store.save_files(
        resources.sessions,
        [
            record(f"{LONG_TITLE}/{LONG_TITLE}.mp3", artist=LONG_TITLE, title=LONG_TITLE,
                   album=LONG_TITLE, tag_key="Am", cover=JPEG),
            record("short.mp3", artist="Bicep", title="Glue"),
        ],
    )  # fmt: skip
    analysed(database_url, file_ids[0], "A minor", "8A", "1m", "124.0")
    analysed(database_url, file_ids[1], "E minor", "9A", "2m", "126.0")
    # The long file waits on /review as "is this file that track?"; the short one is owned.
    with psycopg.connect(database_url) as conn:
        conn.execute(
            "INSERT INTO collection_matches (collection_file_id, state, library_track_id,"
            " confidence, candidates) VALUES (%s, 'provisional', %s, 0.8, %s)",
            (file_ids[0], track_id, Jsonb([long | {"library_track_id": track_id}])),
        )
        conn.execute(
            "UPDATE collection_files SET library_track_id = %s WHERE id = %s",
            (track_id, file_ids[1]),
        )
    return Seeded(station_id, stored.tracklist_id, job.id, track_id, file_ids[0])


def signed_in_pages(seeded: Seeded) -> list[str]:
    tracklist = f"/tracklists/{seeded.tracklist_id}"
    return [
        "/",
        "/loops",
        "/fallbacks",
        "/plays",
        "/stations",
        f"/stations/{seeded.station_id}/edit",
        "/tracklists",
        tracklist,
        f"{tracklist}/draft",
        f"/tracklists/imports/{seeded.import_id}",
        "/tracklists/site-search",
        "/tracklists/new",
        f"{tracklist}/delete",
        f"{tracklist}/versions/1",
        "/loops/upload",
        "/library",
        f"/library/{seeded.library_track_id}",
        "/want-list",
        "/loops/preview?path=a.mp4",
        "/account",
        "/account/password",
        "/account/tokens",
        "/users",
        "/schema/swagger",
        "/review",
        "/library/discoveries",
        "/library/discoveries?period=all-time",
        "/collection",
        f"/collection/{seeded.collection_file_id}",
        "/sources",
        "/tracklists/987654",  # the error page
    ]


def page_width(page: Page, path: str, width: int = PHONE["width"]) -> int:
    if SCREENSHOTS:
        name = path.strip("/").replace("/", "_") or "dashboard"
        page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}-{width}.png"), full_page=True)
    return int(page.evaluate(PAGE_WIDTH))


def assert_fits(page: Page, path: str, width: int = PHONE["width"]) -> None:
    assert page_width(page, path, width) <= width, f"{path} is wider than {width} px"


@pytest.mark.parametrize("width", [PHONE["width"], 1280])
def test_every_page_fits_a_phone_and_a_desktop(page: Page, seeded: Seeded, width: int) -> None:
    page.set_viewport_size({"width": width, "height": PHONE["height"]})
    log_in(page)
    too_wide = {}
    for path in signed_in_pages(seeded):
        page.goto(path)
        expect(page.locator("main h1").first).to_be_visible()
        if path == "/schema/swagger":
            expect(page.locator(".opblock").first).to_be_visible()
        if (seen := page_width(page, path, width)) > width:
            too_wide[path] = seen
    assert too_wide == {}


def test_the_login_page_fits_a_phone_and_keeps_the_username(page: Page, user: User) -> None:
    page.set_viewport_size(PHONE)
    page.goto("/login")
    expect(page.locator(".first-run")).to_have_count(0)
    assert_fits(page, "/login")
    page.fill("#username", USERNAME)
    page.fill("#password", PASSWORD + "x")
    page.click("button[type=submit]")
    expect(page.locator(".form-error")).to_have_text("Wrong username or password.")
    expect(page.locator("#username")).to_have_value(USERNAME)
    expect(page.locator("#password")).to_have_value("")
    assert_fits(page, "/login-failed")


@pytest.fixture
async def setup_link(resources: Resources, settings: Settings) -> str:
    """The one-time link the web process logs while no account exists."""
    token = await setup_token.issue_setup_token(resources.redis, channels.setup_token(settings))
    assert token is not None
    return f"/setup?token={token}"


def test_the_first_run_pages_fit_a_phone(page: Page, setup_link: str) -> None:
    page.set_viewport_size(PHONE)
    page.goto("/login")
    hint = page.locator(".first-run")
    expect(hint).to_contain_text("No account exists yet")
    expect(hint).to_contain_text("crateloop user create")
    assert setup_link.split("=", 1)[1] not in page.content()  # the link stays in the log
    assert_fits(page, "/login-first-run")
    page.goto(setup_link)
    expect(page.locator("main h1")).to_have_text("Create the first account")
    assert_fits(page, "/setup")
    # An error page for someone not logged in: a setup link that is not the logged one.
    page.goto("/setup?token=not-the-logged-one")
    expect(page.locator("main h1")).to_have_text("404")
    assert_fits(page, "/setup-refused")


def test_the_menu_button_opens_the_navigation_on_a_phone(page: Page, user: User) -> None:
    page.set_viewport_size(PHONE)
    log_in(page)
    page.goto("/")
    nav = page.get_by_role("navigation", name="Main")
    plays = nav.get_by_role("link", name="Plays")
    log_out = page.get_by_role("button", name="Log out")
    expect(plays).to_be_hidden()
    page.get_by_role("button", name="Menu").click()
    expect(page.get_by_role("button", name="Menu")).to_have_attribute("aria-expanded", "true")
    for item in (plays, nav.get_by_role("link", name="Tracklists"), log_out):
        expect(item).to_be_in_viewport()
    plays.click()
    expect(page).to_have_url(f"{page.url.rsplit('/', 1)[0]}/plays")
    # Wide screens show the navigation without a button.
    page.set_viewport_size({"width": 1280, "height": 800})
    expect(page.get_by_role("button", name="Menu")).to_be_hidden()
    expect(nav.get_by_role("link", name="Tracklists")).to_be_in_viewport()
    expect(log_out).to_be_in_viewport()


@pytest.mark.parametrize("width", WIDTHS)
def test_dashboard_cards_keep_their_contents_inside(
    browser: Browser, base_url: str, seeded: Seeded, width: int
) -> None:
    context = browser.new_context(base_url=base_url, viewport={"width": width, "height": 900})
    page = context.new_page()
    try:
        log_in(page)
        page.goto("/")
        expect(page.locator(".last-error")).to_contain_text("connection refused")
        assert page.evaluate(OVERFLOWING) == []
        # The long error wraps onto several lines rather than being cut off.
        error = page.locator(".last-error").bounding_box()
        assert error is not None and error["height"] > 30
        assert_fits(page, "/", width)
    finally:
        context.close()
