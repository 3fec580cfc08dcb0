"""Where station requests may go: no redirect to another origin carries the API key, and no
station URL reaches link-local, cloud metadata or unspecified addresses, at save or at connect."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.config import ConfigError, Settings, load_settings
from domain.db import create_engine, create_sessionmaker
from domain.models import Station
from domain.nowplaying.azuracast import AzuraCastSource
from domain.nowplaying.http import fetch_json
from domain.nowplaying.model import SourceError
from domain.outbound.addresses import literal_address, refusal
from domain.outbound.guard import station_http_client, system_resolver
from domain.stations import store as stations
from domain.stations.station_input import StationInput
from domain.stations.validation import StationError
from tests.fakes import LocalServer, QuietHandler
from tests.fakes.azuracast import now_playing_object

Sessions = async_sessionmaker[AsyncSession]


class Recorder:
    """A station-like server that logs every request's path and headers; some paths redirect."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, dict[str, str]]] = []
        self.redirects: dict[str, str] = {}
        self.server = LocalServer(_RecordingHandler, self)
        self.url = self.server.url

    def keys_seen(self) -> list[str]:
        return [headers["x-api-key"] for _, headers in self.seen if "x-api-key" in headers]

    def close(self) -> None:
        self.server.close()


class _RecordingHandler(QuietHandler):
    def do_GET(self) -> None:
        owner: Recorder = self.server.owner  # type: ignore[attr-defined]
        path = self.path.split("?", 1)[0]
        owner.seen.append((path, {k.lower(): v for k, v in self.headers.items()}))
        if path in owner.redirects:
            self.send_response(302)
            self.send_header("Location", owner.redirects[path])
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = json.dumps(now_playing_object("Bonobo", "Kerala")).encode()
        self.send_body(200, body)


@pytest.fixture
def first() -> Iterator[Recorder]:
    server = Recorder()
    yield server
    server.close()


@pytest.fixture
def second() -> Iterator[Recorder]:
    server = Recorder()
    yield server
    server.close()


