"""The Library and Want-list pages through HTTP (issue 11 §5): filters, refused values (400 naming
the field, nothing listed), a track's page, adding to the want-list, inline edit, bulk changes,
and another user's item (404, unchanged). Real database, real app."""

from __future__ import annotations

import psycopg
import pytest
from selectolax.lexbor import LexborNode as Node

from domain.config import Settings
from domain.db import Sessions
from domain.library.store import ReleaseFacts, upsert_track
from domain.library.wants import add_want
from domain.models import User
from tests.library_data import ASTRAL, facts
from tests.test_api_library import heard_in
from tests.test_web_pages import only, page, texts
from tests.web_fixtures import Client, make_user

HX = {"HX-Request": "true"}
HX_LIBRARY = HX | {"HX-Target": "library-results"}
HX_WANTS = HX | {"HX-Target": "wants-results"}


@pytest.fixture
async def astral(sessions: Sessions) -> int:
    return await upsert_track(
        sessions,
        facts("Tale Of Us & Mind Against", "Astral", ASTRAL, "AFTERLIFE"),
        {"discogs_release": "1234567"},
        ReleaseFacts(genre="Melodic Techno", catalogue_number="AFL001"),
    )


@pytest.fixture
async def horizon(sessions: Sessions) -> int:
    return await upsert_track(sessions, facts("ARTBAT", "Horizon", label="Upperground"))


def want_rows(database_url: str) -> list[tuple[object, ...]]:
    with psycopg.connect(database_url) as conn:
        return conn.execute(
            "SELECT id, library_track_id, status, priority, notes FROM want_list ORDER BY id"
        ).fetchall()


# --- the Library page --------------------------------------------------------------------------


async def test_the_library_lists_filters_and_sorts_tracks(
    client: Client, sessions: Sessions, database_url: str, astral: int, horizon: int
) -> None:
    await heard_in(sessions, database_url, "Mix one", [horizon])
    await heard_in(sessions, database_url, "Mix two", [astral, horizon])

    everything = await client.get("/library")  # in the most mixes first
    assert everything.status_code == 200
    assert texts(everything.text, "td.artist") == ["ARTBAT", "Tale Of Us & Mind Against"]

    by_title = await client.get("/library?sort=title")
    assert texts(by_title.text, "td.artist") == ["Tale Of Us & Mind Against", "ARTBAT"]

    by_label = await client.get("/library", params={"label": "upperground"}, headers=HX_LIBRARY)
    assert by_label.status_code == 200
    assert texts(by_label.text, "td.artist") == ["ARTBAT"]
    assert by_label.headers["HX-Push-Url"] == "/library?label=upperground"

    twice = await client.get("/library", params={"min_mixes": "2"})
    assert texts(twice.text, "td.title") == ["Horizon"]
    tale = await client.get("/library", params={"artist": "tale", "genre": "melodic techno"})
    assert texts(tale.text, "td.title") == ["Astral (Afterlife Remix)"]
    none = await client.get("/library", params={"discovered_after": "2999-01-01"})
    assert texts(none.text, "tr.library-track") == []


@pytest.mark.parametrize(
    ("params", "field", "said"),
    [
        ({"discovered_after": "yesterday"}, "discovered_after", "YYYY-MM-DD"),
        ({"min_mixes": "0"}, "min_mixes", "whole number from 1"),
        ({"min_mixes": "two"}, "min_mixes", "whole number from 1"),
        ({"sort": "bpm"}, "sort", "discovered, last_seen or title"),
        ({"page": "-1"}, "page", "whole number from 1"),
        ({"per_page": "7"}, "per_page", "use 10, 25, 50 or 100"),
    ],
)
async def test_a_bad_library_filter_is_a_400_naming_the_field_with_no_rows(
    client: Client, astral: int, params: dict[str, str], field: str, said: str
) -> None:
    for headers in ({}, HX_LIBRARY):
        answer = await client.get("/library", params=params, headers=headers)
        assert answer.status_code == 400
        error = only(answer.text, f"#lib-filter-{field}-error, #lib-{field}-error")
        assert said in error.text()  # beside the field it is about (the id says which)
        assert texts(answer.text, "tr.library-track") == []


