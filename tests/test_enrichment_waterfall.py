"""The enrichment waterfall against the five fake music databases, real PostgreSQL and Redis:
every source in order, provenance kept, the cache (a second enrichment asks nothing), a
redelivered batch, and each outside fault on each API, which never stops the others."""

from __future__ import annotations

import logging
from collections.abc import Callable
from decimal import Decimal

import pytest
from sqlalchemy import select

from domain import channels
from domain.enrichment.clients import Clients
from domain.enrichment.items import MODELS, ItemRef
from domain.enrichment.job import get_job, queue_enrichment, run_batch
from domain.enrichment.sources import sources_status
from domain.enrichment.waterfall import enrich_item
from domain.models import CollectionFile, LibraryTrack
from domain.outbound.breaker import BreakerState
from domain.resources import Resources
from domain.validation import InputError
from tests.enrichment_fakes import (
    ISRC,
    LASTFM_KEY,
    MBID,
    QUICK,
    RELEASE_ID,
    TOKEN,
    Fakes,
    analysed,
    collection_file,
    library_track,
)
from tests.fakes.deezer import quota
from tests.fakes.json_service import Reply, html_error, invalid_json, retry_after, stall, storm
from tests.fakes.lastfm import lastfm_error


async def _enrich(resources: Resources, ref: ItemRef) -> None:
    clients = Clients.open(resources.settings, resources.redis, resources.sessions, QUICK)
    try:
        await enrich_item(resources.sessions, clients, ref)
    finally:
        await clients.aclose()


async def _row(resources: Resources, ref: ItemRef) -> LibraryTrack | CollectionFile:
    async with resources.sessions() as session:
        row: LibraryTrack | CollectionFile | None = await session.scalar(
            select(MODELS[ref.kind]).where(MODELS[ref.kind].id == ref.id)
        )
    assert row is not None
    return row


async def test_a_collection_file_goes_through_every_source_and_keeps_its_tags(
    enrich_resources: Resources, fakes: Fakes, caplog: pytest.LogCaptureFixture
) -> None:
    fakes.know_the_track()
    ref = await collection_file(
        enrich_resources.sessions, label="Tagged Label", tag_bpm=Decimal("124.00"), **analysed()
    )
    with caplog.at_level(logging.WARNING):
        await _enrich(enrich_resources, ref)

    row = await _row(enrich_resources, ref)
    assert row.enrichment_status == "completed" and row.enrichment_error is None
    assert row.sources_enriched == [
        "analysis",
        "deezer",
        "discogs",
        "lastfm",
        "musicbrainz",
        "spotify",
    ]
    assert row.enriched_mbid == MBID
    assert row.enriched_isrc is None, "the file's own ISRC is known: none is looked up"
    assert row.label == "Tagged Label" and row.enriched_label is None, "the tag stays, alone"
    assert row.tag_bpm == Decimal("124.00") and row.bpm == Decimal("123.0")
    assert row.enriched_catalogue_number == "BPC190"
    assert row.enriched_release_date == "2009-04-20"
    assert row.enriched_genres == ["electronic", "idm"]
    assert (row.deezer_id, row.deezer_bpm, row.deezer_gain) == (3135556, 123.4, -9.1)
    assert row.enriched_country == "XW"  # MusicBrainz answered first
    assert row.enriched_styles == ["IDM", "Techno"] and row.discogs_release_id == RELEASE_ID
    assert row.lastfm_tags == ["electronic", "idm"]
    assert (row.lastfm_playcount, row.lastfm_listeners) == (4242, 99)
    assert row.spotify_id == "6rqhFgbbKwnb9MLmUQDhG6"
    assert row.audio_features is None, "new apps get 403 on audio features"
    assert row.enrichment_retry_count == 0 and row.last_attempt is not None

    paths = [r.path for r in fakes.musicbrainz.requests]
    assert paths == [f"/ws/2/isrc/{ISRC}", f"/ws/2/recording/{MBID}"]
    assert "genres" in fakes.musicbrainz.requests[1].query["inc"]
    assert [r.path for r in fakes.deezer.requests] == [f"/track/isrc:{ISRC}"], (
        "the label is known from MusicBrainz: Deezer's album is not asked"
    )
    assert [r.path for r in fakes.discogs.requests] == [
        "/database/search",
        f"/releases/{RELEASE_ID}",
    ]
    assert all(
        r.headers["authorization"] == f"Discogs token={TOKEN}" for r in fakes.discogs.requests
    )
    spotify = [r.path for r in fakes.spotify.requests]
    assert spotify == ["/api/token", "/v1/search", "/v1/audio-features/6rqhFgbbKwnb9MLmUQDhG6"]
    refused = [r for r in caplog.records if "audio features" in r.getMessage()]
    assert len(refused) == 1, "one log line when Spotify refuses audio features"
    assert await enrich_resources.redis.exists(
        channels.music_api(enrich_resources.settings, "spotify", "audio-features-off")
    )

    # Another file of the same track: every answer is cached, nothing is asked, not even a token.
    before = fakes.requests()
    other = await collection_file(enrich_resources.sessions, "b.mp3")
    await _enrich(enrich_resources, other)
    assert fakes.requests() == before
    again = await _row(enrich_resources, other)
    assert again.enrichment_status == "completed" and again.deezer_bpm == 123.4
    assert again.enriched_label == "BPitch Control", "a file without a label tag gets one"
    assert "analysis" not in again.sources_enriched, "not analysed yet"


