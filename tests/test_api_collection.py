"""The collection's JSON API through HTTP on a real database: the listing (status filter,
whitelisted order, pages), one file and its cover (read from a real tagged file by a real scan),
search with its filters and messages, status changes one and many through the status machine,
and the batch save confined to MUSIC_PATH. Every bad input is refused naming the field, and
nothing changes."""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
import pytest

from domain.collection import store
from domain.collection.record import FILE_NAME_BYTES_MAX, FileRecord
from domain.collection.scan import scan_collection
from domain.collection.tags import FileFacts
from domain.config import CollectionSettings, Settings
from domain.db import Sessions
from domain.models import AudioFormat, TokenScope
from domain.resources import Resources
from domain.validation import ID_MAX
from tests.media import cover_png, make_audio, tag
from tests.web_fixtures import Client, make_api_token
from web.collection.api import EntryOut

API = "/api/v1/collection"


@pytest.fixture
def sessions(resources: Resources) -> Sessions:
    return resources.sessions


@pytest.fixture
def root(settings: Settings) -> str:
    """The suite's MUSIC_PATH folder: the root a record must name."""
    return str(settings.collection.music_paths[0])


def _record(root: str, path: str, *, error: str | None = None, **tags: Any) -> FileRecord:
    facts = FileFacts(
        format=None if error else AudioFormat.MP3,
        duration=None if error else 240.5,
        error=error,
        **tags,
    )
    return FileRecord(root, path, 1000, 1.7e9, hashlib.sha256(path.encode()).hexdigest(), facts)


def _body(root: str, path: str) -> dict[str, Any]:
    """A batch record as a tool sends it."""
    digest = hashlib.sha256(path.encode()).hexdigest()
    return {"root": root, "path": path, "size": 1000, "mtime": 1.7e9, "content_hash": digest}


