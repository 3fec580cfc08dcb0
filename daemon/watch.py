"""Watching one station's now-playing source, by its transport (docs/architecture.md, AzuraCast).

- push (AzuraCast): the SSE feed; while it is down, poll as in poll mode and reconnect with
  exponential backoff and jitter (up to 60 s); one REST GET whenever the feed (re)connects.
- poll: REST (AzuraCast) or status JSON (Icecast, SHOUTcast) every poll interval; while the
  source fails, less and less often (`PollPace`), back to the interval at the first good answer.
- webhook (AzuraCast): the web app publishes each webhook body on Redis; a slow REST poll is the
  safety net for lost webhooks. Health comes from the webhooks: connected while they arrive,
  down ("no webhook for N min") only after WEBHOOK_SILENCE without one. The safety poll often
  cannot reach a station that pushes to us (a firewall between), so its failure alone is no news.

Every message goes to `deliver` (the player dedupes repeats). Errors never end the watch.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from daemon.channel_follow import follow_channel
from daemon.station_status import StationStatus
from domain import channels, metrics
from domain.config import Settings
from domain.nowplaying import AzuraCastSource, NowPlaying, Source, SourceError, parse_azuracast
from domain.outbound.backoff import Backoff
from domain.stations.events import HealthState
from domain.stations.store import StationConfig

Deliver = Callable[[NowPlaying], None]

FEED_BACKOFF = (1.0, 60.0)  # first and longest wait between feed reconnects
WEBHOOK_SAFETY_POLL = 60.0  # seconds between REST polls in webhook mode (at least the interval)
# AzuraCast posts on every track change; no post for this long means the webhooks stopped.
WEBHOOK_SILENCE = 15 * 60.0

log = logging.getLogger("crateloop.daemon.watch")


class PollPace:
    """How long from the start of one poll to the next: the station's interval while the source
    answers; while it fails, the interval doubling with jitter up to `cap`, so a broken source
    (and every daemon polling it) is not asked every second. The first good answer resets it."""

    def __init__(self, interval: float, cap: float) -> None:
        self.interval = interval
        self._backoff = Backoff(first=interval, cap=max(cap, interval))

    def after(self, answered: bool) -> float:
        if answered:
            self._backoff.reset()
            return self.interval
        return self._backoff.next()


class StationWatch:
    """Feeds `deliver` with what the station plays; keeps `status` up to date."""

    def __init__(
        self,
        station: StationConfig,
        source: Source,
        status: StationStatus,
        deliver: Deliver,
        *,
        settings: Settings,
        redis: aioredis.Redis,
        safety_poll: float = WEBHOOK_SAFETY_POLL,
        webhook_silence: float = WEBHOOK_SILENCE,
    ) -> None:
        self.station = station
        self.source = source
        self.status = status
        self.deliver = deliver
        self.settings = settings
        self.redis = redis
        self.interval = station.poll_interval
        self.pace = PollPace(station.poll_interval, settings.station_backoff_max_seconds)
        self._poll_error: str | None = None
        self._feed_error: str | None = None
        self._feed_live = False
        self._feed_down = asyncio.Event()
        self._webhook_live = False
        self._safety_poll_every = safety_poll
        self._webhook_silence = webhook_silence
        self._watch_started = time.monotonic()
        self._last_webhook: float | None = None  # time.monotonic() of the last usable webhook
        self._group: asyncio.TaskGroup | None = None

    async def run(self) -> None:
        if isinstance(self.source, AzuraCastSource) and self.station.transport == "push":
            await self._push(self.source)
        elif isinstance(self.source, AzuraCastSource) and self.station.transport == "webhook":
            await self._webhook()
        else:
            await self._poll_forever()

    # Polling --------------------------------------------------------------------------------

    async def poll_once(self) -> bool:
        """One request to the source; True when it answered usably (and was delivered)."""
        try:
            playing = await self.source.poll()
        except SourceError as error:
            self._poll_error = str(error)
            metrics.station_poll(answered=False)
            return False
        self._poll_error = None
        metrics.station_poll(answered=True)
        self.deliver(playing)
        return True

    async def _poll_forever(self) -> None:
        while True:
            started = time.monotonic()
            answered = await self.poll_once()
            if answered:
                self.status.set_state(HealthState.POLLING)
            else:
                self.status.set_state(HealthState.DOWN, self._poll_error)
            # A steady cadence: the wait runs from the start of one poll to the next.
            await asyncio.sleep(max(0.0, self.pace.after(answered) - (time.monotonic() - started)))

    # Push feed ------------------------------------------------------------------------------

    async def _push(self, source: AzuraCastSource) -> None:
        self._feed_down.set()  # poll until the feed proves itself
        async with asyncio.TaskGroup() as group:
            self._group = group
            group.create_task(self._follow_feed(source))
            group.create_task(self._poll_while_feed_down())

    async def _follow_feed(self, source: AzuraCastSource) -> None:
        backoff = Backoff(*FEED_BACKOFF)
        while True:
            try:
                async for playing in source.feed():
                    if not self._feed_live:
                        self._feed_live = True
                        self._feed_down.clear()
                        backoff.reset()
                        self.status.set_state(HealthState.CONNECTED)
                        # The connect frame holds the last message only if it is recent.
                        assert self._group is not None
                        self._group.create_task(self.poll_once())
                    self.deliver(playing)
                error = SourceError("the feed ended")
            except SourceError as failure:
                error = failure
            self._feed_error = f"feed: {error}"
            if self._feed_live:
                self._feed_live = False
                self._feed_down.set()  # the poller reports the new state after its next poll
            await asyncio.sleep(backoff.next())

    async def _poll_while_feed_down(self) -> None:
        while True:
            await self._feed_down.wait()
            started = time.monotonic()
            ok = await self.poll_once()
            if self._feed_live:
                continue  # the feed came back while this poll ran
            if not ok:
                self.status.set_state(HealthState.DOWN, self._poll_error)
            elif self._feed_error is not None:
                self.status.set_state(HealthState.POLLING, self._feed_error)
            # else: starting up, the feed not tried yet: no state worth a log line.
            await asyncio.sleep(max(0.0, self.pace.after(ok) - (time.monotonic() - started)))

    # Webhook --------------------------------------------------------------------------------

    async def _webhook(self) -> None:
        async with asyncio.TaskGroup() as group:
            group.create_task(self._follow_webhooks())
            group.create_task(self._safety_poll())

    async def _follow_webhooks(self) -> None:
        await follow_channel(
            self.redis,
            channels.webhook(self.settings, self.station.slug),
            self._webhook_message,
            on_subscribed=self._webhooks_subscribed,
            on_lost=self._webhooks_lost,
        )

    def _webhooks_subscribed(self) -> None:
        self._webhook_live = True

    def _webhooks_lost(self, error: RedisError | OSError) -> None:
        if self._webhook_live and self.status.state == HealthState.CONNECTED:
            self.status.set_state(HealthState.POLLING, f"webhooks: Redis: {error}")
        self._webhook_live = False

    def _webhook_message(self, data: object) -> None:
        try:
            body = json.loads(data) if isinstance(data, str | bytes) else None
            playing = parse_azuracast(body, self.station.shortcode)
        except (ValueError, SourceError) as error:
            log.warning("station %s: ignoring a webhook body: %s", self.station.slug, error)
            return
        self._last_webhook = time.monotonic()
        self.status.set_state(HealthState.CONNECTED)
        self.deliver(playing)

    async def _safety_poll(self) -> None:
        while True:
            started = time.monotonic()
            polled = await self.poll_once()
            heard = self._last_webhook is not None
            silent_for = started - (self._last_webhook or self._watch_started)
            state, why = webhook_health(heard, silent_for, self._webhook_silence, polled)
            if state is not None:
                self.status.set_state(state, why)
            interval = max(self.interval, self._safety_poll_every)
            await asyncio.sleep(max(0.0, interval - (time.monotonic() - started)))


def webhook_health(
    heard: bool, silent_for: float, silence: float, polled: bool
) -> tuple[HealthState | None, str | None]:
    """A webhook station's health after a safety poll: (state, why), or (None, None) to keep it.

    `heard`: a webhook arrived since the watch started; `silent_for`: seconds since the last one
    (or since the start); `polled`: the safety poll read the station.
    """
    if silent_for < silence:
        if heard:
            return HealthState.CONNECTED, None
        # Waiting for the first webhook: a working poll says so; a failing one is no news yet.
        return (HealthState.POLLING, None) if polled else (None, None)
    minutes = int(silent_for // 60)
    why = (
        f"no webhook for {minutes} min" if heard else f"no webhook in the {minutes} min since start"
    )
    if polled:
        return HealthState.POLLING, f"{why}; polling works"
    return HealthState.DOWN, why
