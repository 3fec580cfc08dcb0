"""The review page's "is this file that track?" items: the differing field marked, accept links
the file, reject keeps it unlinked, an unknown file is a 404 that changes nothing."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from xml.etree import ElementTree

import psycopg
import pytest
from click.testing import CliRunner

from cli.main import crateloop
from domain.collection import matching
from domain.collection.scan import scan_collection
from domain.config import CollectionSettings
from domain.library.store import DiscoveryRecord, record_discovery, upsert_track
from domain.library.wants import add_want
from domain.models import CollectionFile, DiscoveryMethod, DiscoveryState, User
from domain.resources import Resources, opened
from domain.tracklists.model import ParsedTrack, ParsedTracklist
from domain.tracklists.versions import store_import
from tests.library_data import facts
from tests.media import make_audio, tag
from tests.web_fixtures import Client


@pytest.fixture
async def waiting(resources: Resources, tmp_path: Path) -> AsyncIterator[tuple[int, int]]:
    """A scanned file "deadmau5 - Strobe (Club Mix)" waiting for a person: (file, track)."""
    music = (tmp_path / "music").resolve()
    tag(make_audio(music / "club.mp3"), artist="deadmau5", title="Strobe (Club Mix)")
    settings = replace(
        resources.settings, collection=CollectionSettings(music_paths=(music,), scan_minutes=15)
    )
    async with opened(settings) as own:
        track = await upsert_track(own.sessions, facts("deadmau5", "Strobe"))
        await scan_collection(own.sessions, own.settings)
        [file_id] = await matching.stale_files(own.sessions)
        assert (await matching.match_files(own.sessions, [file_id])).review == 1
        yield file_id, track


async def linked(resources: Resources, file_id: int) -> int | None:
    async with resources.sessions() as session:
        row = await session.get(CollectionFile, file_id)
    assert row is not None
    return row.library_track_id


async def test_the_review_page_asks_about_the_file_with_the_version_marked(
    client: Client, waiting: tuple[int, int]
) -> None:
    file_id, track = waiting
    html = (await client.get("/review")).text
    assert f'id="review-file-{file_id}"' in html
    assert "Is this file that track? (1)" in html
    assert 'class="differs"><dt>Version</dt><dd>original</dd>' in html
    assert f'href="/library/{track}"' in html
    badge = (await client.get("/review/count")).text
    assert ">1</span>" in badge  # the navigation counts the file too


async def test_accept_links_the_file(
    client: Client, resources: Resources, waiting: tuple[int, int]
) -> None:
    file_id, track = waiting
    answer = await client.post(f"/review/files/{file_id}/accept", headers={"HX-Request": "true"})
    assert answer.status_code == 200
    assert f"File linked to library track {track}." in answer.text
    assert await linked(resources, file_id) == track
    assert f'id="review-file-{file_id}"' not in (await client.get("/review")).text


async def test_reject_keeps_the_file_unlinked(
    client: Client, resources: Resources, waiting: tuple[int, int]
) -> None:
    file_id, _ = waiting
    answer = await client.post(f"/review/files/{file_id}/reject")
    assert (answer.status_code, answer.url.path) == (200, "/review")  # redirected back
    assert await linked(resources, file_id) is None
    again = await client.post(f"/review/files/{file_id}/accept")
    assert again.status_code == 404
    assert await linked(resources, file_id) is None


@pytest.mark.parametrize("action", ["accept", "reject"])
async def test_a_file_waiting_for_nothing_is_a_404(
    client: Client, resources: Resources, waiting: tuple[int, int], action: str
) -> None:
    file_id, _ = waiting
    answer = await client.post(f"/review/files/{file_id + 1000}/{action}")
    assert answer.status_code == 404
    assert f"no collection file {file_id + 1000} waits for review" in answer.text
    assert await linked(resources, file_id) is None


async def test_owned_tracks_are_marked_on_the_library_track_and_tracklist_pages(
    client: Client, resources: Resources, waiting: tuple[int, int], database_url: str
) -> None:
    file_id, track = waiting
    other = await upsert_track(resources.sessions, facts("Bicep", "Glue"))
    stored = await store_import(
        resources.sessions,
        ParsedTracklist(
            title="Mix",
            tracks=(
                ParsedTrack(position=1, artist="deadmau5", title="Strobe"),
                ParsedTrack(position=2, artist="Bicep", title="Glue"),
            ),
        ),
        html_sha256=None,
    )
    with psycopg.connect(database_url) as conn:
        found = conn.execute(
            "SELECT id FROM tracklist_versions WHERE tracklist_id = %s", (stored.tracklist_id,)
        ).fetchone()
    assert found is not None
    for row_index, track_id in enumerate((track, other)):
        await record_discovery(
            resources.sessions,
            DiscoveryRecord(
                tracklist_id=stored.tracklist_id,
                version_id=found[0],
                version_number=1,
                row_index=row_index,
                position=row_index + 1,
                row_text="A - T",
                state=DiscoveryState.MATCHED,
                method=DiscoveryMethod.LIBRARY,
                library_track_id=track_id,
            ),
        )
    mark = f'<a class="owned-mark" href="/collection/{file_id}"'
    pages = ("/library", f"/library/{track}", f"/tracklists/{stored.tracklist_id}")
    for page in pages:  # provisional: not owned yet
        assert "owned-mark" not in (await client.get(page)).text

    await client.post(f"/review/files/{file_id}/accept")

    for page in pages:
        assert (await client.get(page)).text.count(mark) == 1, page
    assert "owned-mark" not in (await client.get(f"/library/{other}")).text
    collection_page = (await client.get(f"/collection/{file_id}")).text
    assert f'id="library-track" href="/library/{track}"' in collection_page
    figures = (await client.get("/library/discoveries?period=all-time")).text
    assert '<dd class="fig-owned">50 %</dd>' in figures
    assert "1 of the tracks discovered are in your collection" in figures


async def test_the_want_lists_owned_files_export_as_m3u8_and_rekordbox_xml(
    client: Client,
    resources: Resources,
    waiting: tuple[int, int],
    user: User,
    app_env: dict[str, str],
) -> None:
    file_id, track = waiting
    still_wanted = await upsert_track(resources.sessions, facts("Bicep", "Glue"))
    await add_want(resources.sessions, user.id, track)
    await add_want(resources.sessions, user.id, still_wanted)
    page = (await client.get("/want-list")).text
    assert 'href="/api/v1/want-list/export-owned?format=rekordbox"' in page
    empty = await client.get("/api/v1/want-list/export-owned?format=m3u8")
    assert empty.text == "#EXTM3U\n"  # nothing owned yet

    await client.post(f"/review/files/{file_id}/accept")

    items = (await client.get("/api/v1/want-list")).json()["items"]
    owned = {item["library_track_id"]: item for item in items}
    assert (owned[track]["status"], owned[track]["collection_file_id"]) == ("in_library", file_id)
    assert (owned[still_wanted]["status"], owned[still_wanted]["collection_file_id"]) == (
        "wanted",
        None,
    )
    marked = (await client.get("/want-list")).text
    assert marked.count(f'<a class="owned-mark" href="/collection/{file_id}"') == 1

    listed = await client.get("/api/v1/want-list/export-owned")
    assert listed.headers["content-type"].startswith("audio/x-mpegurl")
    paths = [line for line in listed.text.splitlines() if not line.startswith("#")]
    assert len(paths) == 1 and paths[0].endswith("/music/club.mp3")
    xml = await client.get("/api/v1/want-list/export-owned?format=rekordbox")
    root = ElementTree.fromstring(xml.content)  # noqa: S314 (our own output)
    assert root.tag == "DJ_PLAYLISTS"
    [collection] = root.findall("COLLECTION")
    assert collection.get("Entries") == "1"
    assert [t.get("Name") for t in collection.findall("TRACK")] == ["Strobe (Club Mix)"]
    playlist = root.find("PLAYLISTS/NODE/NODE")
    assert playlist is not None and playlist.get("Name") == "Want-list: owned"

    refused = await client.get("/api/v1/want-list/export-owned?format=wav")
    assert refused.status_code == 400
    assert "format is 'wav': use m3u8 or rekordbox" in refused.text

    command = await asyncio.to_thread(
        CliRunner().invoke,
        crateloop,
        ["want", "export", "--format", "m3u8", "--user", user.username],
        env=app_env,
    )
    assert command.exit_code == 0, command.output
    assert command.output.splitlines()[-1] == paths[0]
