"""Switch now, end to end: a pin stored as the web stores it reaches the real daemon process,
which hands the pinned loop off, records it as a `manual` play, and follows the pin's mode."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import redis

from domain import channels
from domain.config import Settings
from domain.resources import open_redis
from domain.stations import pins
from tests.daemon_process import DaemonProcess, StateDir, add_mapping, add_station, query
from tests.fakes.azuracast import FakeAzuraCast
from tests.waiting import wait_until


def pin(settings: Settings, slug: str, loop: str, until: str) -> pins.Pin:
    """What the dashboard's Switch now button does (domain.stations.pins.set_pin)."""

    async def store() -> pins.Pin:
        client = open_redis(settings)
        try:
            return await pins.set_pin(client, settings, slug, loop, until, "tester")
        finally:
            await client.aclose()

    return asyncio.run(store())


def unpin(settings: Settings, slug: str) -> None:
    async def remove() -> None:
        client = open_redis(settings)
        try:
            await pins.remove_pin(client, settings, slug)
        finally:
            await client.aclose()

    asyncio.run(remove())


def stored_pin(settings: Settings, slug: str) -> bytes | None:
    client = redis.Redis.from_url(settings.redis_url)
    try:
        value: bytes | None = client.get(channels.station_pin(settings, slug))
    finally:
        client.close()
    return value


def showing(state: StateDir, title: str, loop: Path, reason: str) -> Callable[[], Any]:
    def probe() -> dict[str, Any] | None:
        now = state.current()
        wanted = (title, str(loop), reason)
        if now is not None and (now["title"], now["loop_path"], now["reason"]) == wanted:
            return now
        return None

    return probe


def plays(database_url: str) -> list[tuple[Any, ...]]:
    return query(database_url, "SELECT title, loop_path, reason, sh_id FROM plays ORDER BY id")


def test_pin_until_the_next_track_hands_off_at_once_and_the_next_track_resumes_mapping(
    fake: FakeAzuraCast,
    database_url: str,
    settings: Settings,
    handoff_root: Path,
    start_daemon: Callable[..., DaemonProcess],
    loops_root: Path,
) -> None:
    add_mapping(database_url, "Daft Punk", "Aerodynamic", "a.mp4")
    add_station(database_url, "radio", base_url=fake.url)
    state = StateDir(handoff_root / "radio")
    daemon = start_daemon()
    state.wait_for_title("Warm Up", within=15)
    fake.wait_for_sse_client()
    fake.set_track("Daft Punk", "Aerodynamic")
    wait_until(showing(state, "Aerodynamic", loops_root / "a.mp4", "mapped"), 5, "the mapping")

    pin(settings, "radio", "b.mp4", "next_track")
    wait_until(showing(state, "Aerodynamic", loops_root / "b.mp4", "manual"), 3, "the pin")
    manual = wait_until(
        lambda: [row for row in plays(database_url) if row[2] == "manual"], 5, "the manual play"
    )
    assert manual == [("Aerodynamic", str(loops_root / "b.mp4"), "manual", None)]
    assert stored_pin(settings, "radio") is not None

    fake.set_track("Justice", "Genesis")
    wait_until(showing(state, "Genesis", loops_root / "default.mp4", "default"), 5, "mapping again")
    wait_until(lambda: stored_pin(settings, "radio") is None, 3, "the ended pin removed")
    fake.set_track("Daft Punk", "Aerodynamic")
    wait_until(showing(state, "Aerodynamic", loops_root / "a.mp4", "mapped"), 5, "the mapping")
    assert daemon.count("Traceback") == 0


def test_pin_until_unpinned_holds_over_track_changes_and_unpinning_resumes_mapping(
    fake: FakeAzuraCast,
    database_url: str,
    settings: Settings,
    handoff_root: Path,
    start_daemon: Callable[..., DaemonProcess],
    loops_root: Path,
) -> None:
    add_mapping(database_url, "Daft Punk", "Aerodynamic", "a.mp4")
    add_station(database_url, "radio", base_url=fake.url)
    state = StateDir(handoff_root / "radio")
    daemon = start_daemon()
    state.wait_for_title("Warm Up", within=15)
    fake.wait_for_sse_client()

    pin(settings, "radio", "sub/c.mp4", "unpinned")
    wait_until(showing(state, "Warm Up", loops_root / "sub/c.mp4", "manual"), 3, "the pin")
    np = fake.set_track("Daft Punk", "Aerodynamic")
    wait_until(showing(state, "Aerodynamic", loops_root / "sub/c.mp4", "manual"), 5, "pin kept")

    # The track change is recorded, with the loop that really showed.
    def aerodynamic() -> list[tuple[Any, ...]]:
        return [row for row in plays(database_url) if row[0] == "Aerodynamic"]

    rows = wait_until(aerodynamic, 5, "the play of the new track")
    assert rows == [
        ("Aerodynamic", str(loops_root / "sub/c.mp4"), "manual", np["now_playing"]["sh_id"])
    ]
    assert stored_pin(settings, "radio") is not None

    unpin(settings, "radio")
    wait_until(showing(state, "Aerodynamic", loops_root / "a.mp4", "mapped"), 3, "mapping again")
    assert daemon.count("Traceback") == 0


def test_a_pin_set_while_the_daemon_was_down_is_applied_at_start(
    fake: FakeAzuraCast,
    database_url: str,
    settings: Settings,
    handoff_root: Path,
    start_daemon: Callable[..., DaemonProcess],
    loops_root: Path,
    clean_db: None,
) -> None:
    add_station(database_url, "radio", base_url=fake.url)
    pin(settings, "radio", "b.mp4", "next_track")
    state = StateDir(handoff_root / "radio")
    start_daemon()
    wait_until(showing(state, "Warm Up", loops_root / "b.mp4", "manual"), 15, "the stored pin")
    # It was pinned before this track was seen: this track keeps it, the next ends it.
    fake.wait_for_sse_client()
    fake.set_track("Justice", "Genesis")
    wait_until(showing(state, "Genesis", loops_root / "default.mp4", "default"), 5, "mapping again")
