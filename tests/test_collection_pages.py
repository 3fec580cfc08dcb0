"""The Collection page and a file's page through HTTP (issue 12 §5): search as you type with
filters, every refused filter (400 naming the field, nothing listed), escaping of tag text, the
exports of the current view, a file's tags beside its analysed values, its cover, Re-analyse
(queued for the worker), its library track and what mixes well after it. Real database, real
Redis, real app."""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import xml.etree.ElementTree as ET
from decimal import Decimal
from typing import Any

import psycopg
import pytest
from PIL import Image
from selectolax.lexbor import LexborHTMLParser as HTMLParser
from selectolax.lexbor import LexborNode as Node

from domain import channels
from domain.collection import scan_job, store
from domain.collection.record import FileRecord
from domain.collection.tags import FileFacts
from domain.config import Settings
from domain.db import Sessions
from domain.jobs import COLLECTION_ANALYSIS_QUEUE
from domain.library.store import upsert_track
from domain.models import AudioFormat, Role
from domain.resources import Resources
from tests.library_data import facts
from tests.test_api_library import heard_in
from tests.test_web_pages import only, texts
from tests.web_fixtures import PASSWORD, Client, logged_in, make_user

ROOT = "/music"
DASH = "\u2013"  # between artist and title, as the pages show it
HX = {"HX-Request": "true", "HX-Target": "collection-results"}


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 64), (200, 30, 90)).save(out, "JPEG")
    return out.getvalue()


# A real JPEG, as the scan stores a cover: the cover route sends the stored bytes as they are.
JPEG = _jpeg()


def record(path: str, **tags: Any) -> FileRecord:
    """A file as the scan would store it (MP3, 6 minutes unless said), under ROOT."""
    values: dict[str, Any] = {"format": AudioFormat.MP3, "duration": 360.0} | tags
    digest = hashlib.sha256(path.encode()).hexdigest()
    return FileRecord(ROOT, path, 1000, 1.7e9, digest, FileFacts(**values))


