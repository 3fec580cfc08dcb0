"""The enrichment clients one by one against their fakes: the breaker's states as a real client
sees them, the pace shared by two processes, Spotify's token and secret, odd answer shapes, and
the figures the Sources and coverage pages show."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from domain.enrichment.coverage import coverage
from domain.enrichment.deezer import DeezerClient
from domain.enrichment.items import ItemKind
from domain.enrichment.policy import DELAYS
from domain.enrichment.sources import sources_status
from domain.enrichment.spotify import SpotifyClient
from domain.library.lookups import LookupFailed
from domain.outbound.breaker import BreakerState
from domain.resources import Resources
from tests.enrichment_fakes import (
    QUICK,
    SPOTIFY_SECRET,
    Fakes,
    analysed,
    collection_file,
    library_track,
)
from tests.fakes.deezer import deezer_track
from tests.fakes.json_service import Reply, invalid_json, storm
from tests.waiting import wait_until_async

REPO = Path(__file__).resolve().parent.parent
SLACK = 0.02


async def test_five_failures_open_deezers_breaker_then_half_open_and_two_answers_close_it(
    enrich_resources: Resources, fakes: Fakes
) -> None:
    fakes.deezer.add_track(deezer_track(1, "GBAAA0000001", bpm=120))
    client = DeezerClient(
        enrich_resources.settings, enrich_resources.redis, enrich_resources.sessions, QUICK
    )
    breaker = client.rules.breaker
    try:
        fakes.deezer.faults([invalid_json()] * 5)
        for number in range(2, 7):  # uncached ISRCs: each one a request
            with pytest.raises(LookupFailed, match="invalid JSON"):
                await client.by_isrc(f"GBAAA{number:07d}")
        status = await breaker.status()
        assert status.state is BreakerState.OPEN and status.failures == 5
        with pytest.raises(LookupFailed, match="no request before"):
            await client.by_isrc("GBAAA0000001")
        assert len(fakes.deezer.requests) == 5, "nothing asked while open"

        async def half_open() -> bool:
            return (await breaker.status()).state is BreakerState.HALF_OPEN

        await wait_until_async(half_open, 5, "Deezer's breaker to turn half-open")
        assert (await client.by_isrc("GBAAA0000001")) is not None
        assert (await breaker.status()).state is BreakerState.HALF_OPEN
        fakes.deezer.add_track(deezer_track(8, "GBAAA0000008", bpm=0))
        track = await client.by_isrc("GBAAA0000008")
        assert track is not None and track.bpm is None, "Deezer's 0 is unknown"
        assert (await breaker.status()).state is BreakerState.CLOSED
    finally:
        await client.aclose()


async def test_a_failure_while_half_open_opens_it_again(
    enrich_resources: Resources, fakes: Fakes
) -> None:
    client = DeezerClient(
        enrich_resources.settings, enrich_resources.redis, enrich_resources.sessions, QUICK
    )
    breaker = client.rules.breaker
    try:
        await breaker.trip()

        async def half_open() -> bool:
            return (await breaker.status()).state is BreakerState.HALF_OPEN

        await wait_until_async(half_open, 5, "half-open")
        fakes.deezer.faults([storm()] * 3)
        with pytest.raises(LookupFailed, match="503"):
            await client.by_isrc("GBAAA0000009")
        assert (await breaker.status()).state is BreakerState.OPEN
    finally:
        await client.aclose()


async def test_odd_shapes_are_skipped_not_crashed_on(
    enrich_resources: Resources, fakes: Fakes
) -> None:
    odd = {"id": 5, "bpm": "fast", "gain": None, "release_date": "0000-00-00", "album": [1, 2]}
    fakes.deezer.route("/track/isrc:GBAAA0000005", Reply(200, odd))
    fakes.deezer.route("/album/9", Reply(200, {"id": 9, "label": 7, "genres": {"data": "x"}}))
    client = DeezerClient(
        enrich_resources.settings, enrich_resources.redis, enrich_resources.sessions, QUICK
    )
    try:
        track = await client.by_isrc("GBAAA0000005")
        assert track is not None
        assert (track.bpm, track.gain, track.release_date, track.album_id) == (
            None,
            None,
            None,
            None,
        )
        album = await client.album(9)
        assert album is not None and album.genres == () and album.label == "7"
    finally:
        await client.aclose()


async def test_spotify_asks_one_token_for_many_requests_and_never_logs_its_secret(
    enrich_resources: Resources, fakes: Fakes, caplog: pytest.LogCaptureFixture
) -> None:
    fakes.spotify.add_track("Burial", "Archangel", "sp1")  # no ISRC, no popularity: a dev app
    fakes.spotify.add_track("Burial", "Near Dark", "sp2", isrc="GBBKS0700585", popularity=51)
    client = SpotifyClient(
        enrich_resources.settings, enrich_resources.redis, enrich_resources.sessions, QUICK
    )
    try:
        with caplog.at_level(logging.DEBUG):
            [first] = await client.search("Burial", "Archangel")
            [second] = await client.search("Burial", "Near Dark")
            assert await client.search("Burial", "Untrue") == []
            assert (first.isrc, first.popularity) == (None, None)
            assert (second.isrc, second.popularity) == ("GBBKS0700585", 51)
            assert len(fakes.spotify.token_requests()) == 1
            fakes.spotify.grant_audio_features = True
            assert (await client.audio_features("sp1") or {}).get("tempo") == 123.4

        refused = SpotifyClient(
            enrich_resources.settings, enrich_resources.redis, enrich_resources.sessions, QUICK
        )
        fakes.spotify.faults([Reply(500, {"error": "server_error"})] * 3)
        with caplog.at_level(logging.DEBUG), pytest.raises(LookupFailed) as failed:
            await refused.search("Burial", "Endorphin")
        await refused.aclose()
        assert SPOTIFY_SECRET not in str(failed.value)
        assert SPOTIFY_SECRET not in caplog.text and "Basic " not in caplog.text
    finally:
        await client.aclose()


def test_two_processes_keep_each_apis_pace(
    enrich_env: dict[str, str], fakes: Fakes, clean_db: None
) -> None:
    """Two processes at once (two workers, say): Deezer's requests are never closer than 1/5 s,
    Last.fm's than 1/4 s, and one at a time each, by the fakes' own logs."""
    fakes.reset()
    env = {**os.environ, **enrich_env}
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.enrichment_pace", str(first), "6"],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for first in (1, 101)
    ]
    for process in processes:
        out, err = process.communicate(timeout=60)
        assert process.returncode == 0 and b"done" in out, err.decode()[-2000:]
    for fake, source in ((fakes.deezer, "deezer"), (fakes.lastfm, "lastfm")):
        assert len(fake.requests) == 12
        assert fake.max_in_flight == 1
        gaps = fake.gaps()
        assert min(gaps) >= DELAYS[source] - SLACK, (source, gaps)


async def test_coverage_and_sources_count_what_is_known_and_asked(
    enrich_resources: Resources, fakes: Fakes
) -> None:
    sessions = enrich_resources.sessions
    await collection_file(sessions, "a.mp3", label="L", **analysed())
    await collection_file(sessions, "b.mp3", isrc=None)
    await collection_file(sessions, "gone.mp3", missing=True)
    await library_track(sessions, isrc="DEU831300071", musical_key="8A")
    async with sessions() as session:
        found = await coverage(session)
    files, tracks = found[ItemKind.COLLECTION], found[ItemKind.LIBRARY]
    assert files.items == 2, "a missing file is not counted"
    assert files.percent == {
        "isrc": 50.0,
        "mbid": 0.0,
        "bpm": 50.0,
        "key": 50.0,
        "label": 50.0,
        "audio_features": 50.0,
    }
    assert files.statuses["pending"] == 2 and files.statuses["completed"] == 0
    assert tracks.items == 1 and tracks.percent["isrc"] == 100.0 and tracks.percent["key"] == 100.0
    assert tracks.percent["bpm"] == 0.0

    fakes.deezer.add_track(deezer_track(1, "GBAAA0000001", bpm=120))
    client = DeezerClient(enrich_resources.settings, enrich_resources.redis, sessions, QUICK)
    try:
        for _ in range(3):
            await client.by_isrc("GBAAA0000001")  # one request, then two cache hits
    finally:
        await client.aclose()
    status = {s.source: s for s in await sources_status(enrich_resources)}
    assert list(status) == ["musicbrainz", "deezer", "discogs", "lastfm", "spotify"]
    assert all(s.configured for s in status.values())
    deezer = status["deezer"]
    assert deezer.counts.calls == 1 and deezer.counts.cache_hit_rate == pytest.approx(2 / 3)
    assert deezer.to_json()["breaker"] == {"state": "closed", "open_until": None, "failures": 0}
    assert status["lastfm"].counts.calls == 0 and status["lastfm"].counts.cache_hit_rate is None
