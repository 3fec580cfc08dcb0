"""The review queue in real Chromium: the keyboard decides rows (j/k move, a accepts the
suggestion, r rejects), htmx swaps each decided row, and the decisions reach the database."""

from __future__ import annotations

import psycopg
import pytest
from playwright.sync_api import Page, expect

from domain.db import Sessions
from domain.models import User
from tests.test_review_queue import provisional
from tests.web_fixtures import log_in


@pytest.fixture
async def three_rows(user: User, sessions: Sessions) -> list[int]:
    """Three provisional rows, newest mix first as the queue shows them."""
    ids = [await provisional(sessions, name) for name in ("first", "second", "third")]
    return ids[::-1]


def states(database_url: str, ids: list[int]) -> list[tuple[str, str | None]]:
    with psycopg.connect(database_url) as conn:
        found = dict(
            (row[0], (row[1], row[2]))
            for row in conn.execute(
                "SELECT id, state, method FROM discoveries WHERE id = ANY(%s)", (ids,)
            )
        )
    return [found[i] for i in ids]


def test_the_keyboard_accepts_and_rejects_rows(
    page: Page, three_rows: list[int], database_url: str
) -> None:
    top, middle, bottom = three_rows
    log_in(page)
    page.goto("/review")
    expect(page.locator(".review-row")).to_have_count(3)
    expect(page.locator(".mainnav .nav-badge")).to_have_text("3")

    page.keyboard.press("j")  # the first row
    expect(page.locator(f"#review-{top}")).to_be_focused()
    page.keyboard.press("j")
    page.keyboard.press("k")  # back to the first
    expect(page.locator(f"#review-{top}")).to_be_focused()

    page.keyboard.press("a")  # accept the first; the next row takes the focus
    expect(page.locator(f"#review-{top}")).to_have_text("Row accepted: library track 1.")
    expect(page.locator(f"#review-{middle}")).to_be_focused()
    page.keyboard.press("r")
    expect(page.locator(f"#review-{middle}")).to_have_text("Row rejected.")
    expect(page.locator(".review-row")).to_have_count(1)

    # Keys typed into the confidence field are text, not decisions.
    page.locator("#bulk-confidence").fill("")
    page.locator("#bulk-confidence").press("r")
    expect(page.locator(f"#review-{bottom}.review-row")).to_have_count(1)

    assert states(database_url, [bottom]) == [("provisional", None)]

    # A row decided elsewhere meanwhile (here: deleted) says so instead of doing nothing.
    with psycopg.connect(database_url) as conn:
        conn.execute("DELETE FROM discoveries WHERE id = %s", (bottom,))
    page.locator(f"#review-{bottom} .review-reject").click()
    expect(page.locator(f"#review-{bottom} .review-error")).to_have_text(
        "Not saved (404): reload the queue."
    )

    assert states(database_url, [top, middle]) == [
        ("matched", "manual"),
        ("rejected", "manual"),
    ]


def test_s_opens_the_rows_search_and_typing_there_decides_nothing(
    page: Page, three_rows: list[int], database_url: str
) -> None:
    top = three_rows[0]
    log_in(page)
    page.goto("/review")
    page.keyboard.press("j")
    page.keyboard.press("s")
    search = page.locator(f"#review-{top} .review-search")
    expect(search).to_have_attribute("open", "")
    artist = search.locator("input[name=artist]")
    expect(artist).to_be_focused()
    artist.press_sequentially("ar")  # "a" and "r" are keys of the queue, but typed here
    expect(artist).to_have_value("ar")
    # An empty title: the refusal comes back beside the form, the row still there.
    search.locator("button[type=submit]").click()
    expect(page.locator(f"#review-{top} .review-search .form-error")).to_contain_text(
        "type an artist and a title"
    )
    assert states(database_url, three_rows) == [("provisional", None)] * 3