async def test_a_track_page_has_its_mixes_links_and_adds_to_the_want_list(
    client: Client, sessions: Sessions, database_url: str, astral: int
) -> None:
    tracklist = await heard_in(sessions, database_url, "Afterlife <b>Voyage</b>", [astral])
    answer = await client.get(f"/library/{astral}")
    assert answer.status_code == 200
    assert "AFL001" in answer.text and "Melodic Techno" in answer.text
    mix = only(answer.text, "table.heard-in tbody a")
    assert mix.attributes["href"] == f"/tracklists/{tracklist}/versions/1"
    assert mix.text() == "Afterlife <b>Voyage</b>"  # escaped, shown as typed
    assert texts(answer.text, "table.heard-in td.mono") == ["1:04:10"]
    for link in page_links(answer.text):
        assert link.attributes["target"] == "_blank"
        assert link.attributes["rel"] == "noopener noreferrer"
    assert only(answer.text, "#want-button form input[name=_csrf_token]") is not None

    added = await client.post(f"/library/{astral}/want", headers=HX)
    assert added.status_code == 200
    assert "Added to your want-list." in added.text
    stored = want_rows(database_url)
    assert [(row[1], row[2]) for row in stored] == [(astral, "wanted")]

    twice = await client.post(f"/library/{astral}/want", headers=HX)
    assert twice.status_code == 400
    assert "already on your want-list" in only(twice.text, "#want-error").text()
    assert want_rows(database_url) == stored

    assert (await client.get("/library/987654")).status_code == 404
    assert (await client.post("/library/987654/want", headers=HX)).status_code == 400
    assert (await client.post("/library/987654/want")).status_code == 404
    plain = await client.post(f"/library/{astral}/want")  # a form without htmx: the page
    assert plain.status_code == 400
    assert "already on your want-list" in only(plain.text, "#want-error").text()
    assert want_rows(database_url) == stored


def page_links(html: str) -> list[Node]:
    links = page(html).css("ul.purchase-links a")
    assert links, "no purchase links"
    return list(links)


# --- the Want-list page ------------------------------------------------------------------------


@pytest.fixture
async def two_wants(
    client: Client, sessions: Sessions, user: User, astral: int, horizon: int
) -> tuple[int, int]:
    first = await add_want(sessions, user.id, astral, priority=1)
    second = await add_want(sessions, user.id, horizon, priority=4)
    return first, second


async def test_the_want_list_filters_and_refuses_bad_filters(
    client: Client, two_wants: tuple[int, int]
) -> None:
    everything = await client.get("/want-list")
    assert everything.status_code == 200
    assert len(texts(everything.text, "tr.want")) == 2
    links = [a.attributes["href"] for a in page(everything.text).css("p.exports a")]
    assert links == [
        *(f"/api/v1/want-list/export?format={fmt}" for fmt in ("csv", "json", "txt")),
        *(f"/api/v1/want-list/export-owned?format={fmt}" for fmt in ("m3u8", "rekordbox")),
    ]
    exported = await client.get(str(links[0]))
    assert exported.status_code == 200
    assert "Horizon" in exported.text and "Astral" in exported.text

    urgent = await client.get("/want-list", params={"priority": "1"}, headers=HX_WANTS)
    assert [r.attributes["id"] for r in page_rows(urgent.text)] == [f"want-row-{two_wants[0]}"]

    for params, field in (({"status": "sold"}, "status"), ({"added_after": "soon"}, "added_after")):
        refused = await client.get("/want-list", params=params, headers=HX_WANTS)
        assert refused.status_code == 400
        assert only(refused.text, f"#wants-filter-{field}-error").text()
        assert texts(refused.text, "tr.want") == []


def page_rows(html: str) -> list[Node]:
    return list(page(html).css("tr.want"))