def analysed(
    database_url: str, file_id: int, key: str, camelot: str, open_key: str, bpm: str
) -> None:
    """What the worker would have stored for this file (domain/collection/analyse_job.py)."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(
            "UPDATE collection_files SET musical_key = %s, camelot = %s, open_key = %s,"
            " bpm = %s, key_strength = 0.81, bpm_confidence = 3.2, analysed_at = now()"
            " WHERE id = %s",
            (key, camelot, open_key, Decimal(bpm), file_id),
        )


async def seed_collection(sessions: Sessions, database_url: str) -> dict[str, int]:
    """Four files: two in A minor near 124 BPM (one tagged 8B, with a cover), one in E minor at
    126, a FLAC in G major at 90 from 1999, and a file that could not be read."""
    ids = await store.save_files(
        sessions,
        [
            record("house/ame-rej.mp3", artist="Âme", title="Rej", album="Rej EP", year=2005,
                   label="Innervisions", genre="Deep House", tag_key="C", cover=JPEG),
            record("house/dixon-track.mp3", artist="Dixon", title="Track One", year=2019),
            record("techno/e-minor.mp3", artist="Bicep", title="Glue", year=2017),
            record("ambient/slow.flac", artist="Aphex Twin", title="Xtal", year=1999,
                   format=AudioFormat.FLAC),
            record("broken/bad.mp3", artist=None, title=None, format=None, duration=None,
                   error="not an audio file: the MP3 frames could not be read"),
        ],
    )  # fmt: skip
    names = ["rej", "dixon", "glue", "xtal", "bad"]
    found = dict(zip(names, ids, strict=True))
    analysed(database_url, found["rej"], "A minor", "8A", "1m", "124.0")
    analysed(database_url, found["dixon"], "A minor", "8A", "1m", "125.5")
    analysed(database_url, found["glue"], "E minor", "9A", "2m", "126.0")
    analysed(database_url, found["xtal"], "G major", "9B", "2d", "90.0")
    return found


@pytest.fixture
def sessions(resources: Resources) -> Sessions:
    return resources.sessions


@pytest.fixture
async def files(client: Client, sessions: Sessions, database_url: str) -> dict[str, int]:
    return await seed_collection(sessions, database_url)


def listed(html: str) -> list[str]:
    return texts(html, "tr.collection-file td.track")


# --- the Collection page -----------------------------------------------------------------------


async def test_with_nothing_typed_the_collection_is_listed_by_path(
    client: Client, files: dict[str, int]
) -> None:
    response = await client.get("/collection")

    assert response.status_code == 200
    assert listed(response.text) == [
        f"Aphex Twin {DASH} Xtal",
        "broken/bad.mp3",
        f"Âme {DASH} Rej",
        f"Dixon {DASH} Track One",
        f"Bicep {DASH} Glue",
    ]
    rej = only(response.text, f"#file-{files['rej']}")
    assert [td.text(strip=True) for td in rej.css("td")] == [
        f"Âme {DASH} Rej", "Rej EP", "8A · Am", "124.0", "MP3", "6:00", "completed",
    ]  # fmt: skip
    assert only(response.text, f"#file-{files['bad']} td.status").text() == "failed"
    assert "Collection" in texts(response.text, ".mainnav a")


async def test_typing_searches_and_htmx_gets_the_results_only(
    client: Client, files: dict[str, int]
) -> None:
    response = await client.get("/collection", params={"q": "ame"}, headers=HX)

    assert response.status_code == 200
    assert response.headers["HX-Push-Url"] == "/collection?q=ame"
    assert "<html" not in response.text
    assert listed(response.text) == [f"Âme {DASH} Rej"]  # accent-blind
    assert only(response.text, "#searching-for").text(strip=True) == "Searching for:ame"
    assert only(response.text, "#export-xml").attributes["href"] == "/collection/export.xml?q=ame"


async def test_nothing_to_search_says_what_to_type_and_lists_nothing(
    client: Client, files: dict[str, int]
) -> None:
    response = await client.get("/collection", params={"q": '"( & | !:*'})

    assert response.status_code == 200
    assert "Type a word" in only(response.text, "#search-message").text()
    assert listed(response.text) == []

    only_excluded = await client.get("/collection", params={"q": "-live"})
    assert "Add a word" in only(only_excluded.text, "#search-message").text()
    assert listed(only_excluded.text) == []


async def test_what_was_cut_from_a_long_search_is_said_beside_the_results(
    client: Client, files: dict[str, int]
) -> None:
    response = await client.get("/collection", params={"q": "rej " + "x" * 70})

    assert response.status_code == 200
    assert texts(response.text, ".search-note") == ["a word longer than 64 characters was skipped"]
    assert listed(response.text) == [f"Âme {DASH} Rej"]


async def test_a_dj_sees_the_collection_and_an_operator_only_account_does_not(
    client: Client, settings: Settings, files: dict[str, int]
) -> None:
    await make_user(settings, "dj", PASSWORD, roles=[Role.DJ])
    await make_user(settings, "op", PASSWORD, roles=[Role.OPERATOR])
    async with logged_in(settings, "dj", PASSWORD) as dj:
        page = await dj.get("/collection")
        assert page.status_code == 200
        assert "/collection" in [a.attributes["href"] for a in page_links(page.text)]
        assert (await dj.get(f"/collection/{files['rej']}")).status_code == 200
    async with logged_in(settings, "op", PASSWORD) as operator:
        start = await operator.get("/")
        assert "/collection" not in [a.attributes["href"] for a in page_links(start.text)]
        assert (await operator.get("/collection")).status_code == 403
        assert (await operator.get(f"/collection/{files['rej']}")).status_code == 403


def page_links(html: str) -> list[Node]:
    return list(HTMLParser(html).css(".mainnav a"))


async def test_filters_narrow_a_search_and_the_listing(
    client: Client, files: dict[str, int]
) -> None:
    by_key = await client.get("/collection", params={"key": "A minor"})
    assert listed(by_key.text) == [f"Âme {DASH} Rej", f"Dixon {DASH} Track One"]
    by_bpm = await client.get("/collection", params={"bpm_from": "125", "bpm_to": "130"})
    assert listed(by_bpm.text) == [f"Dixon {DASH} Track One", f"Bicep {DASH} Glue"]
    by_year = await client.get("/collection", params={"year_to": "2000", "format": "flac"})
    assert listed(by_year.text) == [f"Aphex Twin {DASH} Xtal"]
    failed = await client.get("/collection", params={"status": "failed"})
    assert listed(failed.text) == ["broken/bad.mp3"]
    searched = await client.get("/collection", params={"q": "track", "key": "8A"})
    assert listed(searched.text) == [f"Dixon {DASH} Track One"]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("format", "ogg", "format must be one of"),
        ("year_from", "nineteen", "year_from must be a number from 1000 to 2999"),
        ("year_to", "3500", "year_to must be a number from 1000 to 2999"),
        ("status", "lost", "status"),
        ("key", "H minor", "is not a key: write e.g. 8A, Am, A minor or 1m"),
        ("bpm_from", "0", "bpm_from must be a number from 1 to 999"),
        ("bpm_to", "nan", "bpm_to must be a number from 1 to 999"),
    ],
)
async def test_a_refused_filter_is_a_400_beside_its_field_and_lists_nothing(
    client: Client, files: dict[str, int], field: str, value: str, message: str
) -> None:
    page = await client.get("/collection", params={field: value})
    assert page.status_code == 400
    error = only(page.text, f"#col-filter-{field}-error")
    assert message in error.text()
    assert listed(page.text) == []
    assert "Fix the filter above" in only(page.text, "tr.empty").text()

    swapped = await client.get("/collection", params={field: value}, headers=HX)
    assert swapped.status_code == 400
    assert message in only(swapped.text, f"#col-{field}-slot").text()
    assert listed(swapped.text) == []


async def test_a_range_upside_down_is_refused_on_its_upper_field(
    client: Client, files: dict[str, int]
) -> None:
    page = await client.get("/collection", params={"bpm_from": "130", "bpm_to": "120"})
    assert page.status_code == 400
    assert "bpm_to must not be below bpm_from" in only(page.text, "#col-filter-bpm_to-error").text()
    assert listed(page.text) == []


async def test_a_bad_page_number_is_refused(client: Client, files: dict[str, int]) -> None:
    page = await client.get("/collection", params={"page": "-2"})
    assert page.status_code == 400
    assert only(page.text, "#col-page-error").text()
    assert listed(page.text) == []


async def test_tag_text_is_escaped(client: Client, sessions: Sessions, database_url: str) -> None:
    file_id = await store.save_file(
        sessions, record("x.mp3", artist="<b>DJ</b>", title="<script>alert(1)</script>")
    )
    listing = await client.get("/collection")
    detail = await client.get(f"/collection/{file_id}")

    for html in (listing.text, detail.text):
        assert "<script>alert(1)</script>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert listed(listing.text) == [f"<b>DJ</b> {DASH} <script>alert(1)</script>"]


async def test_paging_keeps_the_search_and_filters(client: Client, sessions: Sessions) -> None:
    await store.save_files(
        sessions, [record(f"many/{n:03}.mp3", artist="Many", title=f"Cut {n}") for n in range(30)]
    )
    first = await client.get("/collection", params={"q": "many", "per_page": "25"})
    assert len(listed(first.text)) == 25
    following = only(first.text, ".pager a[rel=next]").attributes["href"]
    assert following == "/collection?q=many&page=2&per_page=25"
    second = await client.get(following or "")
    assert len(listed(second.text)) == 5


# --- exports -----------------------------------------------------------------------------------


async def test_the_exports_carry_the_current_view(client: Client, files: dict[str, int]) -> None:
    xml = await client.get("/collection/export.xml", params={"key": "8A"})
    assert xml.status_code == 200
    assert xml.headers["content-type"].startswith("application/xml")
    assert xml.headers["content-disposition"].startswith('attachment; filename="collection.xml"')
    tree = ET.fromstring(xml.content)  # noqa: S314 (our own output, not untrusted input)
    tracks = tree.findall("./COLLECTION/TRACK")
    assert [t.get("Name") for t in tracks] == ["Rej", "Track One"]
    assert tree.find("./COLLECTION").get("Entries") == "2"  # type: ignore[union-attr]
    assert [t.get("Tonality") for t in tracks] == ["Am", "Am"]

    m3u = await client.get("/collection/export.m3u8", params={"q": "glue"})
    assert m3u.status_code == 200
    assert m3u.headers["content-type"].startswith("audio/x-mpegurl")
    assert "collection.m3u8" in m3u.headers["content-disposition"]
    assert m3u.text.splitlines() == [
        "#EXTM3U",
        "#EXTINF:360,Bicep - Glue",
        "/music/techno/e-minor.mp3",
    ]

    everything = await client.get("/collection/export.xml")
    # Every file on disk, the unreadable one too (a DJ may still want its path).
    whole = ET.fromstring(everything.content)  # noqa: S314 (our own output)
    assert whole.find("./COLLECTION").get("Entries") == "5"  # type: ignore[union-attr]


async def test_an_export_with_a_refused_filter_is_a_400_naming_it(
    client: Client, files: dict[str, int]
) -> None:
    response = await client.get("/collection/export.m3u8", params={"bpm_from": "fast"})
    assert response.status_code == 400
    assert "bpm_from" in response.text
    assert "#EXTM3U" not in response.text


# --- a file's page -----------------------------------------------------------------------------


async def test_a_file_shows_tags_beside_the_analysis_and_what_mixes_after_it(
    client: Client, files: dict[str, int]
) -> None:
    response = await client.get(f"/collection/{files['rej']}")

    assert response.status_code == 200
    assert only(response.text, "h1").text() == "Rej"
    key = cells(response.text, "#compare-key")
    assert key == ["C", "A minor · 8A · 1m strength 0.81"]
    assert cells(response.text, "#compare-bpm") == ["—", "124.0 confidence 3.20"]
    assert texts(response.text, ".col-disagreements li") == ["tag says 8B, audio says 8A"]
    assert only(response.text, "img.col-cover").attributes["src"] == (
        f"/collection/{files['rej']}/cover.jpg"
    )
    assert texts(response.text, "tr.mix-after td.track") == [
        f"Dixon {DASH} Track One",
        f"Bicep {DASH} Glue",
    ]
    assert "Innervisions" in texts(response.text, ".col-tags dd")


async def test_a_file_without_key_or_tempo_says_why_nothing_is_suggested(
    client: Client, files: dict[str, int]
) -> None:
    response = await client.get(f"/collection/{files['bad']}")

    assert response.status_code == 200
    assert only(response.text, "#file-status").text() == "failed"
    assert "MP3 frames could not be read" in only(response.text, "#file-error").text()
    assert "its key and tempo is not known yet" in only(response.text, "#mixes-reason").text()
    assert page_has_no(response.text, "img.col-cover")


def cells(html: str, selector: str) -> list[str]:
    """The cells of one row as read aloud: white space between words made one space."""
    return [" ".join(td.text().split()) for td in only(html, selector).css("td")]


def page_has_no(html: str, selector: str) -> bool:
    return texts(html, selector) == []


async def test_a_linked_file_shows_its_library_track_and_the_mixes_it_was_heard_in(
    client: Client, sessions: Sessions, database_url: str, files: dict[str, int]
) -> None:
    track = await upsert_track(sessions, facts("Âme", "Rej", label="Innervisions"))
    await heard_in(sessions, database_url, "Sunday closing set", [track])
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(
            "UPDATE collection_files SET library_track_id = %s WHERE id = %s", (track, files["rej"])
        )

    response = await client.get(f"/collection/{files['rej']}")

    assert only(response.text, "#library-track").attributes["href"] == f"/library/{track}"
    assert "Sunday closing set" in texts(response.text, "table.heard-in td")


async def test_a_missing_file_id_is_a_404(client: Client, files: dict[str, int]) -> None:
    for path in ("/collection/999999", "/collection/0", "/collection/999999/cover.jpg"):
        response = await client.get(path)
        assert response.status_code == 404, path
    assert "no collection file 999999" in (await client.get("/collection/999999")).text


async def test_the_cover_is_the_stored_jpeg_and_a_file_without_one_is_a_404(
    client: Client, files: dict[str, int]
) -> None:
    cover = await client.get(f"/collection/{files['rej']}/cover.jpg")
    assert cover.status_code == 200
    assert cover.headers["content-type"] == "image/jpeg"
    assert cover.content == JPEG
    assert "max-age" in cover.headers["cache-control"]

    none = await client.get(f"/collection/{files['glue']}/cover.jpg")
    assert none.status_code == 404
    assert f"collection file {files['glue']} has no cover" in none.text


# --- Re-analyse --------------------------------------------------------------------------------


def queued_files(resources: Resources) -> list[list[int]]:
    """The file ids of the analysis messages waiting on this installation's queue."""
    key = f"{resources.settings.channel('dramatiq')}:{COLLECTION_ANALYSIS_QUEUE}.msgs"
    raw = resources.jobs.broker.client.hvals(key)
    return sorted(json.loads(message)["args"][0] for message in raw)


