"""Icecast and SHOUTcast now playing, and picking the reader for a station."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from types import SimpleNamespace

import httpx
import pytest

from domain.loops.keys import song_id_from_text
from domain.nowplaying import (
    AzuraCastSource,
    IcecastSource,
    ShoutcastSource,
    SourceError,
    parse_icecast,
    parse_shoutcast,
    source_for,
)
from tests.fakes.icecast import (
    FakeIcecast,
    FakeShoutcast,
    icecast_source,
    icecast_status,
    shoutcast_stats,
)


@pytest.fixture
def icecast() -> Iterator[FakeIcecast]:
    server = FakeIcecast()
    yield server
    server.close()


@pytest.fixture
def shoutcast() -> Iterator[FakeShoutcast]:
    server = FakeShoutcast()
    yield server
    server.close()


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


# -- Icecast ---------------------------------------------------------------------------------


def test_icecast_no_source_is_offline() -> None:
    np = parse_icecast(icecast_status(), "/radio.mp3")
    assert not np.online and np.track is None and np.play_id == "offline"


def test_icecast_one_source_title_only() -> None:
    np = parse_icecast(icecast_status(icecast_source("/radio.mp3", "Burial - Archangel")), None)
    assert np.online and np.sh_id is None and np.listeners == 2 and np.track is not None
    assert (np.track.artist, np.track.title) == ("Burial", "Archangel")
    assert np.track.song_id == song_id_from_text("Burial - Archangel")
    assert np.play_id == f"song:{np.track.song_id}"


def test_icecast_separate_artist_field() -> None:
    source = icecast_source("/radio.ogg", "Archangel", artist="Burial")
    np = parse_icecast(icecast_status(source), "radio.ogg")
    assert np.track is not None and np.track.text == "Burial - Archangel"


def test_icecast_picks_the_mount() -> None:
    status = icecast_status(
        icecast_source("/low.mp3", "A - Low"),
        icecast_source("/radio.mp3", "B - High", listeners=9),
        icecast_source("/radio.ogg", "C - Ogg"),
    )
    np = parse_icecast(status, "/radio.mp3")
    assert np.track is not None and np.track.text == "B - High" and np.listeners == 9
    np = parse_icecast(status, "radio.ogg")  # with or without the leading slash
    assert np.track is not None and np.track.artist == "C"
    with pytest.raises(SourceError, match=r"^no mount /gone\.mp3 in status \(mounts: /low\.mp3, "):
        parse_icecast(status, "/gone.mp3")
    with pytest.raises(SourceError, match=r"^3 mounts in status .*: set the mount$"):
        parse_icecast(status, None)


def test_icecast_tolerant_shapes() -> None:
    # Number as a title, a null title, odd entries in the list, a bare string as source.
    status = {"icestats": {"source": [{"listenurl": "http://h/a", "title": 2024}, "junk"]}}
    np = parse_icecast(status, "/a")
    assert np.track is not None and np.track.title == "2024"
    np = parse_icecast({"icestats": {"source": {"listenurl": "http://h/a", "title": None}}}, "/a")
    assert np.online and np.track is None
    assert not parse_icecast({"icestats": {"source": "nothing"}}, "/a").online
    with pytest.raises(SourceError, match="no icestats"):
        parse_icecast({"other": 1}, "/a")


async def test_icecast_poll(icecast: FakeIcecast, http: httpx.AsyncClient) -> None:
    reader = IcecastSource(icecast.url, "/radio.mp3", http)
    assert not (await reader.poll()).online
    icecast.set_sources(icecast_source("/radio.mp3", "Burial - Archangel"))
    np = await reader.poll()
    assert np.track is not None and np.track.title == "Archangel"
    icecast.set_sources(
        icecast_source("/low.mp3", "X - Y"), icecast_source("/radio.mp3", "Burial - Near Dark")
    )
    np = await reader.poll()
    assert np.track is not None and np.track.title == "Near Dark"
    assert icecast.requests["status"] == 3


async def test_icecast_latin1_metadata(icecast: FakeIcecast, http: httpx.AsyncClient) -> None:
    body = '{"icestats": {"source": {"listenurl": "http://h/r", "title": "Bjørk - Jóga"}}}'
    icecast.set_raw(body.encode("latin-1"))
    np = await IcecastSource(icecast.url, "/r", http).poll()
    assert np.track is not None and np.track.text == "Bjørk - Jóga"


@pytest.mark.parametrize(
    ("body", "status", "content_type", "message"),
    [
        # Old Icecast versions print an empty metadata value as nothing at all.
        (b'{"icestats": {"source": {"title": - ,"listeners":1}}}', 200, "application/json",
         r"^invalid JSON at line 1 column 35: Expecting value$"),
        (b"", 200, "application/json", r"^an empty body, not JSON$"),
        (b"<html><head><title>401 Unauthorized</title></head></html>", 200, "text/html",
         r"^an HTML page, not JSON \('401 Unauthorized'\)$"),
        (b'{"error": "boom"}', 503, "application/json", r"^HTTP 503$"),
        (b'{"icestats": ' + b" " * (1024 * 1024) + b"{}}", 200, "application/json",
         r"^body larger than 1 MB$"),
    ],
)  # fmt: skip
async def test_icecast_failures(
    icecast: FakeIcecast,
    http: httpx.AsyncClient,
    body: bytes,
    status: int,
    content_type: str,
    message: str,
) -> None:
    icecast.set_raw(body, status=status, content_type=content_type)
    with pytest.raises(SourceError, match=message):
        await IcecastSource(icecast.url, "/radio.mp3", http).poll()


# -- SHOUTcast -------------------------------------------------------------------------------


def test_shoutcast_parse() -> None:
    np = parse_shoutcast(shoutcast_stats("Burial - Archangel", listeners=12, nexttitle="A - B"))
    assert np.online and np.sh_id is None and np.listeners == 12 and np.track is not None
    assert (np.track.artist, np.track.title) == ("Burial", "Archangel")
    assert np.next_track is not None and np.next_track.text == "A - B"
    assert np.play_id == f"song:{song_id_from_text('Burial - Archangel')}"


def test_shoutcast_tolerant() -> None:
    np = parse_shoutcast(shoutcast_stats("", status=0))
    assert not np.online and np.track is None and np.play_id == "offline"
    np = parse_shoutcast({"songtitle": "Only A Title", "currentlisteners": "5"})
    assert np.track is not None and np.track.artist == "" and np.listeners == 5
    assert parse_shoutcast({"songtitle": None, "streamstatus": "1"}).track is None
    odd: list[object] = [[], "x", {"unrelated": True}]
    for data in odd:
        with pytest.raises(SourceError):
            parse_shoutcast(data)


async def test_shoutcast_poll(shoutcast: FakeShoutcast, http: httpx.AsyncClient) -> None:
    shoutcast.set_stream(2, "Burial - Archangel", listeners=7)
    np = await ShoutcastSource(shoutcast.url, 2, http).poll()
    assert np.track is not None and np.track.title == "Archangel" and np.listeners == 7
    with pytest.raises(SourceError, match="an HTML page"):
        await ShoutcastSource(shoutcast.url, 1, http).poll()  # unknown stream id
    shoutcast.set_stream(2, "", status=0)
    assert not (await ShoutcastSource(shoutcast.url, 2, http).poll()).online


# -- source_for ------------------------------------------------------------------------------


def station(**fields: object) -> SimpleNamespace:
    # The attributes of domain.stations.store.StationConfig that source_for reads.
    base = {
        "name": "Test FM",
        "kind": "azuracast",
        "base_url": "http://radio.example/",
        "shortcode": "test_fm",
        "mount": None,
        "stream_id": 1,
        "api_key": None,
    }
    return SimpleNamespace(**{**base, **fields})


async def test_source_for(http: httpx.AsyncClient) -> None:
    reader = source_for(station(api_key="k"), http)  # type: ignore[arg-type]
    assert isinstance(reader, AzuraCastSource) and reader.base_url == "http://radio.example"
    assert reader.shortcode == "test_fm"
    reader = source_for(station(kind="icecast", mount="/live"), http)  # type: ignore[arg-type]
    assert isinstance(reader, IcecastSource) and reader.mount == "/live"
    reader = source_for(station(kind="shoutcast", stream_id=3), http)  # type: ignore[arg-type]
    assert isinstance(reader, ShoutcastSource) and reader.stream_id == 3
    with pytest.raises(ValueError, match="unknown kind 'rtmp'"):
        source_for(station(kind="rtmp"), http)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="needs a shortcode"):
        source_for(station(shortcode=None), http)  # type: ignore[arg-type]