async def test_an_item_is_edited_in_place_and_a_refusal_changes_nothing(
    client: Client, database_url: str, two_wants: tuple[int, int]
) -> None:
    first, _ = two_wants
    changed = await client.post(
        f"/want-list/{first}",
        data={"priority": "2", "status": "found", "notes": "ask <Bob>"},
        headers=HX,
    )
    assert changed.status_code == 200
    row = only(changed.text, f"tr#want-row-{first}")
    assert row.attributes["class"] == "want saved"
    assert row.css_first("input[name=notes]").attributes["value"] == "ask <Bob>"
    stored = want_rows(database_url)
    assert stored[0][2:] == ("found", 2, "ask <Bob>")

    typed = {"priority": "9", "status": "found", "notes": "typed, kept"}
    for headers in (HX, {}):  # htmx swaps the row; a plain form gets the page back
        refused = await client.post(f"/want-list/{first}", data=typed, headers=headers)
        assert refused.status_code == 400
        assert "priority" in only(refused.text, f"#want-{first}-priority-error").text()
        row = only(refused.text, f"tr#want-row-{first}")
        assert row.css_first("input[name=notes]").attributes["value"] == "typed, kept"
        assert want_rows(database_url) == stored

    back = await client.post(
        f"/want-list/{first}", data={"status": "sold", "priority": "2", "notes": ""}, headers=HX
    )
    assert back.status_code == 400
    assert only(back.text, f"#want-{first}-status-error").text()
    assert want_rows(database_url) == stored


async def test_bulk_set_status_priority_and_remove(
    client: Client, database_url: str, two_wants: tuple[int, int]
) -> None:
    first, second = two_wants
    both = {"ids": [str(first), str(second)]}
    priority = await client.post(
        "/want-list/bulk", data=both | {"action": "priority", "priority": "5"}, headers=HX
    )
    assert priority.status_code == 200
    assert "Changed 2 items." in priority.text
    assert [row[3] for row in want_rows(database_url)] == [5, 5]

    status = await client.post(
        "/want-list/bulk", data=both | {"action": "status", "status": "purchased"}, headers=HX
    )
    assert status.status_code == 200
    assert [row[2] for row in want_rows(database_url)] == ["purchased", "purchased"]

    nothing = await client.post("/want-list/bulk", data={"action": "remove"}, headers=HX)
    assert nothing.status_code == 400
    assert "tick at least one item" in only(nothing.text, "#wants-bulk-error").text()

    removed = await client.post(
        "/want-list/bulk", data={"ids": str(first), "action": "remove"}, headers=HX
    )
    assert "Removed 1 item." in removed.text
    assert [row[0] for row in want_rows(database_url)] == [second]


async def test_another_users_item_is_not_found_and_stays_as_it_was(
    client: Client,
    settings: Settings,
    sessions: Sessions,
    database_url: str,
    astral: int,
) -> None:
    other = await make_user(settings, "someone")
    theirs = await add_want(sessions, other.id, astral, priority=2)
    before = want_rows(database_url)
    answer = await client.post(
        f"/want-list/{theirs}", data={"priority": "1", "status": "found"}, headers=HX
    )
    assert answer.status_code == 404
    removed = await client.post(
        "/want-list/bulk", data={"ids": str(theirs), "action": "remove"}, headers=HX
    )
    assert "Removed 0 items." in removed.text
    assert want_rows(database_url) == before
    assert texts((await client.get("/want-list")).text, "tr.want") == []


# --- "Want the identified tracks" on a tracklist's page -------------------------------------------


async def test_the_identified_tracks_of_a_tracklist_go_on_the_want_list_once(
    client: Client, sessions: Sessions, database_url: str, astral: int, horizon: int
) -> None:
    tracklist = await heard_in(sessions, database_url, "Two tracks", [astral, horizon])
    detail = (await client.get(f"/tracklists/{tracklist}")).text
    assert only(detail, "form[action$='/want-identified'] button").text() == (
        "Want the identified tracks"
    )

    first = await client.post(f"/tracklists/{tracklist}/want-identified", headers=HX)
    assert first.status_code == 200
    assert only(first.text, "#want-identified").text() == "Added 2 tracks to your want-list."
    assert [row[1] for row in want_rows(database_url)] == [astral, horizon]

    again = await client.post(f"/tracklists/{tracklist}/want-identified", headers=HX)
    assert "Nothing to add" in only(again.text, "#want-identified").text()
    assert len(want_rows(database_url)) == 2

    plain = await client.post(f"/tracklists/{tracklist}/want-identified", follow_redirects=False)
    assert (plain.status_code, plain.headers["location"]) == (303, "/want-list")
    missing = await client.post("/tracklists/999999/want-identified", headers=HX)
    assert missing.status_code == 404
    assert len(want_rows(database_url)) == 2
