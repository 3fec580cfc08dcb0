"""The now-playing daemon as a real process: a fake AzuraCast in, current.json and plays out."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import redis

from domain.config import Settings
from domain.resources import Resources
from tests.daemon_process import (
    DaemonProcess,
    StateDir,
    add_mapping,
    add_station,
    database_now,
    query,
    reloaded_since,
    update_station,
)
from tests.fakes.azuracast import FakeAzuraCast
from tests.waiting import wait_until


def test_push_feed_switches_records_and_ignores_repeats(
    fake: FakeAzuraCast,
    database_url: str,
    handoff_root: Path,
    start_daemon: Callable[..., DaemonProcess],
    loops_root: Path,
) -> None:
    mapping_id = add_mapping(database_url, "Daft Punk", "Aerodynamic", "a.mp4")
    station_id = add_station(database_url, "radio", base_url=fake.url)
    state = StateDir(handoff_root / "radio")
    daemon = start_daemon()

    first = state.wait_for_title("Warm Up", within=15)
    assert first["reason"] == "default"
    assert first["loop_path"] == str(loops_root / "default.mp4")
    fake.wait_for_sse_client()

    sent = time.monotonic()
    np = fake.set_track("Daft Punk", "Aerodynamic", next=("Justice", "D.A.N.C.E."))
    now = state.wait_for_title("Aerodynamic", within=2)
    assert time.monotonic() - sent < 1.0
    assert now["reason"] == "mapped"
    assert now["loop_path"] == str(loops_root / "a.mp4")
    assert now["sh_id"] == np["now_playing"]["sh_id"]
    assert now["station"] == "radio"

    # AzuraCast repeats the same message every cycle: no new hand-off, no new play.
    for _ in range(3):
        fake.republish()
    time.sleep(0.5)  # the repeats must change nothing: no event to wait on, so give them time
    assert state.current() == now

    def plays() -> list[tuple[Any, ...]]:
        return query(
            database_url,
            "SELECT title, reason, loop_path, sh_id, station_id, duration FROM plays ORDER BY id",
        )

    wait_until(lambda: len(plays()) == 2, 5, "two plays")
    time.sleep(0.3)  # and no third one (a repeat recorded) comes after them
    rows = plays()
    assert [(r[0], r[1]) for r in rows] == [("Warm Up", "default"), ("Aerodynamic", "mapped")]
    assert rows[1][3] == np["now_playing"]["sh_id"] and rows[1][4] == station_id
    assert rows[1][5] == 180.0
    assert (
        query(database_url, "SELECT play_count FROM track_mappings WHERE id = %s", mapping_id)[0][0]
        == 1
    )

    # Health and the now-playing card are stored for the dashboard.
    def health_after_the_switch() -> list[tuple[Any, ...]]:
        rows = query(
            database_url,
            "SELECT state, now_playing, last_switch_at FROM station_health WHERE station_id = %s",
            station_id,
        )
        return [row for row in rows if row[1] and row[1]["title"] == "Aerodynamic"]

    health = wait_until(health_after_the_switch, 5, "the health row with the last switch")[0]
    assert health[0] == "connected"
    card = health[1]
    assert card["loop_name"] == "a.mp4" and card["mapping_id"] == mapping_id
    assert card["next_artist"] == "Justice" and card["next_title"] == "D.A.N.C.E."
    assert daemon.count(r"Traceback") == 0


def test_switch_events_are_published(
    fake: FakeAzuraCast,
    database_url: str,
    settings: Settings,
    handoff_root: Path,
    start_daemon: Callable[..., DaemonProcess],
) -> None:
    add_station(database_url, "radio", base_url=fake.url)
    state = StateDir(handoff_root / "radio")
    client = redis.Redis.from_url(settings.redis_url)
    pubsub = client.pubsub(ignore_subscribe_messages=True)  # type: ignore[no-untyped-call]
    pubsub.subscribe(settings.channel("station:radio"))
    try:
        start_daemon()
        state.wait_for_title("Warm Up", within=15)
        fake.wait_for_sse_client()
        fake.set_track("Röyksopp", "Eple")

        def switch_event() -> dict[str, Any] | None:
            message = pubsub.get_message(timeout=0.1)
            if message is None:
                return None
            event: dict[str, Any] = json.loads(message["data"])
            if event["event"] == "switch" and event["card"]["title"] == "Eple":
                return event
            return None

        event = wait_until(switch_event, 3, "a switch event for Eple")
    finally:
        pubsub.close()
        client.close()
    assert event["station"] == "radio"
    assert event["card"]["artist"] == "Röyksopp" and event["card"]["reason"] == "default"
    assert event["health"]["state"] == "connected"
    assert isinstance(event["health"]["last_switch_at"], float)


def test_live_streamers_and_offline_get_their_loops(
    fake: FakeAzuraCast,
    database_url: str,
    handoff_root: Path,
    start_daemon: Callable[..., DaemonProcess],
    loops_root: Path,
) -> None:
    add_station(
        database_url,
        "radio",
        base_url=fake.url,
        live_loop="a.mp4",
        streamer_loops={"DJ Sub": "sub/c.mp4"},
        offline_loop="b.mp4",
    )
    state = StateDir(handoff_root / "radio")
    start_daemon()
    state.wait_for_title("Warm Up", within=15)
    fake.wait_for_sse_client()

    fake.set_track("Someone", "Live Set", live="DJ Anyone")
    live = state.wait_for_title("Live Set")
    assert (live["reason"], live["loop_path"]) == ("live", str(loops_root / "a.mp4"))

    fake.set_track("Sub", "Deep Set", live="DJ Sub")
    sub = state.wait_for_title("Deep Set")
    assert (sub["reason"], sub["loop_path"]) == ("live", str(loops_root / "sub/c.mp4"))

    fake.set_offline()
    offline = state.wait_for_title(None)
    assert (offline["reason"], offline["loop_path"]) == ("offline", str(loops_root / "b.mp4"))
    wait_until(
        lambda: query(database_url, "SELECT 1 FROM plays WHERE reason = 'offline'"),
        5,
        "the offline play",
    )


def test_live_without_a_live_loop_is_a_normal_track(
    fake: FakeAzuraCast,
    database_url: str,
    handoff_root: Path,
    start_daemon: Callable[..., DaemonProcess],
    loops_root: Path,
) -> None:
    add_mapping(database_url, "Guest", "Mapped Live", "b.mp4")
    add_station(database_url, "radio", base_url=fake.url)
    state = StateDir(handoff_root / "radio")
    start_daemon()
    state.wait_for_title("Warm Up", within=15)
    fake.wait_for_sse_client()
    fake.set_track("Guest", "Mapped Live", live="DJ Guest")
    now = state.wait_for_title("Mapped Live")
    assert (now["reason"], now["loop_path"]) == ("mapped", str(loops_root / "b.mp4"))


def test_stations_added_and_changed_are_picked_up_within_5_s(
    fake: FakeAzuraCast,
    database_url: str,
    handoff_root: Path,
    start_daemon: Callable[..., DaemonProcess],
) -> None:
    started = database_now(database_url)
    daemon = start_daemon()
    daemon.wait_for_log("daemon up: station supervisor, daily loop check", within=15)
    # The start-up lines tell the truth: no station yet, and no count of watchers as stations.
    daemon.wait_for_log("no enabled stations: waiting for one to be added")
    assert daemon.count("watcher") == 0
    # The first reload is over: the station has to come with a later one.
    wait_until(lambda: reloaded_since(database_url, started), 5, "the first reload")
    added = time.monotonic()
    station_id = add_station(database_url, "radio", base_url=fake.url)
    StateDir(handoff_root / "radio").wait_for_title("Warm Up", within=5)
    assert time.monotonic() - added < 5
    daemon.wait_for_log(r"watching 1 station\(s\)")

    changed = time.monotonic()
    update_station(database_url, station_id, state_dir="elsewhere")
    StateDir(handoff_root / "elsewhere").wait_for_title("Warm Up", within=5)
    assert time.monotonic() - changed < 5
    daemon.wait_for_log("settings changed")

    # A second station on the same daemon; then the first is disabled.
    with FakeAzuraCast("other", ping_interval=0.5) as other:
        other.set_track("Other", "Station")
        add_station(database_url, "other", "Other", base_url=other.url, state_dir="o")
        StateDir(handoff_root / "o").wait_for_title("Station", within=5)
        update_station(database_url, station_id, enabled=False)
        wait_until(lambda: fake.sse_clients == 0, 5, "the feed closed")
        other.set_track("Other", "Still Watched")
        StateDir(handoff_root / "o").wait_for_title("Still Watched")


def test_poll_transport_and_switch_offset(
    fake: FakeAzuraCast,
    database_url: str,
    handoff_root: Path,
    start_daemon: Callable[..., DaemonProcess],
) -> None:
    add_station(
        database_url,
        "radio",
        base_url=fake.url,
        transport="poll",
        poll_interval=1.0,
        switch_offset=1.5,
    )
    state = StateDir(handoff_root / "radio")
    start_daemon()
    state.wait_for_title("Warm Up", within=15)
    assert fake.requests["sse"] == 0

    played_at = time.time()
    fake.set_track("Offset", "Track", played_at=played_at)
    switched = state.wait_for_title("Track", within=4)
    # played_at is whole seconds in AzuraCast: the switch comes at int(played_at) + 1.5 s.
    assert switched["changed_at"] >= int(played_at) + 1.5 - 0.05


def test_sigterm_exits_0_within_5_s_and_releases_the_lock(
    fake: FakeAzuraCast,
    database_url: str,
    handoff_root: Path,
    start_daemon: Callable[..., DaemonProcess],
) -> None:
    station_id = add_station(database_url, "radio", base_url=fake.url)
    daemon = start_daemon()
    StateDir(handoff_root / "radio").wait_for_title("Warm Up", within=15)
    fake.set_track("Last", "Song")
    code, took = daemon.terminate()
    assert code == 0 and took < 5
    assert "daemon stopped" in daemon.log()
    locks = query(
        database_url,
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = 1129"
        " AND objid = %s",
        station_id,
    )
    assert locks[0][0] == 0


def test_webhook_transport(
    fake: FakeAzuraCast,
    database_url: str,
    settings: Settings,
    handoff_root: Path,
    start_daemon: Callable[..., DaemonProcess],
) -> None:
    from tests.fakes.azuracast import now_playing_object

    add_station(
        database_url, "radio", base_url=fake.url, transport="webhook", webhook_secret="s" * 20
    )
    state = StateDir(handoff_root / "radio")
    daemon = start_daemon()
    state.wait_for_title("Warm Up", within=15)  # the safety-net poll at start
    # Health comes from the webhooks: polling until the first one arrives, then connected.
    daemon.wait_for_log("station radio: polling")
    client = redis.Redis.from_url(settings.redis_url)
    try:
        channel = settings.channel("webhook:radio")
        wait_until(
            lambda: dict(client.pubsub_numsub(channel)).get(channel.encode(), 0) > 0,
            5,
            "the daemon listening for webhooks",
        )
        body = now_playing_object("Hook", "Delivered", sh_id=4242, base_url=fake.url)
        sent = time.monotonic()
        client.publish(settings.channel("webhook:radio"), json.dumps(body))
        now = state.wait_for_title("Delivered", within=2)
        assert time.monotonic() - sent < 1.0
        assert now["sh_id"] == 4242
        daemon.wait_for_log("station radio: connected")
        client.publish(settings.channel("webhook:radio"), b"<html>not json</html>")
        daemon.wait_for_log("ignoring a webhook body")
    finally:
        client.close()
    assert fake.requests["sse"] == 0


def test_icecast_and_shoutcast_are_polled(
    database_url: str,
    handoff_root: Path,
    start_daemon: Callable[..., DaemonProcess],
) -> None:
    from tests.fakes.icecast import FakeIcecast, FakeShoutcast, icecast_source

    ice, shout = FakeIcecast(), FakeShoutcast()
    try:
        ice.set_sources(
            icecast_source("/other.mp3", "Not - This One"),
            icecast_source("/radio.mp3", "Boards of Canada - Roygbiv"),
        )
        shout.set_stream(1, "Aphex Twin - Xtal")
        add_station(database_url, "ice", base_url=ice.url, kind="icecast", shortcode=None,
                    mount="/radio.mp3", transport="poll")  # fmt: skip
        add_station(database_url, "shout", "Shout", base_url=shout.url, kind="shoutcast",
                    shortcode=None, stream_id=1, transport="poll")  # fmt: skip
        start_daemon()
        ice_state = StateDir(handoff_root / "ice").wait_for_title("Roygbiv", within=15)
        assert ice_state["artist"] == "Boards of Canada" and ice_state["sh_id"] is None
        StateDir(handoff_root / "shout").wait_for_title("Xtal", within=5)

        # No sh_id: a new song is a new play; the same song polled again is not.
        shout.set_stream(1, "Aphex Twin - Windowlicker")
        StateDir(handoff_root / "shout").wait_for_title("Windowlicker", within=2.5)
        polls = shout.requests["stats"]
        # Polled again and handled (the poller asks once the last answer is dealt with).
        wait_until(lambda: shout.requests["stats"] >= polls + 2, 5, "two more polls")
        titles = [
            r[0] for r in query(database_url, "SELECT title FROM plays WHERE station = 'shout'")
        ]
        assert sorted(titles) == ["Windowlicker", "Xtal"]
    finally:
        ice.close()
        shout.close()


def test_stations_changed_message_reloads_at_once(
    fake: FakeAzuraCast,
    database_url: str,
    settings: Settings,
    handoff_root: Path,
    start_daemon: Callable[..., DaemonProcess],
) -> None:
    daemon = start_daemon()
    daemon.wait_for_log("daemon up", within=15)
    # Just after a reload: the next periodic one is 2 s away.
    since = database_now(database_url)
    wait_until(lambda: reloaded_since(database_url, since), 5, "a periodic reload")
    add_station(database_url, "radio", base_url=fake.url)
    client = redis.Redis.from_url(settings.redis_url)
    try:
        announced = time.monotonic()
        client.publish(settings.channel("stations"), json.dumps({"event": "stations-changed"}))
    finally:
        client.close()
    daemon.wait_for_log("station radio: leading it", within=3)
    assert time.monotonic() - announced < 1.5


async def test_insert_plays_stores_each_sh_id_once_and_counts_mappings_once(
    settings: Settings, clean_db: None, database_url: str
) -> None:
    from datetime import UTC, datetime

    from domain.db import create_engine
    from domain.plays.recording import PlayRecord, insert_plays

    mapping_id = add_mapping(database_url, "A", "B", "a.mp4")
    station_id = add_station(database_url)
    now = datetime.now(UTC)

    def record(
        sh_id: int | None, mapping: int | None, station: int | None = station_id
    ) -> PlayRecord:
        return PlayRecord("radio", station, "A", "B", "a - b", "x" * 32, sh_id, "/l/a.mp4",
                          "mapped" if mapping else "default", now, 200.0, mapping)  # fmt: skip

    engine = create_engine(settings)
    try:
        batch = [record(1, mapping_id), record(1, mapping_id), record(None, mapping_id),
                 record(2, None), record(3, mapping_id, station=999_999)]  # fmt: skip
        assert await insert_plays(engine, batch) == 4
        assert await insert_plays(engine, [record(1, mapping_id), record(2, None)]) == 0
        assert await insert_plays(engine, []) == 0
    finally:
        await engine.dispose()
    rows = query(database_url, "SELECT sh_id, station_id FROM plays ORDER BY id")
    # A station deleted meanwhile (999999 never existed) leaves station_id empty.
    assert rows == [(1, station_id), (None, station_id), (2, station_id), (3, None)]
    count = query(database_url, "SELECT play_count, last_played_at FROM track_mappings")
    assert count[0] == (3, now)


async def test_the_daily_loop_check_is_queued_once_a_day(
    settings: Settings, resources: Resources
) -> None:
    from daemon.loop_check_schedule import queue_daily_check
    from domain.jobs import LOOP_CHECKS_QUEUE

    client = redis.Redis.from_url(settings.redis_url)
    queue = f"{settings.channel('dramatiq')}:{LOOP_CHECKS_QUEUE}"
    try:
        client.delete(queue, f"{queue}.msgs")
        assert await queue_daily_check(resources) is True
        assert await queue_daily_check(resources) is False  # another daemon (or today's) did
        messages = client.hvals(f"{queue}.msgs")
        assert [json.loads(m)["actor_name"] for m in messages] == ["check_all_loops"]
        assert client.ttl(settings.channel("daily-loop-check")) > 23 * 3600
    finally:
        client.delete(queue, f"{queue}.msgs")
        client.close()