@pytest.fixture
async def http(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with station_http_client(settings.station_allowed_hosts) as client:
        yield client


# Redirects --------------------------------------------------------------------------------------


async def test_a_poll_redirected_to_another_origin_is_not_followed(
    first: Recorder, second: Recorder, http: httpx.AsyncClient
) -> None:
    first.redirects["/api/nowplaying/radio"] = f"{second.url}/api/nowplaying/radio"
    source = AzuraCastSource(first.url, "radio", "secret-key", http)
    with pytest.raises(SourceError, match=r"redirected to http://127\.0\.0\.1:\d+, another origin"):
        await source.poll()
    assert first.keys_seen() == ["secret-key"]
    assert second.keys_seen() == []  # the key never left the station's origin
    assert second.seen == []


async def test_the_push_feed_redirected_to_another_origin_is_not_followed(
    first: Recorder, second: Recorder, http: httpx.AsyncClient
) -> None:
    first.redirects["/api/live/nowplaying/sse"] = f"{second.url}/api/live/nowplaying/sse"
    source = AzuraCastSource(first.url, "radio", "secret-key", http, timeout=2)
    with pytest.raises(SourceError, match="another origin: not followed"):
        async for _ in source.feed():
            pass
    assert [path for path, _ in first.seen] == ["/api/live/nowplaying/sse"]
    assert second.keys_seen() == [] and second.seen == []


async def test_a_redirect_within_the_origin_is_followed_with_the_key(
    first: Recorder, http: httpx.AsyncClient
) -> None:
    first.redirects["/api/nowplaying/radio"] = "/moved/api/nowplaying/radio"
    playing = await AzuraCastSource(first.url, "radio", "secret-key", http).poll()
    assert playing.track is not None and playing.track.text == "Bonobo - Kerala"
    assert [path for path, _ in first.seen] == [
        "/api/nowplaying/radio",
        "/moved/api/nowplaying/radio",
    ]
    assert first.keys_seen() == ["secret-key", "secret-key"]


async def test_a_redirect_loop_ends(first: Recorder, http: httpx.AsyncClient) -> None:
    first.redirects["/loop"] = "/loop"
    with pytest.raises(SourceError, match="more than 5 redirects"):
        await fetch_json(http, f"{first.url}/loop")
    assert len(first.seen) == 6


# Connect-time address checks --------------------------------------------------------------------


async def test_the_unspecified_address_is_refused_at_connect(
    first: Recorder, http: httpx.AsyncClient
) -> None:
    # Linux connects 0.0.0.0 to the local host: without the guard this reaches `first`.
    port = first.url.rsplit(":", 1)[1]
    with pytest.raises(SourceError, match=r"0\.0\.0\.0 is the unspecified address"):
        await fetch_json(http, f"http://0.0.0.0:{port}/api/nowplaying/radio")
    assert first.seen == []


@pytest.mark.parametrize("host", ["0x0", "0", "[::]"])
async def test_other_spellings_of_the_unspecified_address_are_refused_at_connect(
    first: Recorder, http: httpx.AsyncClient, host: str
) -> None:
    # Only local spellings here: a broken guard must not send a request off this machine.
    port = first.url.rsplit(":", 1)[1]
    with pytest.raises(SourceError, match="is the unspecified address"):
        await fetch_json(http, f"http://{host}:{port}/api/nowplaying/radio")
    assert first.seen == []


async def test_the_system_resolver_reads_integer_hosts_as_the_guard_checks_them() -> None:
    # 0xa9fea9fe reaches the resolver as a name, and comes back as the metadata address, which
    # the guard refuses before connecting (nothing here connects anywhere).
    found = await system_resolver("0xa9fea9fe", 80)
    assert found == ["169.254.169.254"]
    address = literal_address(found[0])
    assert address is not None and refusal(address) is not None


async def test_a_name_resolving_to_a_refused_address_is_refused_at_connect(
    settings: Settings, first: Recorder
) -> None:
    answers = {"radio.test": ["169.254.169.254"], "lan-radio.test": ["127.0.0.1"]}

    async def resolve(host: str, port: int) -> list[str]:  # plays the DNS server's part
        return answers[host]

    port = first.url.rsplit(":", 1)[1]
    async with station_http_client(settings.station_allowed_hosts, resolve=resolve) as http:
        with pytest.raises(SourceError, match=r"refused to connect to radio\.test: 169\.254"):
            await fetch_json(http, f"http://radio.test:{port}/api/nowplaying/radio")
        assert first.seen == []
        # The same client reaches an allowed answer, at the address it checked.
        await fetch_json(http, f"http://lan-radio.test:{port}/api/nowplaying/radio")
    assert len(first.seen) == 1
    assert first.seen[0][1]["host"] == f"lan-radio.test:{port}"


async def test_station_allowed_hosts_restricts_connections(
    settings: Settings, first: Recorder
) -> None:
    only_localhost = dataclasses.replace(settings, station_allowed_hosts=("localhost",))
    port = first.url.rsplit(":", 1)[1]
    async with station_http_client(only_localhost.station_allowed_hosts) as http:
        with pytest.raises(SourceError, match="not in STATION_ALLOWED_HOSTS"):
            await fetch_json(http, f"{first.url}/api/nowplaying/radio")
        assert first.seen == []
        await fetch_json(http, f"http://localhost:{port}/api/nowplaying/radio")
    assert len(first.seen) == 1


# Save-time checks -------------------------------------------------------------------------------


@pytest.fixture
def cfg(settings: Settings, handoff_root: Path) -> Settings:
    return dataclasses.replace(settings, handoff_path=handoff_root)


@pytest.fixture
async def sessions(settings: Settings, clean_db: None) -> AsyncIterator[Sessions]:
    engine = create_engine(settings, pool_size=2)
    yield create_sessionmaker(engine)
    await engine.dispose()


def azuracast(**changes: str) -> StationInput:
    return dataclasses.replace(
        StationInput(name="Radio One", base_url="http://192.168.1.20", shortcode="radio_one"),
        **changes,
    )


async def count(sessions: Sessions) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(Station)) or 0)


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("http://169.254.169.254/", "169.254.169.254 is link-local"),
        ("http://0xa9fea9fe/", "169.254.169.254 is link-local"),
        ("http://2852039166/", "169.254.169.254 is link-local"),
        ("http://[fe80::1]/", "fe80::1 is link-local"),
        ("http://[::ffff:169.254.169.254]/", "169.254.169.254 is link-local"),
        ("http://0.0.0.0/", "0.0.0.0 is the unspecified address"),
        ("http://0/", "0.0.0.0 is the unspecified address"),
        ("http://[::]:8000/", ":: is the unspecified address"),
        ("http://[fd00:ec2::254]/", "cloud metadata service"),
    ],
)
async def test_a_base_url_at_a_refused_address_is_not_saved(
    sessions: Sessions, cfg: Settings, url: str, words: str
) -> None:
    with pytest.raises(StationError) as caught:
        await stations.create_station(sessions, cfg, azuracast(base_url=url))
    assert caught.value.field == "base_url"
    assert words in str(caught.value)
    assert "must not point at" in str(caught.value)
    assert await count(sessions) == 0