async def test_a_library_track_found_by_text_search_takes_its_files_analysis(
    enrich_resources: Resources, fakes: Fakes
) -> None:
    fakes.know_the_track()
    track = await library_track(enrich_resources.sessions)
    await collection_file(
        enrich_resources.sessions, library_track_id=track.id, isrc=None, **analysed()
    )
    await _enrich(enrich_resources, track)
    row = await _row(enrich_resources, track)
    assert isinstance(row, LibraryTrack)
    assert [r.path for r in fakes.musicbrainz.requests] == [
        "/ws/2/recording",
        f"/ws/2/recording/{MBID}",
    ]
    assert row.enriched_mbid == MBID and row.enriched_isrc == ISRC
    assert row.external_ids == {}, "identification's own ids are left alone"
    assert row.deezer_bpm == 123.4, "Deezer asked by the ISRC MusicBrainz found"
    assert row.bpm == 123.0 and row.musical_key == "A minor"
    assert row.sources_enriched == [
        "analysis",
        "deezer",
        "discogs",
        "lastfm",
        "musicbrainz",
        "spotify",
    ]


async def test_a_redelivered_batch_adds_nothing_twice(
    enrich_resources: Resources, fakes: Fakes
) -> None:
    fakes.know_the_track()
    ref = await collection_file(enrich_resources.sessions)
    job = await queue_enrichment(enrich_resources, [str(ref)])  # no worker here: run it by hand
    await run_batch(enrich_resources, job.job_id, [str(ref)], QUICK)
    first = await _row(enrich_resources, ref)
    asked = fakes.requests()

    await run_batch(enrich_resources, job.job_id, [str(ref)], QUICK)  # the same message again
    second = await _row(enrich_resources, ref)
    assert fakes.requests() == asked
    assert second.sources_enriched == first.sources_enriched
    assert second.lastfm_tags == first.lastfm_tags == ["electronic", "idm"]
    assert second.enriched_genres == first.enriched_genres
    progress = await get_job(enrich_resources.settings, enrich_resources.redis, job.job_id)
    assert (progress.total, progress.done, progress.completed) == (1, 1, 1)
    assert progress.finished


async def test_an_unknown_item_is_refused_and_nothing_is_queued(
    enrich_resources: Resources,
) -> None:
    ref = await collection_file(enrich_resources.sessions)
    for bad, message in (
        ("library:999", "there is no library:999"),
        ("track:1", "write library:<id> or collection:<id>"),
        ("collection:0", "write library:<id>"),
    ):
        with pytest.raises(InputError, match=message):
            await queue_enrichment(enrich_resources, [str(ref), bad])
    broker = enrich_resources.jobs.broker
    assert broker.client.llen(f"{broker.namespace}:enrichment") == 0
    assert (await _row(enrich_resources, ref)).enrichment_status == "pending"


# --- each fault, each API: the others carry on -------------------------------------------------

Fault = Callable[[Fakes], None]


def _faults(target: str, replies: list[Reply]) -> Fault:
    def apply(fakes: Fakes) -> None:
        getattr(fakes, target).faults(replies)

    return apply