def _rows(database_url: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(database_url) as conn:
        return conn.execute(
            "SELECT id, root, path, status, error, retry_count, artist FROM collection_files"
            " ORDER BY id"
        ).fetchall()


async def _three(sessions: Sessions, root: str) -> list[int]:
    """Two read files (completed) and one that could not be read (failed)."""
    return await store.save_files(
        sessions,
        [
            _record(root, "house/eple.mp3", artist="Röyksopp", title="Eple", tag_key="8A"),
            _record(root, "techno/spastik.mp3", artist="Plastikman", title="Spastik", year=1993),
            _record(root, "broken.mp3", error="the file is empty (0 bytes)"),
        ],
    )


def _refused(response: Any, status: int, field: str, *words: str) -> None:
    """The app's one error shape, naming `field`, its message saying `words`."""
    assert response.status_code == status, response.text
    body = response.json()
    assert body["field"] == field, body
    for word in words:
        assert word in response.text, body  # the detail, or a type error's message


def _unknown_field(response: Any, name: str) -> None:
    """An unknown JSON field: the app's msgspec errors name the body, their message the field."""
    assert response.status_code == 400, response.text
    assert f"unknown field `{name}`" in response.text


# --- listing and reading ---------------------------------------------------------------------


async def test_the_entry_shape_is_the_one_scripts_rely_on(
    client: Client, sessions: Sessions, root: str
) -> None:
    eple, *_ = await _three(sessions, root)
    shown = (await client.get(f"{API}/files/{eple}")).json()
    assert shown == (await store.get_file(sessions, eple)).to_json()
    assert set(EntryOut.__struct_fields__) == set(shown)
    assert (shown["artist"], shown["key"], shown["status"]) == ("Röyksopp", "8A", "completed")


async def test_the_listing_filters_orders_and_pages(
    client: Client, sessions: Sessions, root: str
) -> None:
    eple, spastik, broken = await _three(sessions, root)
    everything = (await client.get(f"{API}/files")).json()
    assert [item["id"] for item in everything["items"]] == [broken, eple, spastik]  # by path
    assert (everything["total"], everything["page"], everything["pages"]) == (3, 1, 1)
    failed = (await client.get(f"{API}/files", params={"status": "FAILED"})).json()
    assert [(i["id"], i["error"]) for i in failed["items"]] == [
        (broken, "the file is empty (0 bytes)")
    ]
    second = await client.get(f"{API}/files", params={"order": "title", "per_page": 1, "page": 2})
    assert second.status_code == 200
    assert [i["title"] for i in second.json()["items"]] == ["Spastik"]
    assert (second.json()["per_page"], second.json()["pages"]) == (1, 3)


async def test_a_bad_listing_parameter_is_refused_by_name(
    client: Client, sessions: Sessions, root: str
) -> None:
    await _three(sessions, root)
    _refused(
        await client.get(f"{API}/files", params={"status": "done"}),
        400,
        "status",
        "pending, processing, completed, failed",
    )
    _refused(
        await client.get(f"{API}/files", params={"order": "id; drop table"}),
        400,
        "order",
        "path, artist, title, added",
    )
    _refused(await client.get(f"{API}/files", params={"per_page": 1001}), 400, "per_page")
    _refused(await client.get(f"{API}/files", params={"status": "a\x00"}), 400, "status", "NUL")


async def test_an_unknown_file_is_a_404_naming_its_id(client: Client) -> None:
    for url in (f"{API}/files/424242", f"{API}/files/424242/cover"):
        missing = await client.get(url)
        assert missing.status_code == 404
        assert missing.json()["detail"] == "no collection file 424242"
    too_big = await client.get(f"{API}/files/{ID_MAX + 1}")
    assert too_big.status_code == 400 and too_big.json()["field"] == "file_id"


async def test_a_files_cover_is_its_jpeg_thumbnail(
    client: Client, sessions: Sessions, settings: Settings, tmp_path: Path
) -> None:
    music = (tmp_path / "music").resolve()
    with_art = tag(make_audio(music / "art.mp3"), cover_png(), artist="A", title="Art")
    shutil.copyfile(make_audio(tmp_path / "plain.mp3"), music / "plain.mp3")
    scanning = replace(settings, collection=CollectionSettings(music_paths=(music,)))
    await scan_collection(sessions, scanning)
    found = {i["path"]: i for i in (await client.get(f"{API}/files")).json()["items"]}
    assert (found[with_art.name]["has_cover"], found["plain.mp3"]["has_cover"]) == (True, False)

    cover = await client.get(f"{API}/files/{found[with_art.name]['id']}/cover")
    assert cover.status_code == 200 and cover.headers["content-type"] == "image/jpeg"
    assert cover.content[:3] == b"\xff\xd8\xff"  # a JPEG, though the tag held a PNG
    none = await client.get(f"{API}/files/{found['plain.mp3']['id']}/cover")
    assert none.status_code == 404
    assert none.json()["detail"] == f"collection file {found['plain.mp3']['id']} has no cover"


# --- search ----------------------------------------------------------------------------------


async def test_search_finds_ranked_filtered_and_says_what_it_searched(
    client: Client, sessions: Sessions, root: str
) -> None:
    eple, spastik, _ = await store.save_files(
        sessions,
        [
            _record(root, "a.mp3", artist="Röyksopp", title="Eple", tag_bpm=Decimal("124")),
            _record(root, "b.mp3", artist="Röyksopp", title="Poor Leno", year=2001),
            _record(root, "c.mp3", artist="Other", title="Remind Me", album="Royksopp hits"),
        ],
    )
    found = (await client.get(f"{API}/search", params={"q": "royksopp"})).json()
    assert found["searching_for"] == "royksopp" and found["message"] is None
    assert found["total"] == 3 and len(found["items"]) == 3
    assert found["items"][-1]["title"] == "Remind Me"  # an album match ranks below the artist
    narrowed = await client.get(
        f"{API}/search", params={"q": "royk*", "bpm_from": "120", "bpm_to": "125", "format": "MP3"}
    )
    assert [item["id"] for item in narrowed.json()["items"]] == [eple]
    years = await client.get(f"{API}/search", params={"q": "royksopp", "year_from": "2000"})
    assert [item["id"] for item in years.json()["items"]] == [spastik]


async def test_nothing_to_search_is_an_empty_page_with_a_message(
    client: Client, sessions: Sessions, root: str
) -> None:
    await _three(sessions, root)
    for typed in ("", "   ", "-eple"):
        shown = await client.get(f"{API}/search", params={"q": typed})
        assert shown.status_code == 200
        assert shown.json()["items"] == [] and shown.json()["total"] == 0
        assert shown.json()["message"]
    odd = await client.get(f"{API}/search", params={"q": '"( & | !:*'})
    assert odd.status_code == 200, odd.text


async def test_a_bad_search_filter_is_refused_by_name(client: Client) -> None:
    bad = {
        "format": ("ogg", "mp3, flac, aiff, wav, m4a"),
        "year_from": ("nineteen", "1000 to 2999"),
        "key": ("H major", "8A, Am, A minor or 1m"),
        "bpm_to": ("NaN", "1 to 999"),
        "status": ("done", "pending"),
    }
    for field, (value, hint) in bad.items():
        _refused(
            await client.get(f"{API}/search", params={"q": "x", field: value}), 400, field, hint
        )
    _refused(
        await client.get(
            f"{API}/search", params={"q": "x", "year_from": "2000", "year_to": "1990"}
        ),
        400,
        "year_to",
        "year_from",
    )
    _refused(await client.get(f"{API}/search", params={"per_page": 201}), 400, "per_page")
    _refused(await client.get(f"{API}/search", params={"q": "x" * 2001}), 400, "q", "2000")


# --- status changes --------------------------------------------------------------------------


async def test_a_status_change_goes_through_the_status_machine(
    client: Client, sessions: Sessions, root: str, database_url: str
) -> None:
    eple, _, broken = await _three(sessions, root)
    again = await client.patch(f"{API}/files/{broken}", json={"status": "pending"})
    assert again.status_code == 200, again.text
    assert (again.json()["status"], again.json()["error"], again.json()["retry_count"]) == (
        "pending",
        None,
        1,
    )
    reading = await client.patch(f"{API}/files/{broken}", json={"status": "processing"})
    assert reading.json()["status"] == "processing"
    failed = await client.patch(
        f"{API}/files/{broken}", json={"status": "failed", "error": "still empty"}
    )
    assert (failed.json()["status"], failed.json()["error"]) == ("failed", "still empty")

    before = _rows(database_url)
    _refused(
        await client.patch(f"{API}/files/{eple}", json={"status": "pending"}),
        400,
        "status",
        f"file {eple} is completed",
        "cannot become pending",
    )
    _refused(
        await client.patch(f"{API}/files/{broken}", json={"status": "processing"}),
        400,
        "status",
        "failed",
        "processing",
    )
    _refused(
        await client.patch(f"{API}/files/{broken}", json={"status": "done"}),
        400,
        "status",
        "use one of",
    )
    _unknown_field(
        await client.patch(f"{API}/files/{broken}", json={"status": "pending", "retry": 0}),
        "retry",
    )
    _refused(await client.patch(f"{API}/files/{broken}", json={"error": "x"}), 400, "status")
    missing = await client.patch(f"{API}/files/999999", json={"status": "pending"})
    assert missing.status_code == 404 and "999999" in missing.json()["detail"]
    assert _rows(database_url) == before


async def test_failing_a_file_needs_its_reason(
    client: Client, sessions: Sessions, root: str, database_url: str
) -> None:
    _, _, broken = await _three(sessions, root)
    await client.patch(f"{API}/files/{broken}", json={"status": "pending"})
    await client.patch(f"{API}/files/{broken}", json={"status": "processing"})
    before = _rows(database_url)
    _refused(
        await client.patch(f"{API}/files/{broken}", json={"status": "failed", "error": "  "}),
        400,
        "error",
        "reason",
    )
    assert _rows(database_url) == before


async def test_a_batch_status_change_is_all_or_nothing(
    client: Client, sessions: Sessions, root: str, database_url: str
) -> None:
    eple, spastik, broken = await _three(sessions, root)
    other = await store.save_file(sessions, _record(root, "x.mp3", error="unreadable"))
    before = _rows(database_url)
    _refused(
        await client.post(f"{API}/files/status", json={"ids": [broken, eple], "status": "pending"}),
        400,
        "status",
        f"file {eple} is completed",
        "pending",
    )
    missing = await client.post(
        f"{API}/files/status", json={"ids": [broken, 999999], "status": "pending"}
    )
    assert missing.status_code == 404 and "999999" in missing.json()["detail"]
    _refused(
        await client.post(f"{API}/files/status", json={"ids": [], "status": "pending"}), 400, "ids"
    )
    _refused(
        await client.post(f"{API}/files/status", json={"ids": [0], "status": "pending"}),
        400,
        "ids[0]",
    )
    assert _rows(database_url) == before

    moved = await client.post(
        f"{API}/files/status", json={"ids": [other, broken], "status": "pending"}
    )
    assert moved.status_code == 200, moved.text
    assert [(i["id"], i["status"]) for i in moved.json()["items"]] == [
        (other, "pending"), (broken, "pending"),
    ]  # fmt: skip
    assert (await store.get_file(sessions, spastik)).status.value == "completed"


# --- batch save ------------------------------------------------------------------------------


async def test_a_batch_save_stores_every_record_and_gives_ids_in_order(
    client: Client, sessions: Sessions, root: str
) -> None:
    records = [
        _body(root, "b/two.flac") | {"format": "flac", "artist": "Two", "tag_bpm": 128.5},
        _body(root, "a/one.mp3") | {"artist": "One", "tag_key": "Am", "year": 1999},
        _body(root, "bad.wav") | {"error": "the file is empty (0 bytes)"},
    ]
    saved = await client.post(f"{API}/files/batch", json={"records": records})
    assert saved.status_code == 200, saved.text
    ids = saved.json()["ids"]
    entries = [await store.get_file(sessions, file_id) for file_id in ids]
    assert [(e.path, e.artist, e.status.value) for e in entries] == [
        ("b/two.flac", "Two", "completed"),
        ("a/one.mp3", "One", "completed"),
        ("bad.wav", None, "failed"),
    ]
    assert entries[0].tag_bpm == Decimal("128.5") and entries[1].year == 1999
    # A second save of a known path updates its row.
    again = await client.post(
        f"{API}/files/batch", json={"records": [records[1] | {"artist": "Renamed"}]}
    )
    assert again.json()["ids"] == [ids[1]]
    assert (await store.get_file(sessions, ids[1])).artist == "Renamed"


async def test_one_bad_record_saves_none_and_is_named(
    client: Client, root: str, database_url: str, tmp_path: Path
) -> None:
    good = _body(root, "good.mp3")
    outside = tmp_path / "elsewhere"
    bad: list[tuple[dict[str, Any], str, str]] = [
        (_body(str(outside), "a.mp3"), "root", "not a MUSIC_PATH folder"),
        (_body(root + "/../etc", "passwd"), "root", "not a MUSIC_PATH folder"),
        (_body(root, "../escape.mp3"), "path", "relative to its root"),
        (_body(root, "/etc/passwd"), "path", "relative to its root"),
        (_body(root, "a/./b.mp3"), "path", "relative to its root"),
        (_body(root, "a\x00.mp3"), "path", "relative to its root"),
        (_body(root, "x" * (FILE_NAME_BYTES_MAX + 1)), "path", f"{FILE_NAME_BYTES_MAX} bytes"),
        (_body(root, "a.mp3") | {"content_hash": "xyz"}, "content_hash", "64 lowercase hex"),
        (_body(root, "a.mp3") | {"size": -1}, "size", "from 0"),
        (_body(root, "a.mp3") | {"year": 12}, "year", "1000 to 2999"),
        (_body(root, "a.mp3") | {"tag_bpm": 0}, "tag_bpm", "above 0"),
        (_body(root, "a.mp3") | {"tag_bpm": 9999.999}, "tag_bpm", "below 10000"),
        (_body(root, "a.mp3") | {"error": "e" * 2001}, "error", "at most 2000"),
        (_body(root, "a.mp3") | {"artist": "a\x00b"}, "artist", "without NUL"),
        (_body(root, "a.mp3") | {"title": "t" * 1001}, "title", "at most 1000"),
        (_body(root, "a.mp3") | {"channels": 0}, "channels", "above 0"),
        (_body(root, "a.mp3") | {"format": "ogg"}, "format", "mp3"),
        (_body(root, "a.mp3") | {"size": "big"}, "size", "int"),
    ]
    for record, field, hint in bad:
        refused = await client.post(f"{API}/files/batch", json={"records": [good, record]})
        _refused(refused, 400, f"records[1].{field}", hint)
    _unknown_field(
        await client.post(f"{API}/files/batch", json={"records": [good], "root": root}), "root"
    )
    _unknown_field(
        await client.post(
            f"{API}/files/batch", json={"records": [good, _body(root, "a.mp3") | {"cover": "A"}]}
        ),
        "cover",
    )
    _refused(await client.post(f"{API}/files/batch", json={}), 400, "records")
    too_many = [_body(root, f"{n}.mp3") for n in range(store.BATCH_MAX + 1)]
    _refused(
        await client.post(f"{API}/files/batch", json={"records": too_many}),
        400, "records", f"at most {store.BATCH_MAX}",
    )  # fmt: skip
    # Past the app's body limit (10 MB): refused before anything is read.
    huge = await client.post(
        f"{API}/files/batch", json={"records": [_body(root, "a.mp3") | {"comment": "x" * 10**7}]}
    )
    assert huge.status_code == 413
    assert _rows(database_url) == []


async def test_a_read_token_may_read_but_not_change(
    settings: Settings, client: Client, sessions: Sessions, root: str, database_url: str
) -> None:
    eple, _, broken = await _three(sessions, root)
    token = await make_api_token(settings, name="reader", scope=TokenScope.READ)
    headers = {"Authorization": f"Bearer {token}"}
    client.cookies.clear()  # the token alone, as a script sends it
    assert (await client.get(f"{API}/files/{eple}", headers=headers)).status_code == 200
    assert (await client.get(f"{API}/search?q=eple", headers=headers)).status_code == 200
    before = _rows(database_url)
    writes = [
        client.patch(f"{API}/files/{broken}", json={"status": "pending"}, headers=headers),
        client.post(
            f"{API}/files/status", json={"ids": [broken], "status": "pending"}, headers=headers
        ),
        client.post(
            f"{API}/files/batch", json={"records": [_body(root, "new.mp3")]}, headers=headers
        ),
    ]
    for write in writes:
        refused = await write
        assert refused.status_code == 403 and "read-only" in refused.json()["detail"]
    assert _rows(database_url) == before