@pytest.fixture
def empty_analysis_queue(resources: Resources) -> Any:
    client = resources.jobs.broker.client
    pattern = resources.settings.channel(f"dramatiq:{COLLECTION_ANALYSIS_QUEUE}*")

    def clear() -> None:
        keys = client.keys(pattern)
        if keys:
            client.delete(*keys)

    clear()
    yield
    clear()


@pytest.mark.usefixtures("empty_analysis_queue")
async def test_reanalyse_forgets_the_analysis_and_queues_the_file(
    client: Client, resources: Resources, database_url: str, files: dict[str, int]
) -> None:
    file_id = files["rej"]
    response = await client.post(f"/collection/{file_id}/reanalyse", headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert "Queued" in only(response.text, "#reanalyse .flash").text()
    assert await asyncio.to_thread(queued_files, resources) == [[file_id]]
    with psycopg.connect(database_url) as conn:
        row = conn.execute(
            "SELECT analysed_at, camelot FROM collection_files WHERE id = %s", (file_id,)
        ).fetchone()
    assert row == (None, "8A")  # the old values stand until the worker replaces them
    mark = channels.collection_analysis_queued(resources.settings, file_id)
    assert await resources.redis.exists(mark) == 1

    page = await client.get(f"/collection/{file_id}")
    assert only(page.text, "#file-analysis").text() == "not analysed yet"


@pytest.mark.usefixtures("empty_analysis_queue")
async def test_reanalyse_without_htmx_goes_back_to_the_page(
    client: Client, resources: Resources, files: dict[str, int]
) -> None:
    response = await client.post(f"/collection/{files['glue']}/reanalyse", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/collection/{files['glue']}"
    assert await asyncio.to_thread(queued_files, resources) == [[files["glue"]]]


@pytest.mark.usefixtures("empty_analysis_queue")
async def test_reanalyse_refuses_a_file_that_was_not_read_and_queues_nothing(
    client: Client, resources: Resources, files: dict[str, int]
) -> None:
    response = await client.post(f"/collection/{files['bad']}/reanalyse")

    assert response.status_code == 400
    assert "status completed, now failed" in only(response.text, "#reanalyse-error").text()
    assert await asyncio.to_thread(queued_files, resources) == []
    missing = await client.post("/collection/999999/reanalyse")
    assert missing.status_code == 404


@pytest.mark.usefixtures("empty_analysis_queue")
async def test_with_analysis_off_the_page_says_so_once_and_reanalyse_is_refused(
    client: Client, resources: Resources, files: dict[str, int]
) -> None:
    key = channels.collection_analysis_off(resources.settings)
    await resources.redis.set(key, "essentia is not installed for this platform", ex=60)
    try:
        page = await client.get("/collection")
        refused = await client.post(f"/collection/{files['rej']}/reanalyse")
    finally:
        await resources.redis.delete(key)

    assert texts(page.text, "#analysis-off") == [
        "Audio analysis is off: essentia is not installed for this platform."
        " Key and BPM come from the files' tags."
    ]
    assert refused.status_code == 400
    assert "audio analysis is off" in only(refused.text, "#reanalyse-error").text()
    assert await asyncio.to_thread(queued_files, resources) == []


async def test_scan_now_queues_a_scan_and_the_page_follows_it(
    client: Client, resources: Resources, files: dict[str, int]
) -> None:
    before = await client.get("/collection")
    assert only(before.text, "#collection-scan button").text() == "Scan now"
    assert not HTMLParser(before.text).css("#collection-scan .scan-text")

    response = await client.post("/collection/scan", headers={"HX-Request": "true"})

    assert response.status_code == 200
    latest = await scan_job.latest_scan(resources.settings, resources.redis)
    assert latest is not None and latest.state is scan_job.ScanState.QUEUED
    panel = only(response.text, "#collection-scan")
    assert only(response.text, ".scan-text").text() == "Scanning MUSIC_PATH: queued"
    # While it runs there is no second button, and the panel asks for its progress.
    assert not panel.css("button")
    progress_url = f"/collection/scan/{latest.job_id}"
    assert only(response.text, "#collection-scan [hx-get]").attributes["hx-get"] == progress_url

    progress = await client.get(progress_url)
    assert progress.status_code == 200
    assert only(progress.text, ".scan-text").text() == "Scanning MUSIC_PATH: queued"
    page = await client.get("/collection")
    assert only(page.text, "#collection-scan .scan-text").text() == "Scanning MUSIC_PATH: queued"


async def test_scan_now_without_htmx_goes_back_to_the_collection(
    client: Client, resources: Resources, files: dict[str, int]
) -> None:
    response = await client.post("/collection/scan", follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (303, "/collection")
    assert await scan_job.latest_scan(resources.settings, resources.redis) is not None


async def test_an_unknown_or_expired_scan_is_not_found(
    client: Client, resources: Resources, files: dict[str, int]
) -> None:
    for job_id in ("0" * 32, "x" * 500, "<script>"):
        response = await client.get(f"/collection/scan/{job_id}")
        assert response.status_code == 404
        assert "<script>" not in response.text
    assert await scan_job.latest_scan(resources.settings, resources.redis) is None
