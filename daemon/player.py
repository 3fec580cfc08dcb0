"""One station's plays: resolve the loop, switch at the right moment, hand off, record, report.

`on_message` is called for every message from the source and returns at once; each new play
runs in a task of its own. A newer play supersedes an older one that has not handed off yet
(still resolving or waiting for its switch time), and hand-offs never overlap or reorder.

A pin ("Switch now", `domain.stations.pins`) overrides the resolved loop: `pin_changed` reads the
station's pin from Redis and hands it off at once (recorded as a `manual` play); plays while it
holds are recorded with it; the next track ends an until-the-next-track pin.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Coroutine
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import psycopg
import redis.asyncio as aioredis
from redis.exceptions import RedisError
from sqlalchemy.exc import SQLAlchemyError

from daemon.error_text import describe
from daemon.play_recorder import PlayRecorder
from daemon.station_status import StationStatus
from domain import metrics
from domain.config import Settings
from domain.handoff import Adapter, HandoffError, Switch, adapters_for
from domain.loops.cache import Resolution
from domain.loops.files import LoopPathError, confine, relative_to_root
from domain.loops.keys import azuracast_song_id, normalize_track_key
from domain.loops.mapper import TrackMapper
from domain.models import Reason
from domain.nowplaying import NowPlaying
from domain.plays.recording import PlayRecord
from domain.stations import pins
from domain.stations.events import NowPlayingCard
from domain.stations.pins import Pin, PinMode
from domain.stations.store import StationConfig

ADAPTER_TIMEOUT = 10.0  # one adapter may take this long before it counts as failed
MAX_SWITCH_DELAY = 120.0  # never wait longer for played_at + offset (clock skew, odd data)
STOP_GRACE = 2.0  # how long a hand-off in flight may take to finish at shutdown

DATABASE_ERRORS = (SQLAlchemyError, psycopg.Error, OSError)

log = logging.getLogger("crateloop.daemon.player")


class DefaultLoop:
    """The default loop as last read from the database, for when the database is down."""

    def __init__(self, settings: Settings) -> None:
        try:
            self.path = str(confine(settings.loops_path, settings.default_loop))
        except LoopPathError:
            self.path = settings.default_loop  # shown as configured; the encoder will complain

    async def current(self, mapper: TrackMapper) -> str:
        with contextlib.suppress(*DATABASE_ERRORS):  # keep the last one known
            self.path = await mapper.get_default_loop()
        return self.path


@dataclass(slots=True)
class PlayMemory:
    """What survives a restart of the station's task (a settings change): the last play
    recorded, so the restarted task hands the current play off again without recording it twice."""

    recorded_play_id: str | None = None
    pin: Pin | None = None  # the pin applied (None: loops follow the mapping)
    pinned_on: str | None = None  # the play the pin was applied during (None: no play seen yet)


class StationPlayer:
    def __init__(
        self,
        station: StationConfig,
        status: StationStatus,
        memory: PlayMemory,
        *,
        settings: Settings,
        mapper: TrackMapper,
        recorder: PlayRecorder,
        default_loop: DefaultLoop,
        redis: aioredis.Redis,
    ) -> None:
        self.station = station
        self.status = status
        self.memory = memory
        self.settings = settings
        self.mapper = mapper
        self.recorder = recorder
        self.default_loop = default_loop
        self.redis = redis
        self.adapters = self._adapters()
        self._current: NowPlaying | None = None
        self._ended: Pin | None = None  # the pin the last track change ended (not to revive)
        self._pin_lock = asyncio.Lock()
        self._superseded = asyncio.Event()
        self._handoff_lock = asyncio.Lock()
        self._tasks: set[asyncio.Task[None]] = set()
        self._adapter_errors: dict[str, str | None] = {}

    @property
    def _last_play_id(self) -> str | None:
        return self._current.play_id if self._current is not None else None

    def _adapters(self) -> list[Adapter]:
        try:
            return adapters_for(
                self.station,
                self.settings.handoff_path,
                allow_hooks=self.settings.allow_command_hooks,
                allowed_hosts=self.settings.station_allowed_hosts,
            )
        except HandoffError as error:
            log.error("station %s: hand-off settings unusable: %s", self.station.slug, error)
            self.status.note_error(f"hand-off: {error}")
            return []

    # Incoming messages ----------------------------------------------------------------------

    def on_message(self, playing: NowPlaying) -> None:
        """Take one message from the source: a new play starts its switch, a repeat is ignored."""
        self.status.message_received()
        if playing.play_id == self._last_play_id:
            return
        self._current = playing
        self._superseded.set()  # an older play not yet handed off never will be
        self._superseded = asyncio.Event()
        ended = self._pin_ended_by(playing)
        self._spawn(self._play(playing, self._superseded, ended), f"play:{self.station.slug}")

    def pin_changed(self) -> None:
        """The station's pin was set or removed (or may have been, while we were not listening)."""
        self._spawn(self._refresh_pin(), f"pin:{self.station.slug}")

    def _spawn(self, work: Coroutine[Any, Any, None], name: str) -> None:
        task = asyncio.create_task(work, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _play(
        self, playing: NowPlaying, superseded: asyncio.Event, ended: Pin | None
    ) -> None:
        try:
            if ended is not None:
                await self._end_pin(ended)
            mapped = await self.resolve(playing)
            self._record(playing, self._pinned(mapped))
            delay = self._switch_delay(playing)
            if delay > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(superseded.wait(), delay)
            if superseded.is_set():
                return
            async with self._handoff_lock:
                if not superseded.is_set():
                    # A pin set or removed while this play waited counts: the current one wins.
                    await self._handoff(playing, self._pinned(mapped))
        except asyncio.CancelledError:
            raise
        except Exception:
            # A bug in one play must not stop the station: log it whole, the next play comes.
            log.exception("station %s: play %s failed", self.station.slug, playing.play_id)

    def _switch_delay(self, playing: NowPlaying) -> float:
        offset = self.station.switch_offset
        if not offset or playing.played_at is None:
            return 0.0
        return min(playing.played_at + offset - time.time(), MAX_SWITCH_DELAY)

    # Resolving ------------------------------------------------------------------------------

    async def resolve(self, playing: NowPlaying) -> Resolution:
        """The loop for this play: offline loop, live loop, else the track's mapping."""
        track = playing.track
        key = normalize_track_key(track.artist, track.title) if track else ""
        song_id = track.song_id if track else ""
        if not playing.online:
            return await self._fixed(self.station.offline_loop, Reason.OFFLINE, key, song_id)
        if playing.is_live:
            loop = self.station.streamer_loops.get(playing.streamer or "") or self.station.live_loop
            if loop:
                return await self._fixed(loop, Reason.LIVE, key, song_id)
        if track is None:
            return Resolution(await self.default_loop.current(self.mapper), Reason.DEFAULT, "", "")
        try:
            resolution = await self.mapper.resolve(track.artist, track.title, track.song_id)
        except DATABASE_ERRORS:
            # TrackMapper.resolve answers from its cache before touching the database: here the
            # cache had nothing, so the last known default loop it is.
            song_id = track.song_id or azuracast_song_id(track.artist, track.title)
            return Resolution(self.default_loop.path, Reason.DEFAULT, key, song_id)
        if resolution.reason == Reason.DEFAULT:
            self.default_loop.path = resolution.path
        return resolution

    async def _fixed(self, loop: str | None, reason: str, key: str, song_id: str) -> Resolution:
        if loop:
            try:
                return Resolution(
                    str(confine(self.settings.loops_path, loop)), reason, key, song_id
                )
            except LoopPathError as error:
                log.error("station %s: %s loop unusable: %s", self.station.slug, reason, error)
        return Resolution(await self.default_loop.current(self.mapper), reason, key, song_id)

    # Pins -----------------------------------------------------------------------------------

    def _pinned(self, mapped: Resolution) -> Resolution:
        """The loop to show: the pinned one while a pin holds, else the resolved one."""
        pin = self.memory.pin
        if pin is None:
            return mapped
        try:
            path = str(confine(self.settings.loops_path, pin.loop_path))
        except LoopPathError as error:  # checked when pinned; LOOPS_PATH may have moved since
            log.error("station %s: pinned loop unusable: %s", self.station.slug, error)
            return mapped
        return Resolution(path, Reason.MANUAL, mapped.track_key, mapped.song_id)

    def _pin_ended_by(self, playing: NowPlaying) -> Pin | None:
        """A new play ends an until-the-next-track pin, unless it is the play it was set during."""
        pin, memory = self.memory.pin, self.memory
        if pin is None or pin.mode is not PinMode.NEXT_TRACK:
            return None
        if memory.pinned_on is None:  # pinned before any play was seen: this is its track
            memory.pinned_on = playing.play_id
            return None
        if memory.pinned_on == playing.play_id:
            return None
        memory.pin = memory.pinned_on = None
        self._ended = pin
        log.info("station %s: the track changed; the pin ends, mapping resumes", self.station.slug)
        return pin

    async def _end_pin(self, pin: Pin) -> None:
        try:
            await pins.end_pin(self.redis, self.settings, pin)
        except (RedisError, OSError) as error:
            # The stored pin stays; the next read (a restart) applies it once more, no worse.
            log.warning("station %s: cannot remove the ended pin: %s", self.station.slug, error)

    async def _refresh_pin(self) -> None:
        try:
            async with self._pin_lock:  # reads and hand-offs in the order the changes came
                await self._apply_pin()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("station %s: applying its pin failed", self.station.slug)

    async def _apply_pin(self) -> None:
        try:
            pin = await pins.get_pin(self.redis, self.settings, self.station.slug)
        except (RedisError, OSError) as error:
            log.warning("station %s: cannot read its pin: %s", self.station.slug, error)
            return
        if pin == self.memory.pin or (pin is not None and pin == self._ended):
            return  # unchanged, or read before the track change that ended it removed it
        self.memory.pin, self.memory.pinned_on = pin, self._last_play_id
        if pin is None:
            log.info("station %s: unpinned; mapping resumes", self.station.slug)
        else:
            log.info("station %s: pinned %s %s", self.station.slug, pin.loop_path, pin.mode.words)
        playing = self._current
        if playing is None:
            return  # nothing plays yet: the first play shows the pin
        resolution = self._pinned(await self.resolve(playing))
        if pin is not None:
            self._record_pin(playing, resolution)
        async with self._handoff_lock:
            await self._handoff(playing, resolution)

    # Recording ------------------------------------------------------------------------------

    def _record(self, playing: NowPlaying, resolution: Resolution) -> None:
        if self.memory.recorded_play_id == playing.play_id:
            return
        self.memory.recorded_play_id = playing.play_id
        started = playing.played_at or playing.received_at or time.time()
        self.recorder.add(self._play_record(playing, resolution, started, own=True))

    def _record_pin(self, playing: NowPlaying, resolution: Resolution) -> None:
        """The pin's own play: without the track's sh_id, so it is stored beside the track's play
        rather than deduplicated into it, and it counts on no mapping."""
        self.recorder.add(self._play_record(playing, resolution, time.time(), own=False))

    def _play_record(
        self, playing: NowPlaying, resolution: Resolution, started: float, *, own: bool
    ) -> PlayRecord:
        track = playing.track
        return PlayRecord(
            station=self.station.slug,
            station_id=self.station.id,
            artist=(track.artist or None) if track else None,
            title=(track.title or None) if track else None,
            track_key=resolution.track_key or None,
            song_id=resolution.song_id or None,
            sh_id=playing.sh_id if own else None,
            loop_path=resolution.path,
            reason=resolution.reason,
            started_at=datetime.fromtimestamp(started, UTC),
            duration=playing.duration if own else None,
            mapping_id=resolution.mapping_id,
        )

    # Handing off ----------------------------------------------------------------------------

    async def _handoff(self, playing: NowPlaying, resolution: Resolution) -> None:
        track = playing.track
        switch = Switch(
            station=self.station.slug,
            sh_id=playing.sh_id,
            song_id=resolution.song_id or None,
            artist=(track.artist or None) if track else None,
            title=(track.title or None) if track else None,
            loop_path=resolution.path,
            reason=resolution.reason,
            played_at=playing.played_at,
            changed_at=time.time(),
            duration=playing.duration,
        )
        await asyncio.gather(*(self._apply(adapter, switch) for adapter in self.adapters))
        metrics.loop_switch(resolution.reason)
        self.status.switched(self._card(playing, resolution, switch.changed_at))

    async def _apply(self, adapter: Adapter, switch: Switch) -> None:
        try:
            await asyncio.wait_for(adapter.apply(switch), ADAPTER_TIMEOUT)
        except TimeoutError:
            self._adapter_result(adapter, f"no answer within {ADAPTER_TIMEOUT:g} s")
        except HandoffError as error:
            self._adapter_result(adapter, str(error))
        except Exception as error:
            log.exception("station %s: %s failed unexpectedly", self.station.slug, adapter.name)
            self._adapter_result(adapter, describe(error))
        else:
            self._adapter_result(adapter, None)

    def _adapter_result(self, adapter: Adapter, error: str | None) -> None:
        before = self._adapter_errors.get(adapter.name)
        self._adapter_errors[adapter.name] = error
        if error == before:
            return
        if error is None:
            log.info("station %s: %s hand-off works again", self.station.slug, adapter.name)
        else:
            log.error("station %s: %s hand-off failed: %s", self.station.slug, adapter.name, error)

    def _card(
        self, playing: NowPlaying, resolution: Resolution, changed_at: float
    ) -> NowPlayingCard:
        track, upcoming = playing.track, playing.next_track
        try:
            loop_name = relative_to_root(
                self.settings.loops_path, confine(self.settings.loops_path, resolution.path)
            )
        except (LoopPathError, ValueError):
            loop_name = resolution.path
        return NowPlayingCard(
            artist=track.artist if track else "",
            title=track.title if track else "",
            art=(track.art or "") if track else "",
            song_id=resolution.song_id or "",
            sh_id=playing.sh_id,
            played_at=playing.played_at,
            duration=playing.duration,
            loop_path=resolution.path,
            loop_name=loop_name,
            reason=resolution.reason,
            mapping_id=resolution.mapping_id,
            listeners=playing.listeners,
            next_artist=upcoming.artist if upcoming else "",
            next_title=upcoming.title if upcoming else "",
            is_live=playing.is_live,
            streamer=playing.streamer or "",
            changed_at=changed_at,
        )

    # Stopping -------------------------------------------------------------------------------

    async def stop(self, grace: float = STOP_GRACE) -> None:
        """Let a hand-off in flight finish (up to `grace` s); drop plays still waiting."""
        self._superseded.set()
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=grace)
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
