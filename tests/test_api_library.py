"""The library and want-list JSON API through HTTP, with a real session or API token: tracks
filtered, sorted and paged, a track with the mixes it was heard in and its purchase links, the
library export, and the caller's own want-list (add, change, remove, export) with bad input
refused naming the field and nothing changed."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from litestar.testing import AsyncTestClient

from domain.config import Settings
from domain.db import Sessions
from domain.library.store import DiscoveryRecord, ReleaseFacts, record_discovery, upsert_track
from domain.library.wants import WANT_LIST_MAX, add_want
from domain.models import DiscoveryMethod, DiscoveryState, Role, TokenScope, User
from domain.tracklists.model import ParsedTrack, ParsedTracklist
from domain.tracklists.text_format import parse_text
from domain.tracklists.versions import store_import
from tests.library_data import astral_facts, facts
from tests.web_fixtures import Client, make_api_token, make_user
from web.app import create_app

LIBRARY = "/api/v1/library"
WANTS = "/api/v1/want-list"


def rows_of(database_url: str, table: str) -> list[tuple[object, ...]]:
    with psycopg.connect(database_url) as conn:
        return conn.execute(f"SELECT * FROM {table} ORDER BY id").fetchall()  # noqa: S608


def user_id(database_url: str, username: str) -> int:
    with psycopg.connect(database_url) as conn:
        row = conn.execute("SELECT id FROM users WHERE username = %s", (username,)).fetchone()
    assert row is not None
    return int(row[0])


async def heard_in(sessions: Sessions, database_url: str, title: str, tracks: list[int]) -> int:
    """A stored tracklist whose rows were identified as `tracks`, in order; its id."""
    rows = tuple(ParsedTrack(position=i + 1, artist="A", title="T") for i in range(len(tracks)))
    stored = await store_import(
        sessions, ParsedTracklist(title=title, tracks=rows, source_id=title), html_sha256=None
    )
    with psycopg.connect(database_url) as conn:
        found = conn.execute(
            "SELECT id FROM tracklist_versions WHERE tracklist_id = %s", (stored.tracklist_id,)
        ).fetchone()
    assert found is not None
    for index, track in enumerate(tracks):
        await record_discovery(
            sessions,
            DiscoveryRecord(
                tracklist_id=stored.tracklist_id,
                version_id=found[0],
                version_number=1,
                row_index=index,
                position=index + 1,
                row_text="A - T",
                state=DiscoveryState.MATCHED,
                method=DiscoveryMethod.LIBRARY,
                library_track_id=track,
                cue_seconds=3850 + index,
            ),
        )
    return stored.tracklist_id


@pytest.fixture
async def astral(sessions: Sessions) -> int:
    return await upsert_track(
        sessions,
        astral_facts(),
        {"discogs_release": "1234567", "musicbrainz_recording": "mb-astral"},
        ReleaseFacts(genre="Melodic Techno", catalogue_number="AFL001"),
    )


@pytest.fixture
async def horizon(sessions: Sessions) -> int:
    return await upsert_track(sessions, facts("ARTBAT", "Horizon", label="Upperground"))


# --- library tracks ------------------------------------------------------------------------------


async def test_tracks_filtered_sorted_and_paged(
    client: Client, sessions: Sessions, database_url: str, astral: int, horizon: int
) -> None:
    await heard_in(sessions, database_url, "Mix one", [astral, horizon])
    await heard_in(sessions, database_url, "Mix two", [astral])

    everything = (await client.get(f"{LIBRARY}/tracks")).json()
    assert (everything["total"], everything["page"], everything["pages"]) == (2, 1, 1)
    first = everything["items"][0]  # most supported first
    assert (first["id"], first["artist"], first["title_base"]) == (
        astral, "Tale Of Us & Mind Against", "Astral",
    )  # fmt: skip
    assert (first["version"], first["version_kind"], first["remixers"]) == (
        "Afterlife Remix", "remix", ["Afterlife"],
    )  # fmt: skip
    assert (first["label"], first["genre"], first["discovery_count"]) == (
        "AFTERLIFE", "Melodic Techno", 2,
    )  # fmt: skip
    assert first["musicbrainz_recording_id"] == "mb-astral"

    async def ids(**params: str) -> list[int]:
        answer = await client.get(f"{LIBRARY}/tracks", params=params)
        assert answer.status_code == 200, answer.text
        return [item["id"] for item in answer.json()["items"]]

    assert await ids(artist="tale of us") == [astral]
    assert await ids(title="HORIZON") == [horizon]
    assert await ids(genre="melodic techno") == [astral]
    assert await ids(label="upperground") == [horizon]
    assert await ids(min_mixes="2") == [astral]
    assert await ids(discovered_after="2000-01-01") == [astral, horizon]
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()
    assert await ids(discovered_after=tomorrow) == []
    assert await ids(sort="title") == [astral, horizon]
    paged = (await client.get(f"{LIBRARY}/tracks", params={"per_page": 1, "page": 2})).json()
    assert (paged["pages"], [item["id"] for item in paged["items"]]) == (2, [horizon])


@pytest.mark.parametrize(
    ("params", "field", "said"),
    [
        ({"discovered_after": "last week"}, "discovered_after", "is not a date: use YYYY-MM-DD"),
        ({"discovered_after": "2026-02-30"}, "discovered_after", "is not a date"),
        ({"min_mixes": "0"}, "min_mixes", ""),
        ({"min_mixes": "many"}, "min_mixes", ""),
        ({"min_mixes": str(2**40)}, "min_mixes", ""),
        ({"sort": "popularity"}, "sort", ""),
        ({"per_page": "501"}, "per_page", ""),
        ({"page": "0"}, "page", ""),
        ({"page": str(2**70)}, "page", ""),
    ],
)
async def test_bad_track_filters_are_a_400_naming_the_field(
    client: Client, astral: int, params: dict[str, str], field: str, said: str
) -> None:
    answer = await client.get(f"{LIBRARY}/tracks", params=params)
    assert answer.status_code == 400, answer.text
    assert answer.json()["field"] == field
    assert said in answer.json()["detail"]


async def test_a_track_with_its_mixes_and_purchase_links(
    client: Client, sessions: Sessions, database_url: str, astral: int
) -> None:
    mix = await heard_in(sessions, database_url, "ARTBAT @ Tomorrowland", [astral])
    answer = await client.get(f"{LIBRARY}/tracks/{astral}")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["track"]["title"] == "Astral (Afterlife Remix)"
    assert body["track"]["catalogue_number"] == "AFL001"
    assert body["heard_in"] == [
        {
            "tracklist_id": mix, "tracklist_title": "ARTBAT @ Tomorrowland", "version": 1,
            "position": 1, "cue_seconds": 3850,
        }
    ]  # fmt: skip
    shops = {link["shop"]: link["url"] for link in body["purchase_links"]}
    assert shops["Discogs"] == "https://www.discogs.com/release/1234567"
    assert "Afterlife%20Remix" in shops["Beatport"]

    links = await client.get(f"{LIBRARY}/tracks/{astral}/purchase-links")
    assert links.status_code == 200
    assert links.json() == body["purchase_links"]
    assert [link["shop"] for link in links.json()] == [
        "Beatport", "Bandcamp", "Juno Download", "Traxsource", "Discogs", "Apple Music",
    ]  # fmt: skip

    for path in (f"{LIBRARY}/tracks/999999", f"{LIBRARY}/tracks/999999/purchase-links"):
        missing = await client.get(path)
        assert missing.status_code == 404
        assert missing.json() == {"status_code": 404, "detail": "no library track with id 999999"}


async def test_the_library_export_is_every_track_as_a_json_download(
    client: Client, astral: int, horizon: int
) -> None:
    answer = await client.get(f"{LIBRARY}/export")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/json")
    assert 'filename="library.json"' in answer.headers["content-disposition"]
    exported = answer.json()
    assert [track["id"] for track in exported] == [astral, horizon]
    listed = (await client.get(f"{LIBRARY}/tracks", params={"sort": "title"})).json()["items"]
    assert exported == listed  # one shape for a track everywhere


# --- want-list -----------------------------------------------------------------------------------


async def test_add_list_change_and_remove_a_want(
    client: Client, user: User, database_url: str, astral: int, horizon: int
) -> None:
    added = await client.post(WANTS, json={"library_track_id": astral, "priority": 1, "notes": "x"})
    assert added.status_code == 201, added.text
    item = added.json()
    assert (item["library_track_id"], item["artist"], item["title"]) == (
        astral, "Tale Of Us & Mind Against", "Astral",
    )  # fmt: skip
    assert (item["status"], item["priority"], item["notes"]) == ("wanted", 1, "x")
    assert item["purchase_links"][4]["url"] == "https://www.discogs.com/release/1234567"
    second = await client.post(WANTS, json={"library_track_id": horizon})
    assert second.json()["priority"] == 3  # the default

    listed = (await client.get(WANTS)).json()
    assert [entry["library_track_id"] for entry in listed["items"]] == [horizon, astral]
    assert listed["total"] == 2
    only = (await client.get(WANTS, params={"priority": "1"})).json()["items"]
    assert [entry["id"] for entry in only] == [item["id"]]

    changed = await client.put(
        f"{WANTS}/{item['id']}", json={"status": "purchased", "priority": 2, "notes": "bought"}
    )
    assert changed.status_code == 200, changed.text
    assert (changed.json()["status"], changed.json()["priority"]) == ("purchased", 2)
    assert changed.json()["notes"] == "bought"
    bought = (await client.get(WANTS, params={"status": "purchased"})).json()["items"]
    assert [entry["id"] for entry in bought] == [item["id"]]

    removed = await client.delete(f"{WANTS}/{item['id']}")
    assert (removed.status_code, removed.content) == (204, b"")
    assert [row[0] for row in rows_of(database_url, "want_list")] == [second.json()["id"]]
    again = await client.delete(f"{WANTS}/{item['id']}")
    assert again.status_code == 404
    assert again.json()["detail"] == f"no item {item['id']} on your want-list"


@pytest.mark.parametrize(
    ("body", "field", "said"),
    [
        ({"library_track_id": 999999}, "library_track_id", "there is no library track 999999"),
        ({"library_track_id": "astral"}, "library_track_id", ""),
        ({"library_track_id": 2**64}, "library_track_id", ""),
        ({"priority": 2}, "library_track_id", ""),
        ({"library_track_id": "ASTRAL", "priority": 9}, "priority", ""),
        ({"library_track_id": "ASTRAL", "notes": "x" * 2001}, "notes", "at most 2000"),
        ({"library_track_id": "ASTRAL", "notes": "a\x00b"}, "notes", "NUL"),
        # An unknown field: the app's msgspec errors name the body, the message the field.
        ({"library_track_id": "ASTRAL", "colour": "red"}, "data", "colour"),
    ],
)
async def test_a_bad_new_want_is_refused_naming_the_field_and_nothing_is_added(
    client: Client,
    database_url: str,
    astral: int,
    body: dict[str, object],
    field: str,
    said: str,
) -> None:
    sent = {name: astral if value == "ASTRAL" else value for name, value in body.items()}
    answer = await client.post(WANTS, json=sent)
    assert 400 <= answer.status_code < 500, answer.text
    assert answer.json()["field"] == field
    assert said in answer.text  # the detail, or the message of an unknown field
    assert rows_of(database_url, "want_list") == []


async def test_a_duplicate_and_the_10001st_want_are_refused(
    client: Client, user: User, database_url: str, astral: int, horizon: int
) -> None:
    assert (await client.post(WANTS, json={"library_track_id": astral})).status_code == 201
    before = rows_of(database_url, "want_list")
    twice = await client.post(WANTS, json={"library_track_id": astral, "priority": 1})
    assert twice.status_code == 400
    assert twice.json() == {
        "status_code": 400,
        "detail": "Tale Of Us & Mind Against - Astral (Afterlife Remix) is already on your"
        " want-list",
        "field": "library_track_id",
    }
    assert rows_of(database_url, "want_list") == before  # priority unchanged too

    with psycopg.connect(database_url) as conn:
        conn.execute(
            "INSERT INTO library_tracks (artists, title, title_base, dedupe_key, artists_key,"
            " title_key) SELECT 'A', 'T' || i, 'T' || i, 'k' || i, 'a', 't' || i"
            " FROM generate_series(2, %s) AS i",
            (WANT_LIST_MAX,),
        )
        conn.execute(
            "INSERT INTO want_list (user_id, library_track_id) SELECT %s, id FROM library_tracks"
            " WHERE id NOT IN (%s, %s)",
            (user.id, astral, horizon),
        )
    assert len(rows_of(database_url, "want_list")) == WANT_LIST_MAX
    full = await client.post(WANTS, json={"library_track_id": horizon})
    assert full.status_code == 400
    assert full.json()["field"] == "library_track_id"
    assert "holds 10,000 tracks, the most it can" in full.json()["detail"]
    assert len(rows_of(database_url, "want_list")) == WANT_LIST_MAX


@pytest.mark.parametrize(
    ("change", "field", "said"),
    [
        ({"status": "in_library"}, None, ""),  # first a good move, then the refused one back
        ({"status": "sold"}, "status", "use one of wanted, found, purchased"),
        ({"priority": 0}, "priority", ""),
        ({"notes": "x" * 2001}, "notes", "at most 2000"),
        ({"done": True}, "data", "done"),
    ],
)
async def test_a_bad_change_is_refused_naming_the_field_and_nothing_changes(
    client: Client,
    database_url: str,
    astral: int,
    change: dict[str, object],
    field: str | None,
    said: str,
) -> None:
    item = (await client.post(WANTS, json={"library_track_id": astral})).json()
    if field is None:  # in_library, then a move the status rules refuse
        assert (await client.put(f"{WANTS}/{item['id']}", json=change)).status_code == 200
        change, field, said = {"status": "unavailable"}, "status", "cannot go from in_library"
    before = rows_of(database_url, "want_list")
    answer = await client.put(f"{WANTS}/{item['id']}", json=change)
    assert answer.status_code == 400, answer.text
    assert answer.json()["field"] == field
    assert said in answer.text  # the detail, or the message of an unknown field
    assert rows_of(database_url, "want_list") == before


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "lost"}, "status"),
        ({"priority": "top"}, "priority"),
        ({"added_after": "soon"}, "added_after"),
        ({"per_page": "0"}, "per_page"),
    ],
)
async def test_bad_want_filters_are_a_400_naming_the_field(
    client: Client, params: dict[str, str], field: str
) -> None:
    answer = await client.get(WANTS, params=params)
    assert answer.status_code == 400, answer.text
    assert answer.json()["field"] == field


async def test_another_users_item_is_not_found_and_stays_as_it_was(
    client: Client, settings: Settings, sessions: Sessions, database_url: str, astral: int
) -> None:
    await make_user(settings, "someone", roles=[Role.DJ])
    theirs = await add_want(sessions, user_id(database_url, "someone"), astral, notes="mine")
    before = rows_of(database_url, "want_list")

    assert (await client.get(WANTS)).json()["items"] == []
    changed = await client.put(f"{WANTS}/{theirs}", json={"status": "purchased"})
    assert changed.status_code == 404
    assert changed.json()["detail"] == f"no item {theirs} on your want-list"
    assert (await client.delete(f"{WANTS}/{theirs}")).status_code == 404
    assert rows_of(database_url, "want_list") == before
    # Wanting the same track is theirs and mine apart.
    assert (await client.post(WANTS, json={"library_track_id": astral})).status_code == 201


async def test_a_read_token_reads_the_want_list_but_cannot_change_it(
    settings: Settings, sessions: Sessions, database_url: str, astral: int
) -> None:
    await make_user(settings, "spinner", roles=[Role.DJ])
    item = await add_want(sessions, user_id(database_url, "spinner"), astral)
    read = {
        "Authorization": f"Bearer {await make_api_token(settings, 'spinner', 'r', TokenScope.READ)}"
    }
    write = {"Authorization": f"Bearer {await make_api_token(settings, 'spinner', 'w')}"}
    before = rows_of(database_url, "want_list")
    async with AsyncTestClient(create_app(settings)) as anon:
        listed = await anon.get(WANTS, headers=read)
        assert [entry["id"] for entry in listed.json()["items"]] == [item]
        assert (await anon.get(f"{LIBRARY}/tracks/{astral}", headers=read)).status_code == 200
        for method, path, body in (
            ("POST", WANTS, {"library_track_id": astral}),
            ("PUT", f"{WANTS}/{item}", {"status": "found"}),
            ("DELETE", f"{WANTS}/{item}", None),
        ):
            refused = await anon.request(method, path, json=body, headers=read)
            assert refused.status_code == 403, method
            assert "read-only" in refused.json()["detail"]
        assert rows_of(database_url, "want_list") == before
        done = await anon.put(f"{WANTS}/{item}", json={"status": "found"}, headers=write)
        assert done.status_code == 200, done.text
        assert (await anon.get(WANTS)).status_code == 401  # no session, no token


async def test_exports_have_their_content_types_names_and_a_formula_guard(
    client: Client, sessions: Sessions, astral: int
) -> None:
    sly = await upsert_track(sessions, facts("=HYPERLINK(1)", "=1+1", label="@Label"))
    for track in (astral, sly):
        assert (await client.post(WANTS, json={"library_track_id": track})).status_code == 201

    as_csv = await client.get(f"{WANTS}/export", params={"format": "csv"})
    assert as_csv.status_code == 200
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert 'filename="want-list.csv"' in as_csv.headers["content-disposition"]
    table = list(csv.DictReader(io.StringIO(as_csv.text)))
    guarded = next(row for row in table if row["library_track_id"] == str(sly))
    assert (guarded["artist"], guarded["title"], guarded["label"]) == (
        "'=HYPERLINK(1)", "'=1+1", "'@Label",
    )  # fmt: skip
    assert (await client.get(f"{WANTS}/export")).text == as_csv.text  # csv by default

    as_json = await client.get(f"{WANTS}/export", params={"format": "json"})
    assert as_json.headers["content-type"].startswith("application/json")
    assert 'filename="want-list.json"' in as_json.headers["content-disposition"]
    assert {entry["title"] for entry in as_json.json()} == {"Astral", "=1+1"}

    as_txt = await client.get(f"{WANTS}/export", params={"format": "txt"})
    assert as_txt.headers["content-type"].startswith("text/plain")
    assert 'filename="want-list.txt"' in as_txt.headers["content-disposition"]
    assert "Tale Of Us & Mind Against - Astral (Afterlife Remix) [AFTERLIFE]" in as_txt.text
    read_back = parse_text(as_txt.text)
    assert {(track.artist, track.title) for track in read_back.tracks} == {
        ("Tale Of Us & Mind Against", "Astral"), ("=HYPERLINK(1)", "=1+1"),
    }  # fmt: skip

    only = await client.get(f"{WANTS}/export", params={"format": "json", "status": "found"})
    assert only.json() == []
    bad = await client.get(f"{WANTS}/export", params={"format": "xlsx"})
    assert bad.status_code == 400
    assert bad.json()["field"] == "format"
    assert "use csv, json or txt" in bad.json()["detail"]


# --- identifying a track by hand -----------------------------------------------------------------

RECORDING = "3f0b6c7e-1d2a-4b3c-8d4e-5f6a7b8c9d0e"


async def test_a_person_says_which_recording_a_track_is(
    client: Client, horizon: int, database_url: str
) -> None:
    answer = await client.post(
        f"{LIBRARY}/tracks/{horizon}/identify",
        json={
            "musicbrainz_recording_id": RECORDING.upper(),
            "discogs_release_id": 4242,
            "isrc": "gb-ewa-08-00001",
        },
    )
    assert answer.status_code == 200, answer.text
    track = answer.json()["track"]
    assert track["musicbrainz_recording_id"] == RECORDING
    assert (track["isrc"], track["external_ids"]["discogs_release"]) == ("GBEWA0800001", "4242")

    # A person's word replaces what was known.
    again = await client.post(f"{LIBRARY}/tracks/{horizon}/identify", json={"isrc": "USRC17607839"})
    assert again.json()["track"]["isrc"] == "USRC17607839"
    assert again.json()["track"]["musicbrainz_recording_id"] == RECORDING


@pytest.mark.parametrize(
    ("body", "status", "field", "said"),
    [
        ({}, 400, "data", "give musicbrainz_recording_id, discogs_release_id or isrc"),
        (
            {"musicbrainz_recording_id": "opus"},
            400,
            "musicbrainz_recording_id",
            "is no MusicBrainz",
        ),
        ({"isrc": "12345"}, 400, "isrc", "is no ISRC"),
        ({"discogs_release_id": 0}, 400, "discogs_release_id", ""),
        ({"colour": "red"}, 400, None, "colour"),
    ],
)
async def test_bad_identification_is_refused_naming_it_and_changes_nothing(
    client: Client,
    horizon: int,
    database_url: str,
    body: dict[str, object],
    status: int,
    field: str | None,
    said: str,
) -> None:
    before = rows_of(database_url, "library_tracks")
    answer = await client.post(f"{LIBRARY}/tracks/{horizon}/identify", json=body)
    assert answer.status_code == status, answer.text
    refused = answer.json()
    assert said in refused["detail"] or said in str(refused.get("extra", ""))
    if field is not None:
        assert refused.get("field") == field or field in str(refused.get("extra", ""))
    assert rows_of(database_url, "library_tracks") == before


async def test_a_recording_another_track_is_is_a_409_naming_it(
    client: Client, astral: int, horizon: int, database_url: str
) -> None:
    before = rows_of(database_url, "library_tracks")
    answer = await client.post(
        f"{LIBRARY}/tracks/{horizon}/identify", json={"musicbrainz_recording_id": "mb-astral"}
    )
    assert answer.status_code == 400  # not even a UUID
    taken = await client.post(
        f"{LIBRARY}/tracks/{astral}/identify", json={"musicbrainz_recording_id": RECORDING}
    )
    assert taken.status_code == 200
    clash = await client.post(
        f"{LIBRARY}/tracks/{horizon}/identify", json={"musicbrainz_recording_id": RECORDING}
    )
    assert clash.status_code == 409
    assert clash.json()["detail"] == (
        f"library track {astral} already is MusicBrainz recording {RECORDING}"
    )
    assert rows_of(database_url, "library_tracks")[1] == before[1]  # horizon unchanged
    missing = await client.post(f"{LIBRARY}/tracks/999999/identify", json={"isrc": "GBEWA0800001"})
    assert missing.status_code == 404
