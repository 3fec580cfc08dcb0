"""Stations in the domain: validation naming the field, writes that bump updated_at and tell the
daemon, snapshots, and the station described by environment variables."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import redis.asyncio as aioredis
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.config import ConfigError, Settings
from domain.db import create_engine, create_sessionmaker
from domain.models import Station, StationHealth
from domain.stations import store as stations
from domain.stations.environment import ensure_env_station
from domain.stations.station_input import StationInput
from domain.stations.validation import StationError, validate
from domain.validation import InputErrors

Sessions = async_sessionmaker[AsyncSession]


@pytest.fixture
def cfg(settings: Settings, handoff_root: Path) -> Settings:
    """The suite's settings with a hand-off folder of this test's own, command hooks allowed."""
    return dataclasses.replace(settings, handoff_path=handoff_root, allow_command_hooks=True)


@pytest.fixture
async def sessions(settings: Settings, clean_db: None) -> AsyncIterator[Sessions]:
    engine = create_engine(settings, pool_size=2)
    yield create_sessionmaker(engine)
    await engine.dispose()


@pytest.fixture
async def redis_client(settings: Settings) -> AsyncIterator[aioredis.Redis]:
    client = aioredis.Redis.from_url(settings.redis_url)
    yield client
    await client.aclose()


def azuracast(**changes: str) -> StationInput:
    return dataclasses.replace(
        StationInput(
            name="Radio One", base_url="https://radio.example.com/", shortcode="radio_one"
        ),
        **changes,
    )


async def count(sessions: Sessions) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(Station)) or 0)


# Validation -------------------------------------------------------------------------------------

BAD_INPUTS: list[tuple[dict[str, str], str, str]] = [
    ({"name": "  "}, "name", "required"),
    ({"kind": "winamp"}, "kind", "azuracast, icecast, shoutcast"),
    ({"base_url": ""}, "base_url", "required"),
    ({"base_url": "ftp://radio.example.com"}, "base_url", "http"),
    ({"base_url": "radio.example.com"}, "base_url", "http"),
    ({"base_url": "https://admin:pw@radio.example.com"}, "base_url", "password"),
    ({"base_url": "https://radio.example.com:99999"}, "base_url", "not a valid URL"),
    ({"shortcode": ""}, "shortcode", "shortcode"),
    ({"shortcode": "a b"}, "shortcode", "shortcode"),
    ({"kind": "icecast", "transport": "poll"}, "mount", "mount"),
    ({"kind": "icecast", "mount": "radio.mp3", "transport": "poll"}, "mount", "/radio.mp3"),
    ({"kind": "icecast", "mount": "/radio.mp3", "transport": "push"}, "transport", "polled"),
    ({"kind": "shoutcast", "transport": "webhook"}, "transport", "polled"),
    ({"kind": "shoutcast", "stream_id": "zero"}, "stream_id", "whole number"),
    ({"transport": "carrier-pigeon"}, "transport", "push, poll, webhook"),
    ({"poll_interval": "0.5"}, "poll_interval", "1 to 3600"),
    ({"poll_interval": "3601"}, "poll_interval", "1 to 3600"),
    ({"poll_interval": "soon"}, "poll_interval", "1 to 3600"),
    ({"poll_interval": "nan"}, "poll_interval", "1 to 3600"),
    ({"live_loop": "missing.mp4"}, "live_loop", "does not exist"),
    ({"live_loop": "../../etc/passwd"}, "live_loop", "outside"),
    ({"offline_loop": "notes.txt"}, "offline_loop", ".mp4"),
    ({"streamer_loops": "DJ Kat"}, "streamer_loops", "Streamer name = loop.mp4"),
    ({"streamer_loops": "DJ Kat = nope.mp4"}, "streamer_loops", "DJ Kat"),
    (
        {"state_dir": "../elsewhere"},
        "state_dir",
        "State folder '../elsewhere' is outside HANDOFF_PATH:",
    ),
    (
        {"symlink_path": "/tmp/current.mp4"},
        "symlink_path",
        "Symlink '/tmp/current.mp4' is outside HANDOFF_PATH:",
    ),
    ({"symlink_path": "links/"}, "symlink_path", "Symlink 'links/' must name a file"),
    # PostgreSQL's text holds no NUL: each one was a 500 on the insert.
    ({"name": "Radio\x00One"}, "name", "name must not contain a NUL character"),
    ({"symlink_path": "a\x00.mp4"}, "symlink_path", "symlink_path must not contain a NUL"),
    ({"hook_command": "true\x00"}, "hook_command", "hook_command must not contain a NUL"),
    ({"symlink_path": "current.mkv"}, "symlink_path", ".mp4"),
    ({"hook_command": "notify 'unclosed"}, "hook_command", "cannot be parsed"),
    ({"hook_timeout": "0.05"}, "hook_timeout", "0.1 to 300"),
    ({"hook_timeout": "301"}, "hook_timeout", "0.1 to 300"),
    ({"write_text_file": "maybe"}, "write_text_file", "on or off"),
    ({"liquidsoap_url": "ftp://ls:1234"}, "liquidsoap_url", "telnet://host:port"),
    ({"liquidsoap_url": "telnet://ls"}, "liquidsoap_url", "telnet://host:port"),
    ({"liquidsoap_url": "telnet://ls:1234"}, "liquidsoap_target", "variable"),
    (
        {"liquidsoap_url": "telnet://ls:1234", "liquidsoap_target": "bad name"},
        "liquidsoap_target",
        "letters",
    ),
    ({"liquidsoap_mode": "shuffle"}, "liquidsoap_mode", "var or queue"),
    ({"switch_offset": "-61"}, "switch_offset", "-60 to 60"),
    ({"switch_offset": "61"}, "switch_offset", "-60 to 60"),
    ({"webhook_secret": "short"}, "webhook_secret", "16-100"),
    ({"api_key": "two\nlines"}, "api_key", "one line"),
    ({"kind": "shoutcast", "stream_id": "²"}, "stream_id", "1 to 1000"),  # isdigit() says yes
    ({"kind": "shoutcast", "stream_id": "9" * 5000}, "stream_id", "1 to 1000"),
    ({"poll_interval": "1" * 5000}, "poll_interval", "1 to 3600 (got '1111"),
]
# Each text field past its bound (the column's length, or ours for a TEXT column): refused by
# name before the database sees it, and the message is not the value echoed back.
TOO_LONG: list[tuple[dict[str, str], str, str]] = [
    ({"name": "x" * 101}, "name", "Name must be at most 100 characters"),
    ({"base_url": "https://radio.example.com/" + "a" * 2048}, "base_url", "at most 2048"),
    ({"shortcode": "s" * 101}, "shortcode", "AzuraCast shortcode must be at most 100"),
    (
        {"kind": "icecast", "mount": "/" + "m" * 200, "transport": "poll"},
        "mount",
        "Icecast mount must be at most 200",
    ),
    ({"api_key": "k" * 501}, "api_key", "API key must be at most 500"),
    ({"webhook_secret": "s" * 101}, "webhook_secret", "16-100 characters"),
    ({"live_loop": "a" * 4097}, "live_loop", "Live loop must be at most 4096"),
    ({"offline_loop": "a" * 4097}, "offline_loop", "Offline loop must be at most 4096"),
    ({"streamer_loops": "DJ = a.mp4\n" * 2000}, "streamer_loops", "at most 20000"),
    ({"streamer_loops": "D" * 101 + " = a.mp4"}, "streamer_loops", "line 1: the streamer name"),
    ({"state_dir": "d" * 4097}, "state_dir", "State folder must be at most 4096"),
    ({"symlink_path": "l" * 4097}, "symlink_path", "Symlink must be at most 4096"),
    ({"hook_command": "h" * 2001}, "hook_command", "Hook command must be at most 2000"),
    (
        {"liquidsoap_url": "telnet://ls:1234/" + "a" * 2048},
        "liquidsoap_url",
        "Liquidsoap URL must be at most 2048",
    ),
    (
        {"liquidsoap_url": "telnet://ls:1234", "liquidsoap_target": "v" * 101},
        "liquidsoap_target",
        "Liquidsoap variable or queue name must be at most 100",
    ),
]


@pytest.mark.parametrize(("changes", "field", "words"), BAD_INPUTS + TOO_LONG)
async def test_a_bad_value_names_its_field_and_writes_nothing(
    sessions: Sessions, cfg: Settings, changes: dict[str, str], field: str, words: str
) -> None:
    with pytest.raises(StationError) as caught:
        await stations.create_station(sessions, cfg, azuracast(**changes))
    assert caught.value.field == field
    assert words in str(caught.value)
    assert len(str(caught.value)) < 300  # a long value is never repeated whole
    assert await count(sessions) == 0


async def test_a_full_station_is_stored_normalised(
    sessions: Sessions, cfg: Settings, handoff_root: Path
) -> None:
    station = await stations.create_station(
        sessions,
        cfg,
        azuracast(
            name="  Radio   One ",
            api_key="key:123",
            transport="",
            poll_interval="2.5",
            live_loop="a.mp4",
            streamer_loops="DJ Kat = b.mp4\n\nDJ = Dog = sub/c.mp4",
            offline_loop=str(cfg.loops_path / "default.mp4"),
            switch_offset="-1.5",
            state_dir="radio",
            write_text_file="on",
            symlink_path=str(handoff_root / "radio" / "current.mp4"),
            hook_command="notify-send 'new loop'",
            hook_timeout="0.5",
            liquidsoap_url="telnet://127.0.0.1:1234",
            liquidsoap_mode="queue",
            liquidsoap_target="loops",
        ),
    )
    assert station.slug == "radio-one"
    config = stations.StationConfig.of(await stations.get_station_by_id(sessions, station.id))
    assert config.name == "Radio One"
    assert config.base_url == "https://radio.example.com"  # no trailing slash
    assert config.transport == "push"  # AzuraCast's default
    assert config.poll_interval == 2.5
    assert config.live_loop == "a.mp4"
    assert config.streamer_loops == {"DJ Kat": "b.mp4", "DJ = Dog": "sub/c.mp4"}
    assert config.offline_loop == "default.mp4"  # stored relative to LOOPS_PATH
    assert config.switch_offset == -1.5
    assert config.state_dir == "radio"
    assert config.symlink_path == "radio/current.mp4"  # relative to HANDOFF_PATH
    assert config.write_text_file is True
    assert config.hook_command == "notify-send 'new loop'"
    assert config.hook_timeout == 0.5
    assert (config.liquidsoap_url, config.liquidsoap_mode, config.liquidsoap_target) == (
        "telnet://127.0.0.1:1234",
        "queue",
        "loops",
    )
    assert config.api_key == "key:123"
    assert config.webhook_secret is None
    assert config.enabled is True
    assert config.updated_at is not None


async def test_icecast_and_shoutcast_default_to_polling(sessions: Sessions, cfg: Settings) -> None:
    ice = await stations.create_station(
        sessions,
        cfg,
        StationInput(name="Ice", kind="icecast", base_url="http://ice:8000", mount="/live"),
    )
    shout = await stations.create_station(
        sessions,
        cfg,
        StationInput(name="Shout", kind="shoutcast", base_url="http://sc:8000", stream_id="2"),
    )
    assert (ice.transport, ice.mount, ice.shortcode) == ("poll", "/live", None)
    assert (shout.transport, shout.stream_id) == ("poll", 2)
    assert ice.poll_interval == 10.0


async def test_names_are_unique_and_slugs_are_made_unique(
    sessions: Sessions, cfg: Settings
) -> None:
    await stations.create_station(sessions, cfg, azuracast(name="Radio One"))
    with pytest.raises(StationError) as caught:
        await stations.create_station(sessions, cfg, azuracast(name="radio one"))
    assert caught.value.field == "name"
    assert "exists already" in str(caught.value)
    second = await stations.create_station(sessions, cfg, azuracast(name="Radio-One!"))
    third = await stations.create_station(sessions, cfg, azuracast(name="Ràdio  One?"))
    odd = await stations.create_station(sessions, cfg, azuracast(name="☂☂☂"))
    assert (second.slug, third.slug, odd.slug) == ("radio-one-2", "radio-one-3", "station")
    assert await count(sessions) == 4


async def test_a_webhook_station_gets_a_secret_that_survives_edits(
    sessions: Sessions, cfg: Settings
) -> None:
    station = await stations.create_station(sessions, cfg, azuracast(transport="webhook"))
    secret = station.webhook_secret
    assert secret is not None and len(secret) >= 32
    edited = await stations.update_station(
        sessions, cfg, station.id, azuracast(transport="webhook", poll_interval="5")
    )
    assert edited.webhook_secret == secret
    given = await stations.update_station(
        sessions, cfg, station.id, azuracast(transport="webhook", webhook_secret="s" * 20)
    )
    assert given.webhook_secret == "s" * 20


async def test_an_update_keeps_the_slug_and_a_blank_api_key(
    sessions: Sessions, cfg: Settings, redis_client: aioredis.Redis
) -> None:
    station = await stations.create_station(sessions, cfg, azuracast(api_key="secret-key"))
    before = station.updated_at
    edited = await stations.update_station(
        sessions, cfg, station.id, azuracast(name="Radio Two", api_key="")
    )
    assert (edited.name, edited.slug, edited.api_key) == ("Radio Two", "radio-one", "secret-key")
    assert edited.updated_at > before
    cleared = await stations.update_station(
        sessions, cfg, station.id, azuracast(name="Radio Two", clear_api_key="on")
    )
    assert cleared.api_key is None


async def test_changing_the_base_url_drops_the_stored_api_key_unless_given_again(
    sessions: Sessions, cfg: Settings
) -> None:
    station = await stations.create_station(sessions, cfg, azuracast(api_key="old-key"))
    moved = await stations.update_station(
        sessions, cfg, station.id, azuracast(base_url="https://elsewhere.example.net")
    )
    assert moved.api_key is None  # the old key is never sent to the new host
    stored = await stations.get_station_by_id(sessions, station.id)
    assert (stored.base_url, stored.api_key) == ("https://elsewhere.example.net", None)

    await stations.update_station(sessions, cfg, station.id, azuracast(api_key="old-key"))
    again = await stations.update_station(
        sessions,
        cfg,
        station.id,
        azuracast(base_url="https://third.example.org/", api_key="new-key"),
    )
    assert (again.base_url, again.api_key) == ("https://third.example.org", "new-key")
    stored = await stations.get_station_by_id(sessions, station.id)
    assert stored.api_key == "new-key"


async def test_a_hook_command_is_refused_while_hooks_are_off(
    sessions: Sessions, cfg: Settings
) -> None:
    off = dataclasses.replace(cfg, allow_command_hooks=False)
    with pytest.raises(StationError) as caught:
        await stations.create_station(sessions, off, azuracast(hook_command="/bin/true"))
    assert caught.value.field == "hook_command"
    assert "ALLOW_COMMAND_HOOKS=1" in str(caught.value)
    assert await count(sessions) == 0

    station = await stations.create_station(sessions, off, azuracast())
    with pytest.raises(StationError, match="ALLOW_COMMAND_HOOKS"):
        await stations.update_station(
            sessions, off, station.id, azuracast(name="Changed", hook_command="/bin/true")
        )
    stored = await stations.get_station_by_id(sessions, station.id)
    assert (stored.name, stored.hook_command) == ("Radio One", None)

    with pytest.raises(ConfigError) as env_error:  # the env station follows the same rule
        await ensure_env_station(
            sessions, env(NOWPLAYING_NAME="Env", HANDOFF_COMMAND="/bin/true"), settings=off
        )
    assert str(env_error.value).startswith("HANDOFF_COMMAND: ")
    assert "ALLOW_COMMAND_HOOKS=1" in str(env_error.value)
    assert await count(sessions) == 1


async def test_an_invalid_update_changes_nothing(sessions: Sessions, cfg: Settings) -> None:
    station = await stations.create_station(sessions, cfg, azuracast())
    other = await stations.create_station(sessions, cfg, azuracast(name="Other"))
    with pytest.raises(StationError) as caught:
        await stations.update_station(sessions, cfg, station.id, azuracast(name="OTHER"))
    assert caught.value.field == "name"
    with pytest.raises(StationError):
        await stations.update_station(sessions, cfg, station.id, azuracast(poll_interval="0"))
    again = await stations.get_station_by_id(sessions, station.id)
    assert (again.name, again.poll_interval, again.updated_at) == (
        "Radio One",
        10.0,
        station.updated_at,
    )
    assert other.id != station.id
    with pytest.raises(stations.StationNotFound):
        await stations.update_station(sessions, cfg, 999, azuracast())


async def test_writes_tell_the_daemon_and_disabling_hides_the_station(
    sessions: Sessions, cfg: Settings, redis_client: aioredis.Redis
) -> None:
    async with redis_client.pubsub() as pubsub:
        await pubsub.subscribe(cfg.channel("stations"))
        await pubsub.get_message(timeout=1)  # the subscription confirmation
        station = await stations.create_station(sessions, cfg, azuracast(), redis=redis_client)
        await stations.create_station(sessions, cfg, azuracast(name="B"), redis=redis_client)
        assert [s.name for s in await stations.enabled_stations(sessions)] == ["Radio One", "B"]
        disabled = await stations.set_enabled(sessions, cfg, station.id, False, redis=redis_client)
        assert disabled.enabled is False and disabled.updated_at > station.updated_at
        assert [s.name for s in await stations.enabled_stations(sessions)] == ["B"]
        messages = []
        for _ in range(3):
            message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=2)
            assert message is not None
            messages.append(json.loads(message["data"]))
        assert messages == [{"event": "stations-changed"}] * 3


async def test_the_listing_shows_health_when_the_daemon_stored_some(
    sessions: Sessions, cfg: Settings
) -> None:
    one = await stations.create_station(sessions, cfg, azuracast(name="b station"))
    await stations.create_station(sessions, cfg, azuracast(name="A station"))
    async with sessions.begin() as session:
        session.add(StationHealth(station_id=one.id, state="polling", last_error="HTTP 500"))
    listed = await stations.list_stations(sessions)
    assert [(item.station.name, item.health_state, item.last_error) for item in listed] == [
        ("A station", None, None),
        ("b station", "polling", "HTTP 500"),
    ]
    assert (await stations.get_station(sessions, "b-station")) is not None
    assert (await stations.get_station(sessions, "nope")) is None


# The station from the environment ---------------------------------------------------------------


def env(**values: str) -> dict[str, str]:
    return {"NOWPLAYING_URL": "https://radio.example.com", "NOWPLAYING_SHORTCODE": "main", **values}


async def test_no_url_means_no_env_station(sessions: Sessions, cfg: Settings) -> None:
    assert await ensure_env_station(sessions, {}, settings=cfg) is None
    assert await ensure_env_station(sessions, {"NOWPLAYING_URL": " "}, settings=cfg) is None
    assert await count(sessions) == 0


async def test_the_env_station_is_added_then_updated_only_when_it_changes(
    sessions: Sessions, cfg: Settings
) -> None:
    first = await ensure_env_station(
        sessions,
        env(
            HANDOFF_DIR="main",
            HANDOFF_TEXT="1",
            HANDOFF_SYMLINK="main/current.mp4",
            HANDOFF_COMMAND="/usr/local/bin/switch --now",
            HANDOFF_TIMEOUT="3",
            LIQUIDSOAP_URL="http://ls.example.com/api/telnet",
            LIQUIDSOAP_MODE="var",
            LIQUIDSOAP_TARGET="video_loop",
            LIVE_LOOP="a.mp4",
            OFFLINE_LOOP="b.mp4",
            SWITCH_OFFSET="2",
            NOWPLAYING_INTERVAL="5",
        ),
        settings=cfg,
    )
    assert first is not None
    assert (first.name, first.slug, first.kind, first.transport) == (
        "radio",
        "radio",
        "azuracast",
        "push",
    )
    assert (first.state_dir, first.write_text_file, first.symlink_path) == (
        "main",
        True,
        "main/current.mp4",
    )
    assert (first.hook_command, first.hook_timeout) == ("/usr/local/bin/switch --now", 3.0)
    assert first.liquidsoap_target == "video_loop"
    assert (first.live_loop, first.offline_loop, first.switch_offset) == ("a.mp4", "b.mp4", 2.0)
    assert first.poll_interval == 5.0

    same = await ensure_env_station(
        sessions,
        env(
            HANDOFF_DIR="main",
            HANDOFF_TEXT="1",
            HANDOFF_SYMLINK="main/current.mp4",
            HANDOFF_COMMAND="/usr/local/bin/switch --now",
            HANDOFF_TIMEOUT="3",
            LIQUIDSOAP_URL="http://ls.example.com/api/telnet",
            LIQUIDSOAP_MODE="var",
            LIQUIDSOAP_TARGET="video_loop",
            LIVE_LOOP="a.mp4",
            OFFLINE_LOOP="b.mp4",
            SWITCH_OFFSET="2",
            NOWPLAYING_INTERVAL="5",
        ),
        settings=cfg,
    )
    assert same == first  # nothing written: the daemons' snapshots stay equal

    await stations.set_enabled(sessions, cfg, first.id, False)
    changed = await ensure_env_station(sessions, env(NOWPLAYING_INTERVAL="20"), settings=cfg)
    assert changed is not None
    assert changed.id == first.id and changed.poll_interval == 20.0
    assert changed.updated_at > first.updated_at
    assert changed.state_dir is None
    assert changed.enabled is False  # the Stations page decides that
    assert await count(sessions) == 1


async def test_an_icecast_env_station(sessions: Sessions, cfg: Settings) -> None:
    station = await ensure_env_station(
        sessions,
        {
            "NOWPLAYING_URL": "http://ice.example.com:8000",
            "NOWPLAYING_KIND": "icecast",
            "NOWPLAYING_MOUNT": "/stream",
            "NOWPLAYING_NAME": "Ice Radio",
        },
        settings=cfg,
    )
    assert station is not None
    assert (station.slug, station.kind, station.mount, station.transport) == (
        "ice-radio",
        "icecast",
        "/stream",
        "poll",
    )


ENV_ERRORS: list[tuple[dict[str, str], str]] = [
    ({"NOWPLAYING_URL": "radio.example.com"}, "NOWPLAYING_URL"),
    ({"NOWPLAYING_KIND": "winamp"}, "NOWPLAYING_KIND"),
    ({"NOWPLAYING_SHORTCODE": ""}, "NOWPLAYING_SHORTCODE"),
    ({"NOWPLAYING_KIND": "icecast"}, "NOWPLAYING_MOUNT"),
    ({"NOWPLAYING_NAME": "n" * 101}, "NOWPLAYING_NAME"),
    ({"NOWPLAYING_INTERVAL": "0"}, "NOWPLAYING_INTERVAL"),
    ({"NOWPLAYING_TRANSPORT": "fax"}, "NOWPLAYING_TRANSPORT"),
    ({"HANDOFF_DIR": "/etc"}, "HANDOFF_DIR"),
    ({"HANDOFF_TEXT": "maybe"}, "HANDOFF_TEXT"),
    ({"HANDOFF_SYMLINK": "current.txt"}, "HANDOFF_SYMLINK"),
    ({"HANDOFF_COMMAND": '"unclosed'}, "HANDOFF_COMMAND"),
    ({"HANDOFF_TIMEOUT": "1000"}, "HANDOFF_TIMEOUT"),
    ({"LIQUIDSOAP_URL": "ls:1234"}, "LIQUIDSOAP_URL"),
    ({"LIQUIDSOAP_URL": "telnet://ls:1234", "LIQUIDSOAP_MODE": "x"}, "LIQUIDSOAP_MODE"),
    ({"LIQUIDSOAP_URL": "telnet://ls:1234"}, "LIQUIDSOAP_TARGET"),
    ({"LIVE_LOOP": "nope.mp4"}, "LIVE_LOOP"),
    ({"OFFLINE_LOOP": "nope.mp4"}, "OFFLINE_LOOP"),
    ({"SWITCH_OFFSET": "ten"}, "SWITCH_OFFSET"),
]


@pytest.mark.parametrize(("values", "variable"), ENV_ERRORS)
async def test_a_bad_env_value_names_the_variable(
    sessions: Sessions, cfg: Settings, values: dict[str, str], variable: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        await ensure_env_station(sessions, env(**values), settings=cfg)
    assert str(caught.value).startswith(f"{variable}: ")
    assert await count(sessions) == 0


async def test_two_daemons_starting_together_store_one_env_station(
    sessions: Sessions, cfg: Settings
) -> None:
    results: list[Any] = await asyncio.gather(
        *(ensure_env_station(sessions, env(), settings=cfg) for _ in range(4))
    )
    assert len({result.id for result in results}) == 1
    assert await count(sessions) == 1


async def test_a_station_saves_again_once_its_symlink_points_at_a_loop(
    sessions: Sessions, cfg: Settings, handoff_root: Path
) -> None:
    """The link lives in HANDOFF_PATH but points into LOOPS_PATH: it must not be resolved."""
    station = await stations.create_station(sessions, cfg, azuracast(symlink_path="current.mp4"))
    (handoff_root / "current.mp4").symlink_to(cfg.loops_path / "a.mp4")
    edited = await stations.update_station(
        sessions, cfg, station.id, azuracast(symlink_path="current.mp4", poll_interval="5")
    )
    assert edited.symlink_path == "current.mp4"


async def test_every_field_at_fault_is_named_at_once(sessions: Sessions, cfg: Settings) -> None:
    with pytest.raises(InputErrors) as caught:
        await stations.create_station(
            sessions,
            cfg,
            azuracast(
                name=" ", base_url="ftp://x", shortcode="", switch_offset="99", symlink_path="x"
            ),
        )
    errors = caught.value.by_field()
    assert list(errors) == [
        "name",
        "base_url",
        "shortcode",
        "switch_offset",
        "symlink_path",
    ]
    assert caught.value.field == "name"  # the first, as a single StationError would say
    assert "Switch offset must be a number from -60 to 60" in errors["switch_offset"]
    assert await count(sessions) == 0


async def test_only_the_chosen_sources_own_field_is_checked(cfg: Settings) -> None:
    # An Icecast station with a leftover, invalid AzuraCast shortcode: the shortcode is not used.
    values = validate(
        azuracast(kind="icecast", transport="poll", mount="/live", shortcode="not valid"), cfg
    )
    assert (values["kind"], values["mount"], values["shortcode"]) == ("icecast", "/live", None)