async def test_loopback_lan_and_names_stay_allowed(sessions: Sessions, cfg: Settings) -> None:
    for number, url in enumerate(
        ["http://0x7f000001:8000", "http://127.0.0.1", "http://192.168.1.20", "http://localhost"]
    ):
        await stations.create_station(sessions, cfg, azuracast(name=f"R{number}", base_url=url))
    assert await count(sessions) == 4


async def test_a_refused_url_on_update_changes_nothing(sessions: Sessions, cfg: Settings) -> None:
    station = await stations.create_station(sessions, cfg, azuracast(api_key="the-key"))
    with pytest.raises(StationError, match="link-local"):
        await stations.update_station(
            sessions, cfg, station.id, azuracast(base_url="http://169.254.169.254")
        )
    stored = await stations.get_station_by_id(sessions, station.id)
    assert (stored.base_url, stored.api_key) == ("http://192.168.1.20", "the-key")


@pytest.mark.parametrize(
    "url",
    ["telnet://169.254.169.254:1234", "telnet://0.0.0.0:1234", "http://[fe80::2]/api/telnet"],
)
async def test_a_liquidsoap_url_at_a_refused_address_is_not_saved(
    sessions: Sessions, cfg: Settings, url: str
) -> None:
    with pytest.raises(StationError) as caught:
        await stations.create_station(
            sessions, cfg, azuracast(liquidsoap_url=url, liquidsoap_target="loop")
        )
    assert caught.value.field == "liquidsoap_url"
    assert "Liquidsoap URL must not point at" in str(caught.value)
    assert await count(sessions) == 0


async def test_station_allowed_hosts_is_checked_at_save(sessions: Sessions, cfg: Settings) -> None:
    narrow = dataclasses.replace(cfg, station_allowed_hosts=("radio.lan", "192.168.1.20"))
    with pytest.raises(StationError) as caught:
        await stations.create_station(
            sessions, narrow, azuracast(base_url="https://radio.example.com")
        )
    assert caught.value.field == "base_url"
    assert "radio.example.com is not in STATION_ALLOWED_HOSTS (radio.lan, 192.168.1.20)" in str(
        caught.value
    )
    assert await count(sessions) == 0
    await stations.create_station(sessions, narrow, azuracast(base_url="http://RADIO.lan:8000"))
    await stations.create_station(sessions, narrow, azuracast(name="Two"))
    assert await count(sessions) == 2


def test_the_two_settings_are_read_from_the_environment(app_env: dict[str, str]) -> None:
    default = load_settings(app_env)
    assert (default.allow_command_hooks, default.station_allowed_hosts) == (False, ())
    chosen = load_settings(
        {
            **app_env,
            "ALLOW_COMMAND_HOOKS": "1",
            "STATION_ALLOWED_HOSTS": " Radio.LAN , [::1],0x7f000001,",
        }
    )
    assert chosen.allow_command_hooks is True
    assert chosen.station_allowed_hosts == ("radio.lan", "::1", "127.0.0.1")
    with pytest.raises(ConfigError, match=r"ALLOW_COMMAND_HOOKS must be 1 .*\(got 'maybe'\)"):
        load_settings({**app_env, "ALLOW_COMMAND_HOOKS": "maybe"})
