"""The Sources page (each API's configuration, breaker, calls and cache; coverage; Enrich pending
and Enrich all with the job's progress) and the Enrichment box with "Enrich now" on a collection
file's and a library track's page, through HTTP on a real database and Redis (issue 12 §4, §5).
A form without its CSRF token is refused and queues nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from domain import channels
from domain.enrichment.items import ItemRef
from domain.enrichment.policy import breaker_of
from domain.models import CollectionFile, LibraryTrack
from domain.outbound.tally import Tally
from domain.resources import Resources
from tests.enrichment_fakes import collection_file, library_track, nothing_queued, queued
from tests.test_web_pages import only, texts
from tests.web_fixtures import Client

HX = {"HX-Request": "true"}


@pytest.fixture
async def items(resources: Resources) -> dict[str, ItemRef]:
    """A library track enriched partly (Discogs failed), and a pending collection file."""
    sessions = resources.sessions
    track = await library_track(sessions, isrc="DEU831300071", label="BPitch Control")
    file = await collection_file(sessions, isrc=None, label="<b>Own label</b>")
    async with sessions.begin() as session:
        await session.execute(
            update(LibraryTrack)
            .where(LibraryTrack.id == track.id)
            .values(
                enrichment_status="partial",
                sources_enriched=["deezer", "lastfm"],
                last_attempt=datetime(2026, 3, 1, 12, 30, tzinfo=UTC),
                enrichment_retry_count=1,
                enrichment_error="Discogs: the service answered 503",
                enriched_label="<i>BPitch</i> Control",
                deezer_bpm=123.4,
                deezer_gain=-9.1,
                lastfm_tags=["electronic", "idm"],
                lastfm_listeners=12345,
                lastfm_playcount=4242,
            )
        )
        await session.execute(
            update(CollectionFile).where(CollectionFile.id == file.id).values(deezer_bpm=120.0)
        )
    return {"track": track, "file": file}


async def test_the_sources_page_shows_each_api_and_the_coverage(
    client: Client, resources: Resources, items: dict[str, ItemRef]
) -> None:
    settings, redis = resources.settings, resources.redis
    until = datetime.now(UTC) + timedelta(minutes=30)
    await breaker_of(settings, redis, "deezer", 60).trip(at_least_until=until)
    tally = Tally(redis, channels.api_tally(settings), "musicbrainz")
    for outcome in ("ok", "ok", "error"):
        await tally.call(outcome, 0.1)
    for hit in (True, True, True, False):
        await tally.cache(hit=hit)
    await redis.set(channels.music_api(settings, "spotify", "audio-features-off"), 1)

    answer = await client.get("/sources")
    assert answer.status_code == 200
    html = answer.text
    assert texts(html, "main h1") == ["Sources"]
    assert 'href="/sources" aria-current="page"' in html
    deezer = " ".join(only(html, "#source-deezer .source-breaker").text().split())
    assert deezer == f"open until {until:%H:%M} UTC"
    assert only(html, "#source-discogs .source-breaker").text(strip=True) == "closed"
    assert "set DISCOGS_TOKEN" in only(html, "#source-discogs .source-configured").text()
    spotify = " ".join(only(html, "#source-spotify .source-configured").text().split())
    assert spotify == "off set SPOTIFY_CLIENT_ID and SPOTIFY_CLIENT_SECRET"
    assert only(html, "#source-musicbrainz .source-configured").text(strip=True) == "on"
    assert only(html, "#source-musicbrainz .source-calls").text(strip=True) == "3"
    assert only(html, "#source-musicbrainz .source-errors").text(strip=True) == "1"
    assert only(html, "#source-musicbrainz .source-cache").text(strip=True) == "75 %"
    assert only(html, "#source-deezer .source-cache").text(strip=True) == "—"
    assert "audio features refused (403)" in only(html, "#source-spotify .source-note").text()

    assert texts(html, "#coverage-items td") == ["1", "1"]
    assert texts(html, "#coverage-isrc td") == ["100.0 %", "0.0 %"]
    assert texts(html, "#coverage-label td") == ["100.0 %", "100.0 %"]
    assert texts(html, "#coverage-bpm td") == ["100.0 %", "100.0 %"]
    assert texts(html, "#status-pending td") == ["0", "1"]
    assert texts(html, "#status-partial td") == ["1", "0"]
    assert {"Enrich pending", "Enrich all"} <= set(texts(html, "#enrich-panel button"))


async def test_the_apis_refresh_alone_every_ten_seconds(client: Client) -> None:
    page = await client.get("/sources")
    panel = only(page.text, "#sources-apis")
    assert panel.attributes["hx-trigger"] == "every 10s"
    part = await client.get("/sources", headers=HX | {"HX-Target": "sources-apis"})
    assert part.status_code == 200
    assert "<html" not in part.text and 'id="sources-apis"' in part.text
    assert texts(part.text, "#sources-apis tbody th")[0] == "MusicBrainz"


async def test_enrich_pending_queues_a_job_whose_progress_polls(
    client: Client, resources: Resources, items: dict[str, ItemRef]
) -> None:
    answer = await client.post("/sources/enrich", data={"which": "pending"}, headers=HX)
    assert answer.status_code == 200, answer.text
    progress = only(answer.text, ".enrich-job")
    assert progress.text(strip=True) == "Enriching: 0 / 1 items"
    job_id = progress.attributes["id"].removeprefix("enrich-job-")
    assert progress.attributes["hx-get"] == f"/sources/enrich/{job_id}"
    assert queued(resources) == [[str(items["file"])]]

    polled = await client.get(f"/sources/enrich/{job_id}")
    assert only(polled.text, ".enrich-text").text() == "Enriching: 0 / 1 items"
    assert (await client.get("/sources/enrich/0123abcd")).status_code == 404

    every = await client.post("/sources/enrich", data={"which": "all"}, follow_redirects=False)
    assert every.status_code == 303
    page = await client.get(every.headers["location"])
    assert only(page.text, "#enrich-panel .enrich-text").text() == "Enriching: 0 / 2 items"


async def test_nothing_pending_says_so_and_needs_no_polling(
    client: Client, resources: Resources
) -> None:
    answer = await client.post("/sources/enrich", data={"which": "pending"}, headers=HX)
    progress = only(answer.text, ".enrich-job")
    assert "hx-get" not in progress.attributes
    assert progress.text(strip=True) == "Nothing to enrich."


@pytest.mark.parametrize("which", ["", "everything", "library:1"])
async def test_a_refused_choice_is_a_400_and_queues_nothing(
    client: Client, resources: Resources, items: dict[str, ItemRef], which: str
) -> None:
    for headers in ({}, HX):
        answer = await client.post("/sources/enrich", data={"which": which}, headers=headers)
        assert answer.status_code == 400
        assert only(answer.text, "#enrich-panel .form-error").text() == (
            "Choose what to enrich: pending or all."
        )
        assert ("<html" in answer.text) is not bool(headers), "htmx gets the panel alone"
    nothing_queued(resources)


async def test_a_form_without_its_csrf_token_is_refused_and_queues_nothing(
    client: Client, resources: Resources, items: dict[str, ItemRef]
) -> None:
    forged = {"x-csrftoken": "forged"}
    for path, body in (
        ("/sources/enrich", {"which": "all"}),
        (f"/collection/{items['file'].id}/enrich", {}),
        (f"/library/{items['track'].id}/enrich", {}),
    ):
        answer = await client.post(path, data=body, headers=forged)
        assert answer.status_code == 403, path
    nothing_queued(resources)


async def test_a_track_page_shows_what_was_looked_up_beside_its_own(
    client: Client, items: dict[str, ItemRef]
) -> None:
    html = (await client.get(f"/library/{items['track'].id}")).text
    assert only(html, "#enrichment-status").text() == "partial"
    assert only(html, "#enrichment-sources").text() == "Deezer, Last.fm"
    assert only(html, "#enrichment-attempt").text() == "2026-03-01 12:30 UTC (failed 1 time)"
    assert only(html, "#enrichment-error").text() == "Discogs: the service answered 503"
    rows = {
        cells[0]: cells[1:]
        for cells in (
            [cell.text(strip=True) for cell in row.css("th, td")]
            for row in only(html, ".enrichment-facts").css("tbody tr")
        )
    }
    assert rows["Label"] == ["BPitch Control", "<i>BPitch</i> Control"], "escaped, not markup"
    assert rows["BPM (Deezer)"] == ["—", "123.4"]
    assert rows["Gain (Deezer)"] == ["—", "-9.1 dB"]
    assert rows["Last.fm tags"] == ["—", "electronic, idm"]
    assert rows["Last.fm listeners"] == ["—", "12,345"]
    assert "ISRC" not in rows, "only what was looked up"
    assert only(html, "#enrich-now form").attributes["action"] == (
        f"/library/{items['track'].id}/enrich"
    )
    assert only(html, "#enrich-now input[name=_csrf_token]") is not None


async def test_enrich_now_on_a_file_queues_it_and_follows_the_job(
    client: Client, resources: Resources, items: dict[str, ItemRef]
) -> None:
    file = items["file"]
    html = (await client.get(f"/collection/{file.id}")).text
    assert only(html, "#enrichment-status").text() == "pending"
    assert only(html, "#enrichment-attempt").text() == "never"
    assert texts(html, ".enrichment-facts tbody tr") == ["BPM (Deezer)—120.0"]
    assert "<b>Own label</b>" not in html

    answer = await client.post(f"/collection/{file.id}/enrich", headers=HX)
    assert answer.status_code == 200
    assert only(answer.text, "#enrich-now .enrich-text").text() == "Enriching: 0 / 1 items"
    assert queued(resources) == [[str(file)]]

    plain = await client.post(f"/library/{items['track'].id}/enrich", follow_redirects=False)
    assert (plain.status_code, plain.headers["location"]) == (
        303,
        f"/library/{items['track'].id}",
    )
    assert sorted(queued(resources)) == sorted([[str(file)], [str(items["track"])]])


async def test_enrich_now_on_an_unknown_item_is_a_404_and_queues_nothing(
    client: Client, resources: Resources
) -> None:
    for path in ("/collection/999999/enrich", "/library/999999/enrich"):
        answer = await client.post(path, headers=HX)
        assert answer.status_code == 404, path
    nothing_queued(resources)
