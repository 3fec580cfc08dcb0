"""The station supervisor: one task per enabled station this process leads.

Every RELOAD_INTERVAL (or at once on a `stations-changed` message) it reads the enabled stations,
tries to take the advisory lock of each (daemons not holding a lock stand by and try again next
time), and starts, stops or restarts station tasks as the set or a station's settings change.
The database or Redis being down never stops the stations already running.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from dataclasses import dataclass

from daemon.channel_follow import follow_channel
from daemon.error_text import describe
from daemon.pin_listener import listen_for_pins
from daemon.player import DATABASE_ERRORS, PlayMemory, StationPlayer
from daemon.services import Services
from daemon.station_locks import StationLocks
from daemon.station_status import StationStatus
from daemon.watch import StationWatch
from domain import channels, metrics
from domain.config import environment
from domain.nowplaying import source_for
from domain.outbound.backoff import Backoff
from domain.resources import Resources
from domain.stations.environment import ensure_env_station
from domain.stations.store import StationConfig, enabled_stations

RELOAD_INTERVAL = 2.0
SHUTDOWN_DRAIN = 1.0  # seconds to write queued plays and health at shutdown

log = logging.getLogger("crateloop.daemon.supervisor")


@dataclass(eq=False)
class StationTask:
    config: StationConfig
    player: StationPlayer
    task: asyncio.Task[None]


class Supervisor:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.resources = services.resources
        self.settings = services.resources.settings
        self.locks = StationLocks(self.settings.psycopg_url)
        self.running: dict[int, StationTask] = {}
        self.memory: dict[int, PlayMemory] = {}
        self._wake = asyncio.Event()
        self._env_station_done = False
        self._db_down = False
        self._told: tuple[int, int] | None = None  # (leading, enabled) as last logged

    async def run(self) -> None:
        """Supervise until cancelled; then stop every station and release the locks."""
        services = self.services
        background = [
            asyncio.create_task(services.recorder.run(), name="play-recorder"),
            asyncio.create_task(services.board.run(), name="status-board"),
            asyncio.create_task(self._listen_for_changes(), name="stations-changed"),
            asyncio.create_task(
                listen_for_pins(self.settings, self.resources.redis, self._pin_changed),
                name="pins-changed",
            ),
        ]
        await services.mapper.start()
        try:
            while True:
                await self.reload()
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), RELOAD_INTERVAL)
        finally:
            await self._shutdown(background)

    async def reload(self) -> None:
        """Bring the running station tasks in line with the database and the locks held."""
        try:
            if not self._env_station_done:
                await ensure_env_station(
                    self.resources.sessions, environment(), settings=self.settings,
                    redis=self.resources.redis,
                )  # fmt: skip
                self._env_station_done = True
            stations = {
                station.id: station for station in await enabled_stations(self.resources.sessions)
            }
        except DATABASE_ERRORS as error:
            if not self._db_down:
                log.warning("cannot read stations (%s); running ones go on", describe(error))
                self._db_down = True
            await self.locks.sync(self.running)  # notices a lost lock connection all the same
            return
        if self._db_down:
            log.info("reading stations again")
            self._db_down = False
        leading = await self.locks.sync(stations)
        for station_id in list(self.running):
            if station_id not in leading:
                # Disabled, deleted, or led by another daemon now.
                log.info("station %s: no longer watching it", self.running[station_id].config.slug)
                await self._stop(station_id)
        for station_id in sorted(leading):
            station = stations[station_id]
            current = self.running.get(station_id)
            if current is not None and current.config != station:
                log.info("station %s: settings changed; restarting it", station.slug)
                await self._stop(station_id)
                current = None
            if current is None:
                self._start(station)
        self._tell_station_count(len(leading), len(stations))
        metrics.stations_watched(len(leading))

    def _tell_station_count(self, leading: int, enabled: int) -> None:
        """One line whenever the number of stations watched changes: the truth at start-up too."""
        if self._told == (leading, enabled):
            return
        self._told = (leading, enabled)
        if enabled == 0:
            log.info("no enabled stations: waiting for one to be added")
        elif leading == enabled:
            log.info("watching %d station(s)", leading)
        else:
            log.info(
                "watching %d of %d enabled station(s); another daemon leads the others",
                leading, enabled,
            )  # fmt: skip

    def _start(self, station: StationConfig) -> None:
        services = self.services
        status = StationStatus(station.id, station.slug, services.board)
        player = StationPlayer(
            station,
            status,
            self.memory.setdefault(station.id, PlayMemory()),
            settings=self.settings,
            mapper=services.mapper,
            recorder=services.recorder,
            default_loop=services.default_loop,
            redis=services.resources.redis,
        )
        player.pin_changed()  # a pin set while no daemon led the station
        try:
            source = source_for(station, services.resources.http)
        except ValueError as error:
            log.error("station %s: cannot watch it: %s", station.slug, error)
            status.note_error(str(error))
            task = asyncio.create_task(_idle(), name=f"station:{station.slug}")
        else:
            watch = StationWatch(
                station, source, status, player.on_message,
                settings=self.settings, redis=services.resources.redis,
            )  # fmt: skip
            task = asyncio.create_task(self._watch(watch), name=f"station:{station.slug}")
        log.info("station %s: leading it (%s, %s)", station.slug, station.kind, station.transport)
        self.running[station.id] = StationTask(station, player, task)

    async def _watch(self, watch: StationWatch) -> None:
        backoff = Backoff(1.0, 30.0)
        while True:
            try:
                await watch.run()
            except asyncio.CancelledError:
                raise
            except Exception:
                # Never let one station's surprise end its watch: log it whole and start over.
                log.exception("station %s: watching failed; restarting it", watch.station.slug)
            await asyncio.sleep(backoff.next())

    async def _stop(self, station_id: int) -> None:
        running = self.running.pop(station_id)
        running.task.cancel()
        await asyncio.gather(running.task, return_exceptions=True)
        await running.player.stop()
        if station_id not in self.locks.leading:
            self.services.board.forget(station_id)

    def _pin_changed(self, slug: str | None) -> None:
        """Tell the station's player (every player when `slug` is None) to read its pin again."""
        for running in self.running.values():
            if slug is None or running.config.slug == slug:
                running.player.pin_changed()

    async def _listen_for_changes(self) -> None:
        """Reload at once when the web app announces a station change (while Redis is out of
        reach, the 2 s reload keeps stations current)."""

        def announced(data: object) -> None:
            if _is_stations_changed(data):
                self._wake.set()

        await follow_channel(
            self.resources.redis, channels.stations_changed(self.settings), announced
        )

    async def _shutdown(self, background: list[asyncio.Task[None]]) -> None:
        # Hand-offs in flight finish first; the locks go only once nothing writes anymore.
        players = [running.player for running in self.running.values()]
        for running in self.running.values():
            running.task.cancel()
        await asyncio.gather(*(r.task for r in self.running.values()), return_exceptions=True)
        await asyncio.gather(*(player.stop() for player in players), return_exceptions=True)
        self.running.clear()
        await asyncio.gather(
            self.services.recorder.drain(SHUTDOWN_DRAIN),
            self.services.board.flush(SHUTDOWN_DRAIN),
            return_exceptions=True,
        )
        await self.locks.close()
        for task in background:
            task.cancel()
        await asyncio.gather(*background, return_exceptions=True)


async def _idle() -> None:
    """A station that cannot be watched waits for its settings to change."""
    await asyncio.Event().wait()


def _is_stations_changed(data: object) -> bool:
    try:
        message = json.loads(data) if isinstance(data, str | bytes) else None
    except ValueError:
        return False
    return isinstance(message, dict) and message.get("event") == "stations-changed"


async def supervise_stations(resources: Resources) -> None:
    """The daemon watcher that runs every station this process leads."""
    services = Services.of(resources)
    try:
        await Supervisor(services).run()
    finally:
        await services.close()
