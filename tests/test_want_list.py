"""The want-list in the real database: adding (duplicates and the 10,000 limit refused, nothing
lost), status moves, filters, bulk changes, the exports (a formula-guarded CSV, JSON, and a TXT
the tracklist paste format reads back), and the purchase links built from metadata."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import psycopg
import pytest

from domain.db import Sessions
from domain.library.facts import Version, VersionKind
from domain.library.purchase import purchase_links, search_text
from domain.library.store import DiscoveryRecord, record_discovery, upsert_track
from domain.library.wants import (
    WANT_LIST_MAX,
    WantFilter,
    WantNotFound,
    WantSource,
    add_identified,
    add_want,
    all_wants,
    bulk_update,
    export_format,
    export_wants,
    get_want,
    list_wants,
    may_move,
    parse_priority,
    parse_status,
    remove_wants,
    update_want,
    wants_csv,
    wants_txt,
)
from domain.models import DiscoveryMethod, DiscoveryState, WantStatus
from domain.tracklists.model import ParsedTrack, ParsedTracklist
from domain.tracklists.text_format import parse_text
from domain.tracklists.versions import store_import
from domain.validation import InputError
from tests.library_data import ASTRAL, astral_facts, facts


def make_user(database_url: str, name: str = "dj") -> int:
    with psycopg.connect(database_url) as conn:
        row = conn.execute(
            "INSERT INTO users (username, password_hash, roles) VALUES (%s, 'x', '{dj}')"
            " RETURNING id",
            (name,),
        ).fetchone()
    assert row is not None
    return int(row[0])


def want_count(database_url: str, user_id: int) -> int:
    with psycopg.connect(database_url) as conn:
        row = conn.execute(
            "SELECT count(*) FROM want_list WHERE user_id = %s", (user_id,)
        ).fetchone()
    assert row is not None
    return int(row[0])


@pytest.fixture
async def astral(sessions: Sessions) -> int:
    return await upsert_track(
        sessions,
        astral_facts(),
        {"discogs_release": "1234567"},
    )


# --- adding --------------------------------------------------------------------------------------


async def test_add_shows_the_track_where_it_was_heard_and_where_to_buy_it(
    sessions: Sessions, database_url: str, astral: int
) -> None:
    user = make_user(database_url)
    tracklist = await store_import(
        sessions,
        ParsedTracklist(title="ARTBAT @ Tomorrowland", tracks=(ParsedTrack(position=1),)),
        html_sha256=None,
    )
    source = WantSource(tracklist.tracklist_id, 1, 7, 3850)
    want_id = await add_want(sessions, user, astral, priority="1", notes="opener", source=source)
    entry = await get_want(sessions, user, want_id)
    assert (entry.priority, entry.notes, entry.status) == (1, "opener", WantStatus.WANTED)
    assert entry.heard == "heard in ARTBAT @ Tomorrowland at 1:04:10"
    assert [link.shop for link in entry.links] == [
        "Beatport", "Bandcamp", "Juno Download", "Traxsource", "Discogs", "Apple Music",
    ]  # fmt: skip
    assert entry.to_json()["source"]["position"] == 7


async def test_a_duplicate_is_refused_by_name_and_nothing_changes(
    sessions: Sessions, database_url: str, astral: int
) -> None:
    user = make_user(database_url)
    await add_want(sessions, user, astral, notes="keep me")
    with pytest.raises(InputError) as refused:
        await add_want(sessions, user, astral, notes="other")
    assert refused.value.field == "library_track_id"
    assert "Tale Of Us & Mind Against - Astral (Afterlife Remix) is already on your want-list" in (
        str(refused.value)
    )
    [entry] = (await list_wants(sessions, user)).items
    assert entry.notes == "keep me"
    # Another user may want the same track.
    assert await add_want(sessions, make_user(database_url, "other"), astral)


async def test_an_unknown_track_and_bad_values_are_refused_naming_the_field(
    sessions: Sessions, database_url: str, astral: int
) -> None:
    user = make_user(database_url)
    with pytest.raises(InputError, match="no library track 999") as unknown:
        await add_want(sessions, user, 999)
    assert unknown.value.field == "library_track_id"
    with pytest.raises(InputError, match="from 1 to 5") as priority:
        await add_want(sessions, user, astral, priority=9)
    assert priority.value.field == "priority"
    with pytest.raises(InputError, match="at most 2000") as notes:
        await add_want(sessions, user, astral, notes="x" * 2001)
    assert notes.value.field == "notes"
    assert want_count(database_url, user) == 0


async def test_the_10001st_item_is_refused_and_nothing_is_lost(
    sessions: Sessions, database_url: str, astral: int
) -> None:
    user = make_user(database_url)
    with psycopg.connect(database_url) as conn:
        conn.execute(
            "INSERT INTO library_tracks (artists, title, title_base, dedupe_key, artists_key,"
            " title_key) SELECT 'A', 'T' || i, 'T' || i, 'k' || i, 'a', 't' || i"
            " FROM generate_series(1, %s) AS i",
            (WANT_LIST_MAX,),
        )
        conn.execute(
            "INSERT INTO want_list (user_id, library_track_id)"
            " SELECT %s, id FROM library_tracks WHERE id <> %s",
            (user, astral),
        )
    assert want_count(database_url, user) == WANT_LIST_MAX
    with pytest.raises(InputError, match="holds 10,000 tracks, the most it can") as refused:
        await add_want(sessions, user, astral)
    assert refused.value.field == "library_track_id"
    assert want_count(database_url, user) == WANT_LIST_MAX
    page = await list_wants(sessions, user, per_page=50)
    assert page.total == WANT_LIST_MAX


async def test_every_identified_track_of_a_tracklist_not_yet_wanted(
    sessions: Sessions, database_url: str, astral: int
) -> None:
    user = make_user(database_url)
    other = await upsert_track(sessions, facts("ARTBAT", "Horizon"))
    rows = tuple(ParsedTrack(position=i, artist="A", title=f"T{i}") for i in (1, 2, 3))
    stored = await store_import(
        sessions, ParsedTracklist(title="Mix", tracks=rows, source_id="m1"), html_sha256=None
    )
    with psycopg.connect(database_url) as conn:
        found = conn.execute(
            "SELECT id FROM tracklist_versions WHERE tracklist_id = %s", (stored.tracklist_id,)
        ).fetchone()
    assert found is not None
    for row_index, (track, state) in enumerate(
        [
            (astral, DiscoveryState.MATCHED),
            (other, DiscoveryState.MATCHED),
            (None, DiscoveryState.PROVISIONAL),
        ]
    ):
        await record_discovery(
            sessions,
            DiscoveryRecord(
                tracklist_id=stored.tracklist_id,
                version_id=found[0],
                version_number=1,
                row_index=row_index,
                position=row_index + 1,
                row_text="A - T",
                state=state,
                method=DiscoveryMethod.LIBRARY,
                library_track_id=track,
                cue_seconds=60 * row_index,
            ),
        )
    await add_want(sessions, user, astral)
    assert await add_identified(sessions, user, stored.tracklist_id) == 1
    assert await add_identified(sessions, user, stored.tracklist_id) == 0
    entries = await all_wants(sessions, user)
    assert [(e.facts.artists, e.heard) for e in entries] == [
        ("ARTBAT", "heard in Mix at 1:00"),
        ("Tale Of Us & Mind Against", ""),
    ]


# --- status, priority, notes -----------------------------------------------------------------

W, F, P, L, U = (
    WantStatus.WANTED,
    WantStatus.FOUND,
    WantStatus.PURCHASED,
    WantStatus.IN_LIBRARY,
    WantStatus.UNAVAILABLE,
)


@pytest.mark.parametrize(
    ("old", "new", "allowed"),
    [
        (W, F, True), (F, P, True), (P, L, True), (W, P, True), (W, L, True),  # forward, skipping
        (F, W, True), (P, F, True), (L, P, True),  # one step back: a mistake undone
        (P, W, False), (L, W, False), (L, F, False),  # further back: refused
        (W, U, True), (F, U, True), (P, U, True), (L, U, False),  # an owned track is not gone
        (U, W, True), (U, F, False),  # it came back: wanted again first
        (U, L, True),  # a file of it turned up in the collection after all: owned
        (W, W, True),
    ],
)  # fmt: skip
def test_status_moves(old: WantStatus, new: WantStatus, allowed: bool) -> None:
    assert may_move(old, new) is allowed


def test_status_and_priority_values_name_the_field() -> None:
    assert parse_status("status", " In Library ") is WantStatus.IN_LIBRARY
    with pytest.raises(InputError, match="use one of wanted, found, purchased") as bad:
        parse_status("status", "bought")
    assert bad.value.field == "status"
    assert parse_priority("priority", "") == 3
    with pytest.raises(InputError, match="'0'"):
        parse_priority("priority", 0)


async def test_update_changes_what_was_asked_and_refuses_a_bad_move(
    sessions: Sessions, database_url: str, astral: int
) -> None:
    user = make_user(database_url)
    want_id = await add_want(sessions, user, astral)
    before = await get_want(sessions, user, want_id)
    entry = await update_want(sessions, user, want_id, status="in_library", priority=5)
    assert (entry.status, entry.priority, entry.notes) == (L, 5, "")
    assert entry.status_changed_at > before.status_changed_at
    with pytest.raises(InputError, match="cannot go from in_library to wanted") as refused:
        await update_want(sessions, user, want_id, status="wanted", notes="lost?")
    assert refused.value.field == "status"
    kept = await get_want(sessions, user, want_id)
    assert (kept.status, kept.notes) == (L, "")  # nothing of the refused change was written
    noted = await update_want(sessions, user, want_id, notes="  on the USB  ")
    assert (noted.notes, noted.status_changed_at) == ("on the USB", kept.status_changed_at)


async def test_another_users_item_is_not_found(
    sessions: Sessions, database_url: str, astral: int
) -> None:
    want_id = await add_want(sessions, make_user(database_url), astral)
    stranger = make_user(database_url, "stranger")
    with pytest.raises(WantNotFound):
        await update_want(sessions, stranger, want_id, priority=1)
    with pytest.raises(WantNotFound):
        await get_want(sessions, stranger, want_id)
    assert await remove_wants(sessions, stranger, [want_id]) == 0
    assert await bulk_update(sessions, stranger, [want_id], priority=1) == 0


# --- lists and bulk changes ------------------------------------------------------------------


async def three_wants(sessions: Sessions, user: int) -> list[int]:
    ids = []
    for i, title in enumerate(("One", "Two", "Three"), start=1):
        track = await upsert_track(sessions, facts("Artist", title))
        ids.append(await add_want(sessions, user, track, priority=i))
    return ids


async def test_filters_and_paging(sessions: Sessions, database_url: str) -> None:
    user = make_user(database_url)
    one, two, three = await three_wants(sessions, user)
    await update_want(sessions, user, two, status="found")

    def ids(entries: object) -> list[int]:
        return [entry.id for entry in entries.items]  # type: ignore[attr-defined]

    assert ids(await list_wants(sessions, user)) == [three, two, one]  # newest first
    assert ids(await list_wants(sessions, user, WantFilter(status=F))) == [two]
    assert ids(await list_wants(sessions, user, WantFilter(priority=3))) == [three]
    tomorrow = datetime.now(UTC).date() + timedelta(days=1)
    assert ids(await list_wants(sessions, user, WantFilter(added_after=tomorrow))) == []
    today = datetime.now(UTC).date()
    assert len(ids(await list_wants(sessions, user, WantFilter(added_after=today)))) == 3
    last = await list_wants(sessions, user, page=5, per_page=2)
    assert (last.page, last.total, ids(last)) == (2, 3, [one])


async def test_bulk_status_priority_and_remove(sessions: Sessions, database_url: str) -> None:
    user = make_user(database_url)
    one, two, three = await three_wants(sessions, user)
    assert await bulk_update(sessions, user, [one, two], status="purchased", priority="2") == 2
    assert {e.id: (e.status, e.priority) for e in await all_wants(sessions, user)} == {
        one: (P, 2),
        two: (P, 2),
        three: (W, 3),
    }
    await update_want(sessions, user, one, status="in_library")
    with pytest.raises(InputError, match="1 of the 3 chosen items cannot go to unavailable"):
        await bulk_update(sessions, user, [one, two, three], status="unavailable")
    assert [e.status for e in await all_wants(sessions, user)] == [W, P, L]  # none changed
    assert await remove_wants(sessions, user, [one, three]) == 2
    assert [e.id for e in await all_wants(sessions, user)] == [two]


# --- exports ---------------------------------------------------------------------------------


async def test_the_csv_never_runs_a_formula(sessions: Sessions, database_url: str) -> None:
    user = make_user(database_url)
    evil = await upsert_track(sessions, facts("@Artist", '=HYPERLINK("http://x","y")', label="+1"))
    await add_want(sessions, user, evil, notes="-2+3")
    text = wants_csv(await all_wants(sessions, user))
    header, row = list(csv.reader(io.StringIO(text)))
    record = dict(zip(header, row, strict=True))
    assert record["title"] == '\'=HYPERLINK("http://x","y")'
    assert (record["artist"], record["label"], record["notes"]) == ("'@Artist", "'+1", "'-2+3")
    assert record["status"] == "wanted"


async def test_the_json_export(sessions: Sessions, database_url: str, astral: int) -> None:
    user = make_user(database_url)
    await add_want(sessions, user, astral, priority=2)
    [item] = json.loads(export_wants(await all_wants(sessions, user), "json"))
    assert {key: item[key] for key in ("artist", "title", "version", "label", "status")} == {
        "artist": "Tale Of Us & Mind Against",
        "title": "Astral",
        "version": "Afterlife Remix",
        "label": "AFTERLIFE",
        "status": "wanted",
    }
    assert item["priority"] == 2
    assert item["purchase_links"][4] == {
        "shop": "Discogs",
        "url": "https://www.discogs.com/release/1234567",
    }


async def test_the_txt_export_reads_back_as_a_tracklist(
    sessions: Sessions, database_url: str, astral: int
) -> None:
    user = make_user(database_url)
    await add_want(sessions, user, astral)
    plain = await upsert_track(sessions, facts("Кино", "Группа крови"))
    await add_want(sessions, user, plain)
    extended = Version(VersionKind.ORIGINAL, (), "Extended Mix")
    await add_want(
        sessions, user, await upsert_track(sessions, facts("Bicep", "Glue", extended, "Ninja Tune"))
    )
    entries = await all_wants(sessions, user)
    text = export_wants(entries, "txt")
    assert text.splitlines() == [
        "Bicep - Glue (Extended Mix) [Ninja Tune]",
        "Кино - Группа крови",
        "Tale Of Us & Mind Against - Astral (Afterlife Remix) [AFTERLIFE]",
    ]
    parsed = parse_text(wants_txt(entries))
    assert parsed.errors == ()
    assert [(t.artist, t.title, t.remix, t.label) for t in parsed.tracks] == [
        (e.facts.artists, e.facts.title_base, e.facts.version.text or None, e.facts.label)
        for e in entries
    ]


def test_an_unknown_export_format_is_refused() -> None:
    assert export_format(None) == "csv"
    with pytest.raises(InputError, match="use csv, json or txt") as refused:
        export_format("xlsx")
    assert refused.value.field == "format"


# --- purchase links --------------------------------------------------------------------------


def test_purchase_links_search_each_shop_for_the_track() -> None:
    track = facts(
        "Tale Of Us & Mind Against", "Astral", ASTRAL, primary=("Tale Of Us", "Mind Against")
    )
    links = {link.shop: link.url for link in purchase_links(track)}
    expected = "Tale Of Us Mind Against Astral Afterlife Remix"
    assert search_text(track) == expected
    for shop, (host, path, field) in {
        "Beatport": ("www.beatport.com", "/search", "q"),
        "Bandcamp": ("bandcamp.com", "/search", "q"),
        "Juno Download": ("www.junodownload.com", "/search/", "q[all][]"),
        "Traxsource": ("www.traxsource.com", "/search", "term"),
        "Discogs": ("www.discogs.com", "/sell/list", "q"),
        "Apple Music": ("music.apple.com", "/search", "term"),
    }.items():
        parts = urlsplit(links[shop])
        assert (parts.scheme, parts.netloc, parts.path) == ("https", host, path), shop
        assert parse_qs(parts.query)[field] == [expected], shop
    assert "%20" in links["Beatport"] and " " not in links["Beatport"]
    assert "q%5Ball%5D%5B%5D=" in links["Juno Download"]
    assert parse_qs(urlsplit(links["Bandcamp"]).query)["item_type"] == ["t"]


def test_purchase_links_encode_what_urls_cannot_hold() -> None:
    track = facts(
        "Röyksopp & Robyn", "Do It Again / Say It #2 ? 50% & more", primary=("Röyksopp", "Robyn")
    )
    beatport = purchase_links(track)[0].url
    assert beatport == (
        "https://www.beatport.com/search?q=R%C3%B6yksopp%20Robyn%20Do%20It%20Again%20%2F%20Say"
        "%20It%20%232%20%3F%2050%25%20%26%20more"
    )
    assert parse_qs(urlsplit(beatport).query)["q"] == [
        "Röyksopp Robyn Do It Again / Say It #2 ? 50% & more"
    ]


def test_a_generic_version_is_not_searched_for_and_discogs_needs_a_real_release_id() -> None:
    track = facts("Bicep", "Glue", Version(VersionKind.ORIGINAL, (), "Original Mix"))
    assert search_text(track) == "Bicep Glue"
    assert purchase_links(track, "888")[4].url == "https://www.discogs.com/release/888"
    marketplace = purchase_links(track, "../../evil")[4].url
    assert marketplace == "https://www.discogs.com/sell/list?q=Bicep%20Glue"
