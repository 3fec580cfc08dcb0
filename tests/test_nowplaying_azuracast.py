"""AzuraCast now playing: tolerant parsing, REST with static fallback, and the SSE push feed."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from domain.config import Settings
from domain.loops.keys import OFFLINE_SONG_ID, song_id_from_text
from domain.nowplaying import AzuraCastSource, NowPlaying, SourceError, parse_azuracast
from domain.nowplaying.azuracast import feed_messages
from domain.outbound.guard import station_http_client
from tests.fakes.azuracast import (
    FakeAzuraCast,
    missing_fields,
    now_playing_object,
    null_fields,
)

# -- parsing ---------------------------------------------------------------------------------


def test_full_object() -> None:
    data = now_playing_object(
        "Daft Punk", "Aerodynamic", sh_id=42, played_at=1_700_000_000, duration=212, next=("A", "B")
    )
    np = parse_azuracast(data, "radio", received_at=5.0)
    assert np.online and not np.is_live and np.streamer is None
    assert np.track is not None
    assert (np.track.artist, np.track.title, np.track.text) == (
        "Daft Punk",
        "Aerodynamic",
        "Daft Punk - Aerodynamic",
    )
    assert np.track.song_id == song_id_from_text("Daft Punk - Aerodynamic")
    assert np.track.art and np.track.art.endswith(".jpg")
    assert (np.sh_id, np.played_at, np.duration, np.listeners) == (42, 1_700_000_000, 212, 3)
    assert np.next_track is not None and np.next_track.text == "A - B"
    assert np.received_at == 5.0
    assert np.play_id == "sh:42"


def test_song_id_from_the_source_wins() -> None:
    data = now_playing_object("A", "B", song_id="feedfacefeedfacefeedfacefeedface")
    np = parse_azuracast(data)
    assert np.track is not None and np.track.song_id == "feedfacefeedfacefeedfacefeedface"


def test_numbers_as_strings_and_custom_fields_either_way() -> None:
    data = now_playing_object("A", "B")
    now = data["now_playing"]
    now["sh_id"], now["played_at"], now["duration"] = "77", "1700000000", "180.5"
    data["listeners"] = {"total": "9", "unique": "8", "current": "7"}
    now["song"]["custom_fields"] = {"bpm": "124"}
    np = parse_azuracast(data)
    assert (np.sh_id, np.played_at, np.duration, np.listeners) == (77, 1_700_000_000, 180.5, 7)
    now["song"]["custom_fields"] = []
    assert parse_azuracast(data).sh_id == 77


def test_offline_station() -> None:
    np = parse_azuracast(now_playing_object("", "", online=False))
    assert not np.online and np.track is None and np.sh_id is None and np.next_track is None
    assert np.play_id == "offline"


def test_offline_song_id_means_offline_even_without_is_online() -> None:
    data = {"now_playing": {"sh_id": 0, "song": {"id": OFFLINE_SONG_ID, "text": "Station Offline"}}}
    np = parse_azuracast(data)
    assert not np.online and np.track is None and np.play_id == "offline"


def test_live_dj() -> None:
    np = parse_azuracast(now_playing_object("DJ Set", "Live", live="DJ Kim"))
    assert np.is_live and np.streamer == "DJ Kim"
    # Some versions only name the streamer in now_playing.streamer.
    data = now_playing_object("DJ Set", "Live", live="DJ Kim")
    data["live"] = {"is_live": "1", "streamer_name": None}
    assert parse_azuracast(data).streamer == "DJ Kim"


def test_missing_fields_split_the_text_and_compute_the_song_id() -> None:
    np = parse_azuracast(missing_fields(now_playing_object("Moderat", "Bad Kingdom")))
    assert np.online and np.sh_id is None and np.played_at is None and np.duration is None
    assert np.track is not None
    assert (np.track.artist, np.track.title) == ("Moderat", "Bad Kingdom")
    assert np.track.song_id == song_id_from_text("Moderat - Bad Kingdom")
    assert np.listeners == 3
    assert np.play_id == f"song:{np.track.song_id}"


def test_null_fields() -> None:
    np = parse_azuracast(null_fields(now_playing_object("Moderat", "Bad Kingdom", sh_id=9)))
    assert np.online and np.sh_id == 9 and np.listeners is None and not np.is_live
    assert np.track is not None and np.track.artist == "Moderat" and np.track.album is None
    assert np.track.song_id == song_id_from_text("Moderat - Bad Kingdom")
    assert np.next_track is None and np.played_at is None


def test_text_built_from_artist_and_title() -> None:
    data = now_playing_object("A", "B")
    data["now_playing"]["song"]["text"] = ""
    np = parse_azuracast(data)
    assert np.track is not None and np.track.text == "A - B"


def test_text_without_separator_is_the_title() -> None:
    np = parse_azuracast({"is_online": True, "now_playing": {"song": {"text": "Station ID"}}})
    assert np.track is not None and (np.track.artist, np.track.title) == ("", "Station ID")


def test_song_missing_or_odd_shapes_do_not_crash() -> None:
    assert parse_azuracast({"is_online": True, "now_playing": {"sh_id": 3}}).track is None
    odd = {
        "is_online": True,
        "station": [],
        "listeners": "lots",
        "live": [],
        "now_playing": {"sh_id": 4, "song": [], "duration": "?"},
        "playing_next": "soon",
        "song_history": {},
        "surprise": {"new": "field"},
    }
    np = parse_azuracast(odd)
    assert np.online and np.sh_id == 4 and np.track is None and np.listeners is None
    assert parse_azuracast({"is_online": True, "listeners": 12}).listeners == 12


def test_array_picks_the_station() -> None:
    ours = now_playing_object("A", "B", shortcode="radio")
    other = now_playing_object("C", "D", shortcode="other")
    np = parse_azuracast([other, "junk", ours], "radio")
    assert np.track is not None and np.track.text == "A - B"
    with pytest.raises(SourceError, match="without station 'gone'"):
        parse_azuracast([other, ours], "gone")
    assert parse_azuracast([ours]).track is not None
    with pytest.raises(SourceError, match="list of 2 stations"):
        parse_azuracast([other, ours])


@pytest.mark.parametrize(
    "data",
    [
        "text",
        None,
        3,
        {},
        {"unrelated": 1},
        [],
        {"station": {"shortcode": "radio"}},
        {"now_playing": "x"},
    ],
)
def test_nothing_usable(data: object) -> None:
    with pytest.raises(SourceError):
        parse_azuracast(data, "radio")


def test_feed_messages() -> None:
    msg = {"np": {"is_online": True}}
    connect = {"connect": {"subs": {"station:radio": {"publications": [{"data": msg}]}}}}
    assert list(feed_messages(connect, "station:radio")) == [msg]
    assert list(feed_messages({"connect": {"client": "x"}}, "station:radio")) == []
    pub = {"channel": "station:radio", "pub": {"data": msg}}
    assert list(feed_messages(pub, "station:radio")) == [msg]
    assert list(feed_messages({"push": pub}, "station:radio")) == [msg]
    assert list(feed_messages({**pub, "channel": "station:other"}, "station:radio")) == []
    assert list(feed_messages({}, "station:radio")) == []
    assert list(feed_messages([], "station:radio")) == []
    with pytest.raises(SourceError, match="shutdown \\(code 3001\\)"):
        list(feed_messages({"disconnect": {"code": 3001, "reason": "shutdown"}}, "x"))


# -- REST ------------------------------------------------------------------------------------


@pytest.fixture
def fake() -> Iterator[FakeAzuraCast]:
    with FakeAzuraCast("radio", ping_interval=0.2) as server:
        yield server


@pytest.fixture
async def http(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with station_http_client(
        settings.station_allowed_hosts
    ) as client:  # the daemon's client, guarded
        yield client


def source(fake: FakeAzuraCast, http: httpx.AsyncClient, **kwargs: float) -> AzuraCastSource:
    return AzuraCastSource(fake.url, "radio", "secret-key", http, **kwargs)


async def test_poll(fake: FakeAzuraCast, http: httpx.AsyncClient) -> None:
    fake.set_track("Bonobo", "Kerala", sh_id=100, duration=240, next=("Tycho", "Awake"))
    np = await source(fake, http).poll()
    assert np.track is not None and np.track.text == "Bonobo - Kerala"
    assert np.sh_id == 100 and np.duration == 240 and np.next_track is not None
    assert fake.requests["nowplaying"] == 1 and fake.requests["static"] == 0
    assert fake.last_headers["nowplaying"]["X-API-Key"] == "secret-key"


async def test_poll_falls_back_to_static_json(fake: FakeAzuraCast, http: httpx.AsyncClient) -> None:
    fake.set_track("Bonobo", "Kerala")
    fake.fail("500", endpoints={"nowplaying"})
    np = await source(fake, http).poll()
    assert np.track is not None and np.track.title == "Kerala"
    assert fake.requests["static"] == 1


async def test_poll_timeout_does_not_fall_back(
    fake: FakeAzuraCast, http: httpx.AsyncClient
) -> None:
    # A server too slow to answer gets no second request for the static file.
    fake.fail("stall", endpoints={"nowplaying"})
    with pytest.raises(SourceError, match=r"^timed out after 0\.5 s$"):
        await source(fake, http, timeout=0.5).poll()
    assert fake.requests["static"] == 0


async def test_poll_404_falls_back_and_reports_both(http: httpx.AsyncClient) -> None:
    with FakeAzuraCast("radio") as fake:
        wrong = AzuraCastSource(fake.url, "nosuch", None, http)
        with pytest.raises(SourceError, match=r"^HTTP 404; static JSON: HTTP 404$"):
            await wrong.poll()
        assert "X-API-Key" not in fake.last_headers.get("nowplaying", {})


@pytest.mark.parametrize(
    ("mode", "message"),
    [
        ("500", r"^HTTP 500; static JSON: HTTP 500$"),
        ("invalid_json", r"^invalid JSON at line 1 column \d+"),
        ("html", r"^an HTML page, not JSON \('Site under maintenance'\)$"),
        ("huge", r"^body larger than 1 MB$"),
    ],
)
async def test_poll_failures(
    fake: FakeAzuraCast, http: httpx.AsyncClient, mode: str, message: str
) -> None:
    fake.fail(mode)
    with pytest.raises(SourceError, match=message):
        await source(fake, http).poll()
    fake.recover()
    assert (await source(fake, http).poll()).track is not None


@pytest.mark.parametrize("mode", ["array", "missing_fields", "null_fields"])
async def test_poll_odd_shapes(fake: FakeAzuraCast, http: httpx.AsyncClient, mode: str) -> None:
    fake.set_track("Four Tet", "Baby")
    fake.fail(mode)
    np = await source(fake, http).poll()
    assert np.online and np.track is not None
    assert (np.track.artist, np.track.title) == ("Four Tet", "Baby")
    assert np.track.song_id == song_id_from_text("Four Tet - Baby")


async def test_poll_offline(fake: FakeAzuraCast, http: httpx.AsyncClient) -> None:
    fake.set_offline()
    np = await source(fake, http).poll()
    assert not np.online and np.play_id == "offline"


async def test_poll_unreachable(http: httpx.AsyncClient) -> None:
    fake = FakeAzuraCast()
    url = fake.url
    fake.close()
    with pytest.raises(
        SourceError, match=r"^connection refused by 127\.0\.0\.1:\d+: nothing listens there"
    ):
        await AzuraCastSource(url, "radio", None, http).poll()


# -- push feed -------------------------------------------------------------------------------


async def next_np(feed: AsyncIterator[NowPlaying], within: float = 3.0) -> NowPlaying:
    return await asyncio.wait_for(anext(feed), within)


async def test_feed_connect_message_then_pubs(fake: FakeAzuraCast, http: httpx.AsyncClient) -> None:
    fake.set_track("First", "Song", sh_id=1)
    feed = source(fake, http, dead_after=1.0).feed()
    try:
        first = await next_np(feed)
        assert first.sh_id == 1 and first.track is not None and first.track.text == "First - Song"
        assert fake.cf_connects == [{"subs": {"station:radio": {"recover": True}}}]
        assert fake.last_headers["sse"]["X-API-Key"] == "secret-key"
        fake.set_track("Second", "Song", sh_id=2, live="DJ Kim")
        second = await next_np(feed)
        assert second.sh_id == 2 and second.is_live and second.streamer == "DJ Kim"
        fake.republish()  # every cycle repeats the message: same play
        assert (await next_np(feed)).play_id == second.play_id
        fake.set_offline()
        assert (await next_np(feed)).play_id == "offline"
    finally:
        await feed.aclose()
    # The fake notices a client that hung up (even between pings).
    await asyncio.to_thread(fake.wait_for_sse_disconnect, 0, 1.0)


async def test_feed_without_a_recent_message_starts_with_the_first_pub(
    http: httpx.AsyncClient,
) -> None:
    with FakeAzuraCast("radio", ping_interval=0.2, recover_window=0) as fake:
        feed = source(fake, http, dead_after=1.0).feed()
        try:
            waiting = asyncio.ensure_future(next_np(feed))
            await fake.wait_for_sse_client_async()
            await asyncio.sleep(0.1)  # nothing may arrive: no event to wait on, so give it time
            assert not waiting.done()
            fake.set_track("Fresh", "Track", sh_id=50)
            assert (await waiting).sh_id == 50
        finally:
            await feed.aclose()


async def test_pings_keep_the_feed_alive(fake: FakeAzuraCast, http: httpx.AsyncClient) -> None:
    feed = source(fake, http, dead_after=0.6).feed()
    try:
        await next_np(feed)
        waiting = asyncio.ensure_future(next_np(feed))
        await asyncio.sleep(1.5)  # pings every 0.2 s: well past the 0.6 s dead timeout
        assert not waiting.done()
        fake.set_track("Still", "Here", sh_id=77)
        assert (await waiting).sh_id == 77
    finally:
        await feed.aclose()


async def test_stall_is_a_dead_feed(fake: FakeAzuraCast, http: httpx.AsyncClient) -> None:
    feed = source(fake, http, dead_after=0.6).feed()
    try:
        await next_np(feed)
        fake.fail("stall")
        with pytest.raises(SourceError, match=r"^no frame for 0\.6 s$"):
            await next_np(feed)
    finally:
        await feed.aclose()
    # A feed stalled before the first byte dies the same way.
    with pytest.raises(SourceError, match=r"^no frame for 0\.6 s$"):
        await next_np(source(fake, http, dead_after=0.6).feed())


async def test_drop_ends_the_feed(fake: FakeAzuraCast, http: httpx.AsyncClient) -> None:
    feed = source(fake, http, dead_after=5).feed()
    await next_np(feed)
    fake.fail("drop")
    with pytest.raises(SourceError, match=r"^the feed ended$"):
        await next_np(feed)
    # While dropping, new feeds are closed at once; polling still works.
    with pytest.raises(SourceError, match="dropped"):
        await next_np(source(fake, http).feed())
    assert (await source(fake, http).poll()).track is not None
    fake.recover()
    feed = source(fake, http, dead_after=5).feed()
    assert (await next_np(feed)).track is not None
    await feed.aclose()


async def test_disconnect_frame(fake: FakeAzuraCast, http: httpx.AsyncClient) -> None:
    feed = source(fake, http).feed()
    await next_np(feed)
    fake.send_frame({"disconnect": {"code": 3001, "reason": "shutdown", "reconnect": True}})
    with pytest.raises(SourceError, match=r"^feed disconnected: shutdown \(code 3001\)$"):
        await next_np(feed)


async def test_sse_framing(fake: FakeAzuraCast, http: httpx.AsyncClient) -> None:
    feed = source(fake, http).feed()
    try:
        await next_np(feed)
        frame = json.dumps(
            {"channel": "station:radio", "pub": {"data": {"np": now_playing_object("M", "L")}}},
            indent=1,
        )
        # Multi-line data joined per the SSE spec, CRLF line ends, comments and other fields.
        lines = "".join(f"data: {line}\r\n" for line in frame.splitlines())
        raw = f": comment\r\nevent: message\r\nid: 7\r\n{lines}\r\n"
        split = len(raw) // 2
        fake.send_raw(raw[:split].encode())
        fake.send_raw(raw[split:].encode())
        np = await next_np(feed)
        assert np.track is not None and np.track.text == "M - L"
        # A message without a usable now-playing object is skipped, not fatal.
        fake.send_frame({"channel": "station:radio", "pub": {"data": {"np": "??"}}})
        fake.set_track("After", "Junk", sh_id=90)
        assert (await next_np(feed)).sh_id == 90
    finally:
        await feed.aclose()


@pytest.mark.parametrize("mode", ["missing_fields", "null_fields"])
async def test_feed_odd_shapes(fake: FakeAzuraCast, http: httpx.AsyncClient, mode: str) -> None:
    feed = source(fake, http).feed()
    try:
        await next_np(feed)
        fake.fail(mode)
        fake.set_track("Four Tet", "Baby")
        np = await next_np(feed)
        assert np.track is not None and np.track.song_id == song_id_from_text("Four Tet - Baby")
    finally:
        await feed.aclose()


@pytest.mark.parametrize(
    ("mode", "message"),
    [
        ("invalid_json", r"^invalid JSON in a feed frame"),
        ("huge", r"^event larger than 1 MB$"),
    ],
)
async def test_feed_bad_frames(
    fake: FakeAzuraCast, http: httpx.AsyncClient, mode: str, message: str
) -> None:
    feed = source(fake, http).feed()
    try:
        await next_np(feed)
        fake.fail(mode)
        fake.set_track("X", "Y")
        with pytest.raises(SourceError, match=message):
            await next_np(feed)
    finally:
        await feed.aclose()


@pytest.mark.parametrize(
    ("mode", "message"),
    [("500", r"^HTTP 500$"), ("html", r"^an HTML page, not JSON \('Site under maintenance'\)$")],
)
async def test_feed_refused(
    fake: FakeAzuraCast, http: httpx.AsyncClient, mode: str, message: str
) -> None:
    fake.fail(mode, endpoints={"sse"})
    with pytest.raises(SourceError, match=message):
        await next_np(source(fake, http).feed())


async def test_feed_unreachable(http: httpx.AsyncClient) -> None:
    fake = FakeAzuraCast()
    url = fake.url
    fake.close()
    with pytest.raises(SourceError, match=r"^connection refused by 127\.0\.0\.1:\d+"):
        await next_np(AzuraCastSource(url, "radio", None, http).feed())
