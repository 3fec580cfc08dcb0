"""The MusicBrainz and Discogs clients against fake servers on 127.0.0.1, with real Redis.

Both services are paced at one request a second for the whole installation, so every test keeps
its sequential requests few. Each test starts with this installation's pace, breaker, caches and
token flag for both services emptied.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import redis
import redis.asyncio as aioredis

from domain import channels
from domain.config import ConfigError, Settings, load_settings
from domain.library.candidates import Source
from domain.library.discogs import DiscogsClient, DiscogsNotConfigured, DiscogsTokenRefused
from domain.library.facts import VersionKind
from domain.library.lookups import DAY, LookupFailed
from domain.library.musicbrainz import MusicBrainzClient, lucene_query
from domain.outbound.user_agent import user_agent
from domain.resources import opened
from domain.validation import InputError
from tests.fakes import discogs as dg
from tests.fakes import musicbrainz as mb
from tests.fakes.json_service import (
    Reply,
    empty_body,
    html_error,
    html_page,
    invalid_json,
    retry_after,
    stall,
    storm,
    unauthorized,
)
from tests.waiting import wait_until_async

TOKEN = "sEcReTtOkEn0123456789abcdefXYZ"
CONTACT = "ops@example.org"
SLACK = 0.02  # clock granularity between Redis's clock and the fakes'
QUICK = {"backoff_seconds": 0.2}  # retries wait little longer than the pace itself

MakeMusicBrainz = Callable[..., Awaitable[MusicBrainzClient]]
MakeDiscogs = Callable[..., Awaitable[DiscogsClient]]


@pytest.fixture(scope="module")
def musicbrainz_server() -> Iterator[mb.FakeMusicBrainz]:
    server = mb.FakeMusicBrainz()
    yield server
    server.close()


@pytest.fixture(scope="module")
def discogs_server() -> Iterator[dg.FakeDiscogs]:
    server = dg.FakeDiscogs()
    yield server
    server.close()


@pytest.fixture(scope="module")
def elsewhere() -> Iterator[dg.FakeDiscogs]:
    """Another origin, which must never see the Discogs token."""
    server = dg.FakeDiscogs()
    yield server
    server.close()


def _env(
    app_env: dict[str, str], musicbrainz: mb.FakeMusicBrainz, discogs: dg.FakeDiscogs
) -> dict[str, str]:
    return {
        **app_env,
        "CONTACT": CONTACT,
        "MUSICBRAINZ_BASE_URL": musicbrainz.url,
        "DISCOGS_BASE_URL": discogs.url,
        "DISCOGS_TOKEN": TOKEN,
    }


@pytest.fixture(scope="module")
def library_settings(
    app_env: dict[str, str], musicbrainz_server: mb.FakeMusicBrainz, discogs_server: dg.FakeDiscogs
) -> Settings:
    return load_settings(_env(app_env, musicbrainz_server, discogs_server))


def _forget(settings: Settings) -> None:
    client = redis.Redis.from_url(settings.redis_url)
    for pattern in ("musicbrainz:*", "discogs:*"):
        keys = list(client.scan_iter(settings.channel(pattern)))
        if keys:
            client.delete(*keys)
    client.close()


@pytest.fixture
def musicbrainz(
    library_settings: Settings, musicbrainz_server: mb.FakeMusicBrainz
) -> Iterator[mb.FakeMusicBrainz]:
    _forget(library_settings)
    musicbrainz_server.reset()
    yield musicbrainz_server
    _forget(library_settings)


@pytest.fixture
def discogs(
    library_settings: Settings, discogs_server: dg.FakeDiscogs, elsewhere: dg.FakeDiscogs
) -> Iterator[dg.FakeDiscogs]:
    _forget(library_settings)
    discogs_server.reset()
    elsewhere.reset()
    yield discogs_server
    _forget(library_settings)


@pytest.fixture
async def connections(library_settings: Settings) -> AsyncIterator[list[Any]]:
    """Clients and their Redis connections, closed after the test (one each, like processes)."""
    made: list[Any] = []
    yield made
    for thing in made:
        await thing.aclose()


@pytest.fixture
def make_musicbrainz(library_settings: Settings, connections: list[Any]) -> MakeMusicBrainz:
    async def make(settings: Settings = library_settings, **options: Any) -> MusicBrainzClient:
        connection = aioredis.Redis.from_url(settings.redis_url, socket_timeout=5)
        client = MusicBrainzClient(settings, connection, **options)
        connections.extend([client, connection])
        return client

    return make


@pytest.fixture
def make_discogs(library_settings: Settings, connections: list[Any]) -> MakeDiscogs:
    async def make(settings: Settings = library_settings, **options: Any) -> DiscogsClient:
        connection = aioredis.Redis.from_url(settings.redis_url, socket_timeout=5)
        client = DiscogsClient(settings, connection, **options)
        connections.extend([client, connection])
        return client

    return make


def _ttl(settings: Settings, pattern: str) -> list[int]:
    client = redis.Redis.from_url(settings.redis_url)
    try:
        return [int(client.ttl(key)) for key in client.scan_iter(settings.channel(pattern))]
    finally:
        client.close()


def _moderat() -> dict[str, Any]:
    return mb.recording(
        "Copy Copy",
        [mb.credit("Moderat")],
        length=273_000,
        isrcs=["DEU831300071"],
        score=87,
        releases=[
            mb.release("II (bootleg)", date="2013-01-01", status="Bootleg"),
            mb.release("III", date="2016-04-01", label="Monkeytown Records", catno="MTR070"),
            mb.release("III (deluxe)", date="2016-09-01", label="Monkeytown Records"),
        ],
    )


# --- MusicBrainz: what is asked and how --------------------------------------------------------


def test_lucene_query_escapes_every_special_character() -> None:
    special = '+ - && || ! ( ) { } [ ] ^ " ~ * ? : \\ /'
    escaped = r"\+ \- \&\& \|\| \! \( \) \{ \} \[ \] \^ \" \~ \* \? \: \\ \/"
    assert lucene_query("AC/DC", special) == f'recording:"{escaped}" AND artist:"AC\\/DC"'
    assert lucene_query("", "Strobe (Original Mix)") == 'recording:"Strobe \\(Original Mix\\)"'
    with pytest.raises(InputError) as refused:
        lucene_query("Moderat", "  ")
    assert refused.value.field == "title"


async def test_search_sends_the_escaped_query_and_a_user_agent_with_the_contact(
    musicbrainz: mb.FakeMusicBrainz, make_musicbrainz: MakeMusicBrainz
) -> None:
    client = await make_musicbrainz()
    musicbrainz.search('recording:"Back in Black \\(Live\\)" AND artist:"AC\\/DC"', [_moderat()])

    found = await client.search_recordings("AC/DC", "Back in  Black (Live)")

    assert [c.facts.title for c in found] == ["Copy Copy"]
    [request] = musicbrainz.requests
    assert request.path == "/ws/2/recording"
    assert request.query == {
        "query": 'recording:"Back in Black \\(Live\\)" AND artist:"AC\\/DC"',
        "fmt": "json",
        "limit": "25",
    }
    agent = request.headers["user-agent"]
    assert agent == user_agent(CONTACT)
    assert re.fullmatch(
        r"crateloop/\S+ \(\+https://github\.com/crateloop/crateloop; ops@example\.org\)", agent
    )


async def test_search_reads_credits_lengths_isrcs_releases_and_versions(
    musicbrainz: mb.FakeMusicBrainz, make_musicbrainz: MakeMusicBrainz
) -> None:
    client = await make_musicbrainz()
    featured = mb.recording(
        "Orion (Four Tet remix)",
        [
            mb.credit("Virgil Abloh", " & "),
            mb.credit("Boys Noize", " feat. "),
            mb.credit("serpentwithfeet"),
        ],
        length=None,
        score=100,
        first_release_date="2019",
    )
    musicbrainz.search(lucene_query("Moderat", "Copy Copy"), [featured, _moderat()])

    first, second = await client.search_recordings("Moderat", "Copy Copy")

    assert first.facts.artists == "Virgil Abloh & Boys Noize feat. serpentwithfeet"
    assert first.facts.primary == ("Virgil Abloh", "Boys Noize")
    assert first.facts.featured == ("serpentwithfeet",)
    assert first.facts.title_base == "Orion"
    assert first.facts.version.kind is VersionKind.REMIX
    assert first.facts.version.remixers == ("Four Tet",)
    assert first.facts.duration is None  # "length": null
    assert first.release_id is None and first.release_date == "2019"
    assert first.source is Source.MUSICBRAINZ

    assert second.facts.artists == "Moderat" and second.facts.featured == ()
    assert second.facts.title == second.facts.title_base == "Copy Copy"
    assert second.facts.version.generic
    assert second.facts.duration == 273.0
    assert second.facts.isrc == "DEU831300071" and second.isrcs == ("DEU831300071",)
    assert second.release_title == "III"  # the earliest official release, not the bootleg
    assert second.release_date == "2016-04-01"
    assert second.facts.label == "Monkeytown Records" and second.catalogue_number == "MTR070"
    assert second.recording_id and re.fullmatch(r"[0-9a-f-]{36}", second.recording_id)


async def test_lookup_and_isrc_are_cached_a_month_and_nothing_found_a_day(
    library_settings: Settings,
    musicbrainz: mb.FakeMusicBrainz,
    make_musicbrainz: MakeMusicBrainz,
) -> None:
    client = await make_musicbrainz()
    mbid = musicbrainz.add_recording(_moderat())

    looked_up = await client.lookup_recording(mbid.upper())
    by_isrc = await client.by_isrc("de-u83-13-00071")
    unknown = await client.by_isrc("GBAHT1300001")
    missing = await client.lookup_recording("6f1c1c52-0000-4000-8000-000000000000")
    assert len(musicbrainz.requests) == 4
    again = (
        await client.lookup_recording(mbid),
        await client.by_isrc("DEU831300071"),
        await client.by_isrc("GBAHT1300001"),
        await client.lookup_recording("6f1c1c52-0000-4000-8000-000000000000"),
    )

    assert len(musicbrainz.requests) == 4, "the second round came from the cache"
    assert looked_up is not None and looked_up.recording_id == mbid
    assert looked_up.catalogue_number == "MTR070"
    assert [c.recording_id for c in by_isrc] == [mbid]
    assert unknown == [] and missing is None
    assert again == (looked_up, by_isrc, [], None)
    lookup, isrc_path = musicbrainz.requests[0], musicbrainz.requests[1]
    assert lookup.path == f"/ws/2/recording/{mbid}"
    assert lookup.query["inc"] == "isrcs releases artist-credits labels genres tags"
    assert isrc_path.path == "/ws/2/isrc/DEU831300071"
    ttls = sorted(_ttl(library_settings, "musicbrainz:cache:*"))
    assert len(ttls) == 4
    assert all(DAY - 60 <= ttl <= DAY for ttl in ttls[:2])
    assert all(30 * DAY - 60 <= ttl <= 30 * DAY for ttl in ttls[2:])


async def test_searches_are_cached_a_week_and_empty_ones_a_day(
    library_settings: Settings,
    musicbrainz: mb.FakeMusicBrainz,
    make_musicbrainz: MakeMusicBrainz,
) -> None:
    client = await make_musicbrainz()
    musicbrainz.search(lucene_query("Moderat", "Copy Copy"), [_moderat()])

    assert await client.search_recordings("Nobody", "Nothing") == []
    found = await client.search_recordings("Moderat", "Copy Copy")
    assert await client.search_recordings("Moderat", "Copy Copy") == found
    assert await client.search_recordings("Nobody", "Nothing") == []

    assert len(musicbrainz.requests) == 2
    ttls = sorted(_ttl(library_settings, "musicbrainz:cache:*"))
    assert DAY - 60 <= ttls[0] <= DAY and 7 * DAY - 60 <= ttls[1] <= 7 * DAY


async def test_bad_ids_are_refused_naming_the_field_without_asking(
    musicbrainz: mb.FakeMusicBrainz, make_musicbrainz: MakeMusicBrainz
) -> None:
    client = await make_musicbrainz()
    with pytest.raises(InputError) as mbid:
        await client.lookup_recording("../../admin")
    with pytest.raises(InputError) as isrc:
        await client.by_isrc("not an isrc")
    with pytest.raises(InputError) as limit:
        await client.search_recordings("a", "b", limit=1000)
    assert (mbid.value.field, isrc.value.field, limit.value.field) == ("mbid", "isrc", "limit")
    assert "UUID" in str(mbid.value) and "12 characters" in str(isrc.value)
    assert musicbrainz.requests == []


async def test_every_process_waits_a_second_between_two_requests(
    musicbrainz: mb.FakeMusicBrainz, make_musicbrainz: MakeMusicBrainz
) -> None:
    first, second = await make_musicbrainz(), await make_musicbrainz()
    await asyncio.gather(
        first.search_recordings("A", "One"),
        second.search_recordings("B", "Two"),
        first.search_recordings("C", "Three"),
        second.search_recordings("D", "Four"),
    )

    assert len(musicbrainz.requests) == 4
    assert musicbrainz.max_in_flight == 1
    assert all(gap >= 1.0 - SLACK for gap in musicbrainz.gaps()), musicbrainz.gaps()


# --- MusicBrainz: faults (issue 11 §8) -----------------------------------------------------------


async def test_a_503_is_retried_after_a_pause_and_the_answer_used(
    musicbrainz: mb.FakeMusicBrainz, make_musicbrainz: MakeMusicBrainz
) -> None:
    client = await make_musicbrainz(breaker_base_seconds=0.001, **QUICK)
    await client.breaker.trip()  # an earlier storm (a millisecond long)

    async def closed() -> bool:
        return await client.breaker.open_until() is None

    await wait_until_async(closed, 5, "the earlier storm's breaker to close")
    musicbrainz.search(lucene_query("Moderat", "Copy Copy"), [_moderat()])
    musicbrainz.faults([storm(), storm()])

    found = await client.search_recordings("Moderat", "Copy Copy")

    assert [c.facts.title for c in found] == ["Copy Copy"]
    assert [r.status for r in musicbrainz.requests] == [503, 503, 200]
    assert all(gap >= 1.0 - SLACK for gap in musicbrainz.gaps())
    assert await client.breaker.open_until() is None
    assert await client.breaker.openings() == 0, "an answer resets the doubling"


async def test_a_503_storm_opens_the_breaker_for_every_process(
    musicbrainz: mb.FakeMusicBrainz, make_musicbrainz: MakeMusicBrainz
) -> None:
    client, other = await make_musicbrainz(**QUICK), await make_musicbrainz(**QUICK)
    musicbrainz.faults([storm()] * 10)

    with pytest.raises(LookupFailed) as failed:
        await client.search_recordings("Moderat", "Copy Copy")
    asked = len(musicbrainz.requests)
    with pytest.raises(LookupFailed) as paused:
        await other.search_recordings("Moderat", "Copy Copy")

    assert asked == 3 and len(musicbrainz.requests) == 3, "no request while the breaker is open"
    assert "503" in str(failed.value) and failed.value.source == "MusicBrainz"
    assert failed.value.retry_at is not None and failed.value.retry_at > datetime.now(UTC)
    assert paused.value.retry_at == failed.value.retry_at


@pytest.mark.parametrize("status", [429, 503])
async def test_a_retry_after_of_a_day_opens_the_breaker_instead_of_sleeping(
    musicbrainz: mb.FakeMusicBrainz, make_musicbrainz: MakeMusicBrainz, status: int
) -> None:
    client = await make_musicbrainz()
    musicbrainz.faults([retry_after(86400, status=status)])

    started = time.monotonic()
    with pytest.raises(LookupFailed) as failed:
        await client.search_recordings("Moderat", "Copy Copy")
    with pytest.raises(LookupFailed):
        await client.lookup_recording("6f1c1c52-0000-4000-8000-000000000000")

    assert time.monotonic() - started < 5
    assert len(musicbrainz.requests) == 1
    assert failed.value.retry_at is not None
    assert failed.value.retry_at >= datetime.now(UTC) + timedelta(hours=23)
    assert "86400" in str(failed.value)


@pytest.mark.parametrize(
    ("fault", "said"),
    [
        (invalid_json(), "invalid JSON"),
        (empty_body(), "an empty body"),
        (html_page(), "an HTML page, not JSON"),
        (Reply(400, {"error": "Invalid query: too many clauses"}), "400: Invalid query"),
    ],
)
async def test_broken_answers_are_clear_failures_and_nothing_is_cached(
    musicbrainz: mb.FakeMusicBrainz, make_musicbrainz: MakeMusicBrainz, fault: Reply, said: str
) -> None:
    client = await make_musicbrainz()
    musicbrainz.search(lucene_query("Moderat", "Copy Copy"), [_moderat()])
    musicbrainz.faults([fault])

    with pytest.raises(LookupFailed) as failed:
        await client.search_recordings("Moderat", "Copy Copy")
    found = await client.search_recordings("Moderat", "Copy Copy")

    assert said in str(failed.value)
    assert failed.value.retry_at is None  # a broken answer is no reason to stop asking
    assert [c.facts.title for c in found] == ["Copy Copy"], "asked again, not a cached failure"
    assert len(musicbrainz.requests) == 2


async def test_an_html_error_page_from_a_proxy_is_retried_then_fails_clearly(
    musicbrainz: mb.FakeMusicBrainz, make_musicbrainz: MakeMusicBrainz
) -> None:
    client = await make_musicbrainz(**QUICK)
    musicbrainz.faults([html_error(502)] * 3)

    with pytest.raises(LookupFailed) as failed:
        await client.by_isrc("GBAHT1300001")

    assert "502 Bad Gateway" in str(failed.value) and "3 attempts" in str(failed.value)
    assert len(musicbrainz.requests) == 3


async def test_a_stalled_answer_times_out_into_a_clear_failure(
    musicbrainz: mb.FakeMusicBrainz, make_musicbrainz: MakeMusicBrainz
) -> None:
    client = await make_musicbrainz(timeout=0.5, **QUICK)
    musicbrainz.faults([stall(3.0)] * 3)

    with pytest.raises(LookupFailed) as failed:
        await client.search_recordings("Moderat", "Copy Copy")

    assert "did not answer within 0.5 s" in str(failed.value)
    assert len(musicbrainz.requests) == 3


async def test_a_redirect_is_not_followed(
    musicbrainz: mb.FakeMusicBrainz, elsewhere: dg.FakeDiscogs, make_musicbrainz: MakeMusicBrainz
) -> None:
    client = await make_musicbrainz()
    musicbrainz.faults([Reply(302, b"", {"Location": f"{elsewhere.url}/ws/2/recording"})])

    with pytest.raises(LookupFailed) as failed:
        await client.search_recordings("Moderat", "Copy Copy")

    assert "redirected" in str(failed.value) and "not followed" in str(failed.value)
    assert elsewhere.requests == []


# --- Discogs -------------------------------------------------------------------------------------


def _untrue() -> dict[str, Any]:
    return dg.release_data(
        249504,
        [dg.artist("Burial (2)", anv="Burial")],
        "Untrue",
        tracks=[
            dg.heading("Side A"),
            dg.track("A1", "Archangel", "3:58"),
            dg.track(
                "A2",
                "Near Dark (Four Tet Remix)",
                "1:02:05",
                [dg.artist("Burial", "Feat."), dg.artist("Ryan Lucas (3)")],
            ),
            dg.track("B1", "Etched Headplate", ""),
        ],
        released="2007-11-00",
    )


async def test_discogs_search_and_release_read_the_real_shapes(
    discogs: dg.FakeDiscogs, make_discogs: MakeDiscogs
) -> None:
    client = await make_discogs()
    discogs.add_release(_untrue())
    discogs.add_release(dg.release_data(2, [dg.artist("Burial")], "Archangel EP", tracks=[]))
    discogs.search("Burial", "Archangel", [249504, 2])

    hits = await client.search("Burial", "Archangel")
    release = await client.release(249504)
    assert await client.release(999) is None

    assert [(h.id, h.title) for h in hits] == [
        (249504, "Burial (2) - Untrue"),
        (2, "Burial - Archangel EP"),
    ]
    assert hits[0].label == "Hyperdub" and hits[0].catalogue_number == "HDB001"
    assert hits[0].year == "2007" and hits[0].formats == ("Vinyl", '12"')
    assert release is not None and release.artists == "Burial"
    assert release.released == "2007-11"  # "2007-11-00": the day is not known
    assert [t.facts.title for t in release.tracks] == [
        "Archangel",
        "Near Dark (Four Tet Remix)",
        "Etched Headplate",
    ]
    archangel, near_dark, etched = release.tracks
    assert archangel.facts.duration == 238.0 and etched.facts.duration is None
    assert archangel.facts.artists == "Burial" and archangel.facts.label == "Hyperdub"
    assert archangel.release_id == "249504" and archangel.catalogue_number == "HDB001"
    assert archangel.source is Source.DISCOGS and archangel.release_date == "2007-11"
    assert near_dark.facts.artists == "Burial Feat. Ryan Lucas"
    assert near_dark.facts.featured == ("Ryan Lucas",) and near_dark.facts.duration == 3725.0
    assert near_dark.facts.title_base == "Near Dark"
    assert near_dark.facts.version.remixers == ("Four Tet",)
    search = discogs.requests[0]
    assert search.path == "/database/search"
    assert search.query == {
        "type": "release",
        "artist": "Burial",
        "track": "Archangel",
        "per_page": "25",
    }
    for request in discogs.requests:
        assert request.headers["authorization"] == f"Discogs token={TOKEN}"
        assert request.headers["user-agent"] == user_agent(CONTACT)


async def test_discogs_track_candidates_are_the_tracks_of_the_found_releases(
    discogs: dg.FakeDiscogs, make_discogs: MakeDiscogs
) -> None:
    client = await make_discogs()
    discogs.add_release(_untrue())
    discogs.add_release(
        dg.release_data(
            2,
            [dg.artist("Burial")],
            "Archangel EP",
            tracks=[dg.track("A", "Archangel (Four Tet Remix)", "5:01"), dg.track("B", "Ghost")],
        )
    )
    discogs.add_release(dg.release_data(3, [dg.artist("Burial")], "Third", tracks=[]))
    discogs.search("Burial", "archangel", [2, 249504, 3])

    found = await client.track_candidates("Burial", "archangel", releases=2)

    assert [(c.facts.title, c.release_id) for c in found] == [
        ("Archangel (Four Tet Remix)", "2"),
        ("Archangel", "249504"),
    ]
    assert [r.path for r in discogs.requests] == [
        "/database/search",
        "/releases/2",
        "/releases/249504",
    ]


async def test_discogs_answers_are_cached(
    library_settings: Settings, discogs: dg.FakeDiscogs, make_discogs: MakeDiscogs
) -> None:
    client = await make_discogs()
    discogs.add_release(_untrue())
    discogs.search("Burial", "Archangel", [249504])

    for _ in range(2):
        await client.search("Burial", "Archangel")
        await client.release(249504)
        await client.search("Nobody", "Nothing")

    assert len(discogs.requests) == 3
    ttls = sorted(_ttl(library_settings, "discogs:cache:*"))
    assert DAY - 60 <= ttls[0] <= DAY
    assert 7 * DAY - 60 <= ttls[1] <= 7 * DAY and 30 * DAY - 60 <= ttls[2] <= 30 * DAY


async def test_a_want_list_is_read_page_by_page(
    discogs: dg.FakeDiscogs, make_discogs: MakeDiscogs
) -> None:
    client = await make_discogs()
    discogs.add_release(_untrue())
    discogs.wants("crate.digger", [249504, *range(1000, 1249)])

    wants = await client.wants("crate.digger")

    assert len(wants) == 250
    assert [r.query["page"] for r in discogs.requests] == ["1", "2", "3"]
    assert {r.query["per_page"] for r in discogs.requests} == {"100"}
    assert wants[0].release_id == 249504 and wants[0].title == "Untrue"
    assert wants[0].artists == "Burial" and wants[0].label == "Hyperdub"
    assert wants[0].formats == ("Vinyl",)
    with pytest.raises(InputError) as unknown:
        await client.wants("nobody")
    assert unknown.value.field == "username" and "nobody" in str(unknown.value)
    with pytest.raises(InputError) as bad:
        await client.wants("../releases/1")
    assert bad.value.field == "username"
    assert len(discogs.requests) == 4


async def test_few_remaining_requests_slow_every_process_down(
    discogs: dg.FakeDiscogs, make_discogs: MakeDiscogs
) -> None:
    client = await make_discogs(rate_window_seconds=4.0)
    other = await make_discogs(rate_window_seconds=4.0)
    discogs.add_release(_untrue())
    discogs.remaining = 1

    await client.release(249504)
    discogs.remaining = 50
    await other.search("Burial", "Archangel")

    [gap] = discogs.gaps()
    assert gap >= 4.0 / 2 - SLACK, "two requests left: window / 2 before the next"


async def test_a_persistent_429_opens_the_breaker(
    discogs: dg.FakeDiscogs, make_discogs: MakeDiscogs
) -> None:
    client = await make_discogs(**QUICK)
    discogs.faults([Reply(429, {"message": "You are making requests too quickly."})] * 5)

    with pytest.raises(LookupFailed) as failed:
        await client.release(249504)
    with pytest.raises(LookupFailed):
        await client.search("Burial", "Archangel")

    assert "kept answering 429" in str(failed.value)
    assert failed.value.retry_at is not None and await client.breaker.openings() == 1
    assert len(discogs.requests) == 3


async def test_a_429_asking_for_a_day_opens_the_breaker_at_once(
    discogs: dg.FakeDiscogs, make_discogs: MakeDiscogs
) -> None:
    client = await make_discogs()
    discogs.faults([retry_after(86400)])

    started = time.monotonic()
    with pytest.raises(LookupFailed) as failed:
        await client.search("Burial", "Archangel")

    assert time.monotonic() - started < 5 and len(discogs.requests) == 1
    assert failed.value.retry_at is not None
    assert failed.value.retry_at >= datetime.now(UTC) + timedelta(hours=23)


async def test_a_refused_token_disables_discogs_until_the_token_changes(
    app_env: dict[str, str],
    musicbrainz_server: mb.FakeMusicBrainz,
    discogs: dg.FakeDiscogs,
    make_discogs: MakeDiscogs,
) -> None:
    client = await make_discogs()
    discogs.add_release(_untrue())
    assert await client.search("Nobody", "Nothing") == []
    discogs.reset()
    discogs.add_release(_untrue())
    discogs.faults([unauthorized()])

    with pytest.raises(DiscogsTokenRefused) as refused:
        await client.release(249504)
    with pytest.raises(DiscogsTokenRefused):
        await (await make_discogs()).search("Burial", "Archangel")
    assert len(discogs.requests) == 1, "no request with a refused token"
    assert await client.search("Nobody", "Nothing") == []  # cached before: still served

    assert "Discogs token refused" in str(refused.value)
    assert await client.token_refused()

    fixed = load_settings({**_env(app_env, musicbrainz_server, discogs), "DISCOGS_TOKEN": "new"})
    replaced = await make_discogs(fixed)
    assert not await replaced.token_refused()
    release = await replaced.release(249504)
    assert release is not None and release.title == "Untrue"
    assert discogs.requests[-1].headers["authorization"] == "Discogs token=new"


async def test_without_a_token_discogs_is_not_asked(
    app_env: dict[str, str],
    musicbrainz_server: mb.FakeMusicBrainz,
    discogs: dg.FakeDiscogs,
    make_discogs: MakeDiscogs,
) -> None:
    env = {**_env(app_env, musicbrainz_server, discogs), "DISCOGS_TOKEN": ""}
    client = await make_discogs(load_settings(env))

    assert not client.enabled
    with pytest.raises(DiscogsNotConfigured, match="DISCOGS_TOKEN is not set"):
        await client.search("Burial", "Archangel")
    assert discogs.requests == []


async def test_the_token_never_leaves_for_another_origin(
    discogs: dg.FakeDiscogs, elsewhere: dg.FakeDiscogs, make_discogs: MakeDiscogs
) -> None:
    client = await make_discogs()
    for status in (301, 302, 307):
        discogs.faults([Reply(status, b"", {"Location": f"{elsewhere.url}/releases/1"})])
        with pytest.raises(LookupFailed, match="not followed"):
            await client.release(status)

    assert len(discogs.requests) == 3
    assert elsewhere.requests == []


async def test_the_token_is_never_logged(
    caplog: pytest.LogCaptureFixture,
    library_settings: Settings,
    discogs: dg.FakeDiscogs,
    make_discogs: MakeDiscogs,
) -> None:
    caplog.set_level(logging.DEBUG)
    client = await make_discogs(**QUICK)
    failures: list[str] = []
    for fault in ([storm()] * 3, [invalid_json()], [unauthorized()]):
        discogs.faults(fault)
        with pytest.raises(LookupFailed) as failed:
            await client.search("Burial", f"Track {len(failures)}")
        failures.append(str(failed.value))
        await client.breaker.succeeded()
        _clear_breaker(library_settings)

    assert len(discogs.requests) == 5
    assert caplog.records, "the run logged something to look in"
    assert TOKEN not in caplog.text
    assert not any(TOKEN in failure for failure in failures)
    assert TOKEN not in repr(library_settings)
    assert TOKEN not in repr(client.policy.__dict__)


def _clear_breaker(settings: Settings) -> None:
    client = redis.Redis.from_url(settings.redis_url)
    client.delete(channels.discogs(settings, "breaker"))
    client.close()


async def test_each_process_has_one_client_of_each_kind(library_settings: Settings) -> None:
    async with opened(library_settings) as resources:
        musicbrainz = resources.client(MusicBrainzClient)
        discogs = resources.client(DiscogsClient)
        assert resources.client(MusicBrainzClient) is musicbrainz
        assert resources.client(DiscogsClient) is discogs
        assert discogs.enabled


# --- settings ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "contact", "tracklists_contact"),
    [
        ({"CONTACT": "a@example.org"}, "a@example.org", "a@example.org"),
        ({"TRACKLISTS_CONTACT": "t@example.org"}, "t@example.org", "t@example.org"),
        (
            {"CONTACT": "a@example.org", "TRACKLISTS_CONTACT": "t@example.org"},
            "a@example.org",
            "t@example.org",
        ),
        ({}, "", ""),
    ],
)
def test_one_contact_for_every_service_with_tracklists_contact_as_fallback(
    app_env: dict[str, str], given: dict[str, str], contact: str, tracklists_contact: str
) -> None:
    env = {k: v for k, v in app_env.items() if k not in ("CONTACT", "TRACKLISTS_CONTACT")}
    settings = load_settings({**env, **given})

    assert settings.contact == contact
    assert settings.tracklists.contact == tracklists_contact


def test_music_database_urls_are_checked(app_env: dict[str, str]) -> None:
    defaults = {k: v for k, v in app_env.items() if not k.endswith("_BASE_URL") or "TRACK" in k}
    settings = load_settings(defaults)
    assert settings.music_databases.musicbrainz_url == "https://musicbrainz.org"
    assert settings.music_databases.discogs_url == "https://api.discogs.com"
    assert settings.music_databases.discogs_token == ""
    with pytest.raises(ConfigError, match="DISCOGS_BASE_URL must be an http"):
        load_settings({**app_env, "DISCOGS_BASE_URL": "ftp://api.discogs.com"})