APIS = ("musicbrainz", "deezer", "discogs", "lastfm", "spotify")
# The faults every API plays: a 503 storm, a 429 asking for a day, broken JSON, a proxy's HTML
# error pages, timeouts (each retried fault is sent to all three tries).
GENERIC: dict[str, list[Reply]] = {
    "503-storm": [storm()] * 3,
    "429-retry-after-a-day": [retry_after(86400)],
    "invalid-json": [invalid_json()],
    "html-error-pages": [html_error()] * 3,
    "timeouts": [stall(1.5)] * 3,
}
FAULTS = {
    f"{api}-{fault}": (api, _faults(api, replies))
    for api in APIS
    for fault, replies in GENERIC.items()
}
FAULTS |= {
    "deezer-quota-with-200": ("deezer", _faults("deezer", [quota()])),
    "lastfm-rate-limit-29": ("lastfm", _faults("lastfm", [lastfm_error(29)])),
    "lastfm-bad-key-10": ("lastfm", _faults("lastfm", [lastfm_error(10, 403)])),
}


@pytest.mark.parametrize("case", list(FAULTS), ids=list(FAULTS))
async def test_one_broken_api_never_stops_the_others(
    enrich_resources: Resources, fakes: Fakes, case: str
) -> None:
    broken, apply = FAULTS[case]
    fakes.know_the_track()
    apply(fakes)
    ref = await collection_file(enrich_resources.sessions)
    await _enrich(enrich_resources, ref)

    row = await _row(enrich_resources, ref)
    assert row.enrichment_status == "partial"
    assert row.enrichment_retry_count == 1
    answered = {"musicbrainz", "deezer", "discogs", "lastfm", "spotify"} - {broken}
    assert set(row.sources_enriched) == answered
    name = {
        "musicbrainz": "MusicBrainz",
        "deezer": "Deezer",
        "discogs": "Discogs",
        "lastfm": "Last.fm",
        "spotify": "Spotify",
    }[broken]
    assert row.enrichment_error is not None and row.enrichment_error.startswith(f"{name}: ")
    assert LASTFM_KEY not in row.enrichment_error, "the Last.fm key is never in a message"
    if broken != "musicbrainz":
        assert row.enriched_mbid == MBID
    if broken != "lastfm":
        assert row.lastfm_playcount == 4242

    # Later, with the API back: only the broken source is asked again, and the item completes.
    for fake in fakes.all():
        fake.faults([])
    await enrich_resources.redis.delete(
        channels.music_api(enrich_resources.settings, broken, "breaker")
    )
    before = {fake.url: len(fake.requests) for fake in fakes.all()}
    await _enrich(enrich_resources, ref)
    row = await _row(enrich_resources, ref)
    assert row.enrichment_status == "completed" and row.enrichment_error is None
    asked = {fake.url for fake in fakes.all() if len(fake.requests) > before[fake.url]}
    assert asked <= {getattr(fakes, broken).url}


async def test_a_retry_after_of_a_day_opens_the_breaker_until_then(
    enrich_resources: Resources, fakes: Fakes
) -> None:
    fakes.know_the_track()
    fakes.deezer.faults([retry_after(86400)])
    await _enrich(enrich_resources, await collection_file(enrich_resources.sessions))
    status = {s.source: s for s in await sources_status(enrich_resources)}
    deezer = status["deezer"]
    assert deezer.breaker.state is BreakerState.OPEN
    assert deezer.breaker.open_until is not None
    assert len(fakes.deezer.requests) == 1, "never slept on, never asked again"
    assert status["musicbrainz"].breaker.state is BreakerState.CLOSED
    assert deezer.counts.calls == 1 and deezer.counts.errors == 1


async def test_nothing_found_is_an_answer_not_an_error(
    enrich_resources: Resources, fakes: Fakes
) -> None:
    """Deezer's "no data" (code 800) and Last.fm's error 6, both with HTTP 200: the item
    completes, those sources answered, and the "nothing" is cached."""
    ref = await collection_file(enrich_resources.sessions, artist="Nobody", title="Nothing")
    await _enrich(enrich_resources, ref)
    row = await _row(enrich_resources, ref)
    assert row.enrichment_status == "completed" and row.enrichment_error is None
    assert {"deezer", "lastfm", "musicbrainz", "discogs", "spotify"} <= set(row.sources_enriched)
    assert row.deezer_id is None and row.lastfm_tags == []
    asked = fakes.requests()
    other = await collection_file(
        enrich_resources.sessions, "b.mp3", artist="Nobody", title="Nothing"
    )
    await _enrich(enrich_resources, other)
    assert fakes.requests() == asked
