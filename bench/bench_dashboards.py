"""200 open dashboards all receive a switch within 1 s.

The real web server (`crateloop web`, uvicorn, one process) holds 200 SSE streams of one station
(`/live/stations/{slug}`, logged in with the session cookie of one real login: 200 argon2 logins
would only measure argon2). Once every stream has said it is listening, the benchmark does what
the daemon does on a switch: write the now-playing card to station_health and publish the event
on the station's Redis channel. Each client notes when the `card-…` event arrived; the figure is
publish → arrival over every client and every switch.
"""

from __future__ import annotations

import asyncio
import json
import time

import httpx
import psycopg
import redis.asyncio as aioredis
from psycopg.types.json import Jsonb

from bench.common import Result, logged_in_client, millis, percentile, web_server
from domain.config import Settings

CLIENTS = 200
SWITCHES = 5
SLUG = "bench-radio"


def seed_station(settings: Settings) -> int:
    with psycopg.connect(settings.psycopg_url, autocommit=True) as conn:
        row = conn.execute(
            "INSERT INTO stations (name, slug, kind, base_url, shortcode)"
            " VALUES ('Bench Radio', %s, 'azuracast', 'http://127.0.0.1:9', %s) RETURNING id",
            (SLUG, SLUG),
        ).fetchone()
    assert row is not None
    return int(row[0])


def card(n: int) -> dict[str, object]:
    now = time.time()
    return {
        "artist": "Bench Artist",
        "title": f"Switch {n}",
        "art": None,
        "song_id": f"{n:032d}",
        "sh_id": n,
        "played_at": now,
        "duration": 200.0,
        "loop_path": "default.mp4",
        "loop_name": "default.mp4",
        "reason": "default",
        "mapping_id": None,
        "listeners": CLIENTS,
        "next_artist": "",
        "next_title": "",
        "is_live": False,
        "streamer": None,
        "changed_at": now,
    }


class Dashboard:
    """One open dashboard: its stream, and when each switch's card arrived."""

    def __init__(self) -> None:
        self.listening = asyncio.Event()
        self.arrivals: dict[str, float] = {}  # title of the switch → perf_counter()

    async def watch(self, http: httpx.AsyncClient, stop: asyncio.Event) -> None:
        async with http.stream("GET", f"/live/stations/{SLUG}") as stream:
            if stream.status_code != 200:
                raise RuntimeError(f"stream answered {stream.status_code}")
            event = ""
            async for line in stream.aiter_lines():
                if line.startswith(": connected"):
                    self.listening.set()
                elif line.startswith("event:"):
                    event = line[6:].strip()
                elif line.startswith("data:") and event == f"card-{SLUG}" and "Switch " in line:
                    title = line.split("Switch ", 1)[1].split("<", 1)[0]
                    self.arrivals.setdefault(title, time.perf_counter())
                elif not line:
                    event = ""
                if stop.is_set():
                    return


async def switch(settings: Settings, station_id: int, publisher: aioredis.Redis, n: int) -> float:
    """Store the card and publish the event, as the daemon does; returns the publish time."""
    data = card(n)
    health = {"state": "connected", "since": time.time(), "last_switch_at": time.time()}
    async with await psycopg.AsyncConnection.connect(settings.psycopg_url, autocommit=True) as conn:
        await conn.execute(
            "INSERT INTO station_health (station_id, state, now_playing) VALUES (%s, %s, %s)"
            " ON CONFLICT (station_id) DO UPDATE SET now_playing = excluded.now_playing",
            (station_id, "connected", Jsonb(data)),
        )
    message = {"event": "switch", "station": SLUG, "card": data, "health": health}
    started = time.perf_counter()
    await publisher.publish(settings.channel(f"station:{SLUG}"), json.dumps(message))
    return started


async def run(settings: Settings) -> list[Result]:
    station_id = seed_station(settings)
    publisher = aioredis.Redis.from_url(settings.redis_url)
    latencies: list[float] = []
    try:
        async with web_server(settings, "bench-dashboards-web.log") as base_url:
            login = await logged_in_client(base_url)
            limits = httpx.Limits(
                max_connections=CLIENTS + 10, max_keepalive_connections=CLIENTS + 10
            )
            http = httpx.AsyncClient(
                base_url=base_url, cookies=login.cookies, limits=limits, timeout=60
            )
            await login.aclose()
            stop = asyncio.Event()
            dashboards = [Dashboard() for _ in range(CLIENTS)]
            watchers = [asyncio.create_task(d.watch(http, stop)) for d in dashboards]
            try:
                listening = asyncio.gather(*(d.listening.wait() for d in dashboards))
                await asyncio.wait_for(listening, 60)
                for n in range(1, SWITCHES + 1):
                    sent = await switch(settings, station_id, publisher, n)
                    await asyncio.sleep(2)  # every client has long had it, unless it missed 1 s
                    latencies += [
                        d.arrivals[str(n)] - sent for d in dashboards if str(n) in d.arrivals
                    ]
            finally:
                stop.set()
                for watcher in watchers:
                    watcher.cancel()
                await asyncio.gather(*watchers, return_exceptions=True)
                await http.aclose()
    finally:
        await publisher.aclose()
    expected = CLIENTS * SWITCHES
    received = len(latencies)
    slowest = max(latencies, default=float("inf"))
    p50, p95 = (percentile(latencies, p) for p in (50, 95)) if latencies else (0.0, 0.0)
    return [
        Result(
            f"{CLIENTS} open dashboards, {SWITCHES} switches: publish → card received",
            f"{received}/{expected} received; p50 {millis(p50)}, p95 {millis(p95)},"
            f" max {millis(slowest)}",
            "all within 1 s",
            received == expected and slowest <= 1.0,
        )
    ]
