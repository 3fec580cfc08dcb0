"""The Discoveries page and /api/v1/discovery: a period's figures from the snapshot, the stale
snapshot's "updating", a refused period, one tracklist's figures, and names escaped."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from domain.config import Settings
from domain.db import Sessions
from domain.library import statistics
from domain.library.wants import add_want, update_want
from domain.models import Role, TracklistOrigin, User
from tests.library_data import Library
from tests.test_web_pages import only, page, texts
from tests.web_fixtures import PASSWORD, Client, logged_in, make_user

XSS = "<script>alert(1)</script>"
DASH = "\u2013"  # between artist and title, as the page shows it


@pytest.fixture
def library(sessions: Sessions, database_url: str) -> Library:
    """Mixes dated back from the real now: the page counts back from the moment it is asked."""
    return Library(sessions, database_url, datetime.now(UTC))


@pytest.fixture
async def dj_user(settings: Settings, user: User) -> User:
    return await make_user(settings, "dj", PASSWORD, is_admin=False, roles={Role.DJ})


@pytest.fixture
async def dj(settings: Settings, dj_user: User) -> AsyncIterator[Client]:
    """A dj, logged in (the figures' want-list conversion is theirs)."""
    async with logged_in(settings, "dj", PASSWORD) as client:
        yield client


def swap(trigger: str) -> dict[str, str]:
    """The headers of an htmx request swapping the figures, sent by the element `trigger`."""
    return {"HX-Request": "true", "HX-Target": "discovery-figures", "HX-Trigger": trigger}


async def seed(library: Library) -> tuple[int, int]:
    strobe = await library.track("deadmau5", "Strobe", "mau5trap", "Progressive House")
    opus = await library.track("Eric Prydz", "Opus", "Virgin", "Techno")
    await library.mix([strobe, opus], days_ago=2)
    await library.mix([strobe], days_ago=3, origin=TracklistOrigin.PASTE)
    return strobe, opus


async def test_the_page_shows_a_periods_figures(
    dj: Client, dj_user: User, library: Library, sessions: Sessions
) -> None:
    strobe, opus = await seed(library)
    want = await add_want(sessions, dj_user.id, opus)
    await update_want(sessions, dj_user.id, want, status="in_library")

    html = (await dj.get("/library/discoveries", params={"period": "daily"})).text

    assert only(html, ".fig-tracks").text() == "2"
    assert only(html, ".fig-artists").text() == "2"
    assert only(html, ".fig-mixes").text() == "2"
    assert only(html, ".fig-conversion").text() == "100 %"
    assert only(html, ".period-tabs [aria-current=page]").text() == "Daily"
    assert texts(html, ".sources tbody td") == ["Imported", "1", "Pasted", "1", "Hand-made", "0"]
    assert texts(html, ".supported tbody a") == [
        f"deadmau5 {DASH} Strobe",
        f"Eric Prydz {DASH} Opus",
    ]
    assert page(html).css(".supported tbody a")[0].attributes["href"] == f"/library/{strobe}"
    heights = [b.attributes["data-value"] for b in page(html).css("#chart-discoveries rect.bar")]
    assert len(heights) == 31  # every day of the 30 days, today included
    assert sorted(heights)[-2:] == ["1", "2"]  # Strobe and Opus two days ago, Strobe before
    assert "updating" not in html  # the first view computes the figures itself


async def test_switching_period_swaps_the_figures_and_pushes_the_url(
    dj: Client, library: Library
) -> None:
    await seed(library)
    answer = await dj.get(
        "/library/discoveries",
        params={"period": "all-time"},
        headers={
            "HX-Request": "true",
            "HX-Target": "discovery-figures",
            "HX-Trigger": "period-all-time",
        },
    )
    assert answer.status_code == 200
    assert answer.headers["hx-push-url"] == "/library/discoveries?period=all-time"
    assert (
        only(answer.text, "#discovery-figures .period-tabs [aria-current=page]").text()
        == "All time"
    )
    assert "<h1>" not in answer.text  # the section alone


async def test_a_stale_snapshot_shows_updating_and_asks_again(
    dj: Client, library: Library, sessions: Sessions
) -> None:
    strobe, _ = await seed(library)
    await statistics.refresh(sessions, datetime.now(UTC) - timedelta(minutes=5))
    await library.mix([strobe], days_ago=0)  # identified after the snapshot

    html = (await dj.get("/library/discoveries", params={"period": "monthly"})).text
    section = only(html, "#discovery-figures")
    assert only(html, ".updating").text() == "updating…"
    assert section.attributes["hx-trigger"] == "every 3s"
    assert only(html, ".fig-mixes").text() == "2"  # the snapshot's figures meanwhile

    await statistics.refresh(sessions)  # what the worker does
    again = await dj.get(
        "/library/discoveries",
        params={"period": "monthly"},
        headers={
            "HX-Request": "true",
            "HX-Target": "discovery-figures",
            "HX-Trigger": "discovery-figures",
        },
    )
    assert again.headers["hx-push-url"] == "false"  # asking again is not a move elsewhere
    assert only(again.text, ".fig-mixes").text() == "3"
    assert "hx-trigger" not in only(again.text, "#discovery-figures").attributes


async def test_an_unknown_period_is_refused_by_name(dj: Client) -> None:
    answer = await dj.get("/library/discoveries", params={"period": "yearly"})
    assert answer.status_code == 400
    assert only(answer.text, ".form-error").text() == (
        "period is 'yearly': use one of daily, weekly, monthly, all-time"
    )
    assert only(answer.text, ".period-tabs [aria-current=page]").text() == "Monthly"


async def test_names_are_escaped(dj: Client, library: Library) -> None:
    evil = await library.track(XSS, XSS, XSS, XSS)
    await library.mix([evil], days_ago=1)
    html = (await dj.get("/library/discoveries", params={"period": "daily"})).text
    assert XSS not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


async def test_the_api_gives_figures_trends_and_one_source(
    dj: Client, library: Library, sessions: Sessions
) -> None:
    strobe, _ = await seed(library)

    figures = (await dj.get("/api/v1/discovery/statistics", params={"period": "weekly"})).json()
    assert (figures["period"], figures["tracks"], figures["stale"]) == ("weekly", 2, False)
    assert figures["conversion"] == {"wanted": 0, "bought": 0, "rate": None}
    assert figures["most_supported"][0]["library_track_id"] == strobe

    trends = (await dj.get("/api/v1/discovery/trends")).json()
    assert set(trends) == {
        "rising_artists", "rising_labels", "rising_genres", "rate_recent", "rate_before",
        "computed_at", "stale",
    }  # fmt: skip
    assert {t["name"] for t in trends["rising_artists"]} == {"deadmau5", "Eric Prydz"}

    mix = await library.mix([strobe], days_ago=0, origin=TracklistOrigin.HAND)
    source = (await dj.get(f"/api/v1/discovery/sources/{mix}")).json()
    assert (source["source"], source["tracks"], source["new_tracks"]) == ("hand-made", 1, 0)

    bad = await dj.get("/api/v1/discovery/statistics", params={"period": "yearly"})
    assert bad.status_code == 400
    assert bad.json()["field"] == "period"
    missing = await dj.get("/api/v1/discovery/sources/999999")
    assert missing.status_code == 404
    assert missing.json()["detail"] == "no tracklist with id 999999"
