"""Search by hand in the review queue, against the fake MusicBrainz: by artist and title or by a
MusicBrainz link, what is found joins the row's candidates first and can be accepted; refused
input and a service that does not answer are said beside the form, with nothing changed."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest

from domain.config import Settings
from domain.db import Sessions
from domain.library.musicbrainz import lucene_query
from domain.models import User
from tests.fakes import musicbrainz as mb
from tests.fakes.json_service import invalid_json
from tests.test_review_queue import discovery, provisional, track
from tests.test_web_pages import only, texts
from tests.web_fixtures import PASSWORD, USERNAME, Client, logged_in

HTMX = {"HX-Request": "true"}
TRUNCATE = "0d9b7a10-4444-4c6e-9d0b-6f6d0c4a0004"


@pytest.fixture
async def reviewer(
    identify_settings: Settings, identify_musicbrainz: mb.FakeMusicBrainz, user: User
) -> AsyncIterator[Client]:
    """A logged-in client of an app whose MusicBrainz is the fake."""
    async with logged_in(identify_settings, USERNAME, PASSWORD) as client:
        yield client


def truncate_remix() -> dict[str, object]:
    return mb.recording(
        "Opus (Truncate Remix)",
        [mb.credit("Eric Prydz")],
        length=421_000,
        recording_id=TRUNCATE,
        releases=[mb.release("Opus (Remixes)", label="Virgin")],
    )


async def test_a_search_by_artist_and_title_adds_candidates_to_accept(
    reviewer: Client, sessions: Sessions, identify_musicbrainz: mb.FakeMusicBrainz
) -> None:
    row = await provisional(sessions, "m1")
    identify_musicbrainz.search(lucene_query("Eric Prydz", "Opus"), [truncate_remix()])

    answer = await reviewer.post(
        f"/review/{row}/search", data={"artist": "Eric Prydz", "title": "Opus"}, headers=HTMX
    )

    assert answer.status_code == 200, answer.text
    assert only(answer.text, ".review-search .hint").text() == "Found 1: first in the list above."
    first = texts(answer.text, ".review-candidate.suggested dd")
    assert first[:3] == ["Eric Prydz", "Opus (Truncate Remix)", "Truncate Remix"]
    stored = await discovery(sessions, row)
    ids = [c["musicbrainz_recording_id"] for c in stored.candidates]
    assert ids[0] == TRUNCATE and len(ids) == 2  # the found one first, the old one kept
    assert stored.state == "provisional"  # found, not decided: a person accepts

    accepted = await reviewer.post(f"/review/{row}/accept", data={"candidate": "0"}, headers=HTMX)
    assert accepted.status_code == 200
    decided = await discovery(sessions, row)
    assert decided.library_track_id is not None
    assert (await track(sessions, decided.library_track_id)).musicbrainz_recording_id == TRUNCATE


async def test_a_musicbrainz_link_finds_that_recording(
    reviewer: Client, sessions: Sessions, identify_musicbrainz: mb.FakeMusicBrainz
) -> None:
    row = await provisional(sessions, "m2")
    identify_musicbrainz.add_recording(truncate_remix())
    link = f"https://musicbrainz.org/recording/{TRUNCATE}"

    answer = await reviewer.post(f"/review/{row}/search", data={"url": link}, headers=HTMX)

    assert answer.status_code == 200, answer.text
    assert only(answer.text, ".review-search .hint").text() == "Found 1: first in the list above."
    looked_up = [r.path for r in identify_musicbrainz.requests]
    assert looked_up == [f"/ws/2/recording/{TRUNCATE}"]
    stored = await discovery(sessions, row)
    assert stored.candidates[0]["musicbrainz_recording_id"] == TRUNCATE


async def test_nothing_found_says_so(
    reviewer: Client, sessions: Sessions, identify_musicbrainz: mb.FakeMusicBrainz
) -> None:
    row = await provisional(sessions, "m3")
    before = (await discovery(sessions, row)).candidates
    answer = await reviewer.post(
        f"/review/{row}/search", data={"artist": "Nobody", "title": "Nothing"}, headers=HTMX
    )
    assert answer.status_code == 200
    assert only(answer.text, ".review-search .hint").text() == "Nothing found under those names."
    assert (await discovery(sessions, row)).candidates == before


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({}, "type an artist and a title, or paste a MusicBrainz or Discogs link"),
        ({"artist": "Eric Prydz"}, "type an artist and a title"),
        ({"url": "https://example.com/opus"}, "paste a MusicBrainz recording link"),
        ({"url": "https://www.discogs.com/release/123"}, "Discogs is not set up (DISCOGS_TOKEN)"),
        ({"artist": "x" * 501, "title": "Opus"}, "artist is longer than 500 characters"),
        ({"artist": "Eric\x00", "title": "Opus"}, "artist contains a NUL byte"),
    ],
)
async def test_refused_input_is_said_beside_the_form_and_changes_nothing(
    reviewer: Client,
    sessions: Sessions,
    identify_musicbrainz: mb.FakeMusicBrainz,
    form: dict[str, str],
    message: str,
) -> None:
    row = await provisional(sessions, "m4")
    before = (await discovery(sessions, row)).candidates

    answer = await reviewer.post(f"/review/{row}/search", data=form, headers=HTMX)

    assert answer.status_code == 422
    assert message in only(answer.text, ".review-search .form-error").text()
    assert "open" in only(answer.text, ".review-search").attributes
    assert (await discovery(sessions, row)).candidates == before
    assert identify_musicbrainz.requests == []  # nothing was asked


async def test_a_service_that_fails_is_said_and_changes_nothing(
    reviewer: Client, sessions: Sessions, identify_musicbrainz: mb.FakeMusicBrainz
) -> None:
    row = await provisional(sessions, "m5")
    before = (await discovery(sessions, row)).candidates
    identify_musicbrainz.faults([invalid_json()] * 10)

    answer = await reviewer.post(
        f"/review/{row}/search", data={"artist": "Eric Prydz", "title": "Opus"}, headers=HTMX
    )

    assert answer.status_code == 200
    said = only(answer.text, ".review-search .form-error").text()
    assert said.startswith("MusicBrainz:") and "nothing was changed" in said
    assert (await discovery(sessions, row)).candidates == before


async def test_an_unknown_row_is_a_404_and_a_plain_form_goes_back_to_the_queue(
    reviewer: Client, sessions: Sessions, identify_musicbrainz: mb.FakeMusicBrainz
) -> None:
    missing = await reviewer.post(
        "/review/999999/search", data={"artist": "A", "title": "B"}, headers=HTMX
    )
    assert missing.status_code == 404
    row = await provisional(sessions, "m6")
    plain = await reviewer.post(
        f"/review/{row}/search", data={"artist": "A", "title": "B"}, follow_redirects=False
    )
    assert plain.status_code == 303
    assert plain.headers["location"] == f"/review#review-{row}"
    refused = await reviewer.post(f"/review/{row}/search", data={"url": "nope"})
    assert refused.status_code == 400
    assert "url:" in json.dumps(refused.text)
