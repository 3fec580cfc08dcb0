"""Live dashboard updates over server-sent events.

Each web process holds ONE Redis pub/sub subscription (pattern `station:*` on the installation's
channels) and fans every daemon event out in memory to the open streams. An event is rendered to
HTML partials once per process, not once per browser, and sent as SSE events named
`card-{slug}`, `health-{slug}` and `plays-{slug}` that the dashboard swaps in (htmx sse extension).
A browser that reconnects (it sends Last-Event-ID) gets the current state at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import time
from collections import defaultdict
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Iterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, tzinfo
from typing import Any, cast

from litestar import Litestar, Request, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import ServerSentEvent, ServerSentEventMessage
from redis.exceptions import RedisError
from sqlalchemy.exc import SQLAlchemyError

from domain import channels
from domain.config import Settings
from domain.outbound.backoff import Backoff
from domain.plays import stats as play_stats
from domain.plays.stats import PlayRow, StationOverview
from domain.resources import Resources, open_redis
from domain.stations.events import Health, NowPlayingCard
from web.accounts.roles import Access, declare
from web.times import request_zone

log = logging.getLogger(__name__)

PING_SECONDS = 15.0  # a comment line this often keeps proxies from closing an idle stream
RETRY_MILLISECONDS = 2000  # how soon a browser reconnects after the stream broke
QUEUE_SIZE = 64  # events waiting for one slow browser; older ones are dropped beyond that
BACKOFF_SECONDS = (0.5, 10.0)
CLOSE_SECONDS = 2.0

Batch = tuple[ServerSentEventMessage, ...]
Listener = asyncio.Queue[Batch | None]
ALL_STATIONS = ""  # the listener key of a stream that wants every station


def _glob_escape(name: str) -> str:
    return "".join("\\" + c if c in "*?[]\\" else c for c in name)


# Rendering --------------------------------------------------------------------------------------


@dataclass
class Update:
    """A daemon event read once, before it is rendered in each zone the open dashboards read."""

    slug: str
    switched: bool = False
    card: NowPlayingCard | None = None
    plays: Sequence[PlayRow] | None = None  # None: the database could not be read
    health_changed: bool = False
    health: Health | None = None


class Partials:
    """Renders a station's card, health and plays as SSE events (the templates the page uses)."""

    _ids = itertools.count(1)

    def __init__(self, app: Litestar) -> None:
        self.app = app

    def _render(self, name: str, zone: tzinfo, **context: Any) -> str:
        template = self.app.template_engine.get_template(name)  # type: ignore[union-attr]
        return str(template.render(display_zone=zone, **context))

    def _event(self, kind: str, slug: str, html: str) -> ServerSentEventMessage:
        # Any id will do: it only makes a reconnecting browser send Last-Event-ID.
        return ServerSentEventMessage(data=html, event=f"{kind}-{slug}", id=next(self._ids))

    def card(
        self, slug: str, card: NowPlayingCard | None, zone: tzinfo = UTC
    ) -> ServerSentEventMessage:
        html = self._render(
            "dashboard/now_playing.html", zone, card=card, slug=slug, now=time.time()
        )
        return self._event("card", slug, html)

    def health(
        self, slug: str, health: Health | None, zone: tzinfo = UTC
    ) -> ServerSentEventMessage:
        html = self._render("dashboard/health.html", zone, health=health)
        return self._event("health", slug, html)

    def plays(
        self, slug: str, plays: Sequence[PlayRow], zone: tzinfo = UTC
    ) -> ServerSentEventMessage:
        html = self._render("dashboard/plays.html", zone, plays=plays)
        return self._event("plays", slug, html)

    def overview(self, station: StationOverview, zone: tzinfo = UTC) -> Batch:
        return (
            self.card(station.slug, station.card, zone),
            self.health(station.slug, station.health, zone),
            self.plays(station.slug, station.plays, zone),
        )

    async def load(self, data: Mapping[str, Any]) -> Update:
        """What a daemon event changes: a switch changes the card and the plays (read here, once),
        a health report the health."""
        slug = cast(str, data["station"])
        update = Update(slug)
        if data.get("event") == "switch":
            update.card = NowPlayingCard.parse(data.get("card"))
            update.switched = True
            try:
                plays = await play_stats.recent_plays(_resources(self.app).sessions, [slug])
            except (SQLAlchemyError, OSError) as error:
                # The card still goes out; the list catches up with the next switch.
                log.warning("live update of %s without its plays: database: %s", slug, error)
            else:
                update.plays = plays[slug]
        if "health" in data:
            update.health = Health.parse(data.get("health"))
            update.health_changed = True
        return update

    def render(self, update: Update, zone: tzinfo = UTC) -> Batch:
        """The partials of a loaded event, times in `zone`."""
        messages = []
        if update.switched:
            messages.append(self.card(update.slug, update.card, zone))
            if update.plays is not None:
                messages.append(self.plays(update.slug, update.plays, zone))
        if update.health_changed:
            messages.append(self.health(update.slug, update.health, zone))
        return tuple(messages)


def _resources(app: Litestar) -> Resources:
    return cast(Resources, app.state.resources)


# The hub ----------------------------------------------------------------------------------------


class LiveHub:
    """One Redis subscription for the process; every open stream listens on an in-memory queue."""

    def __init__(self, settings: Settings, partials: Partials) -> None:
        self.settings = settings
        self.partials = partials
        self.pattern = _glob_escape(channels.station_events_prefix(settings)) + "*"
        self.subscribed = asyncio.Event()  # set while the subscription is up (tests wait on it)
        # Each station's open streams, with the zone each one reads times in.
        self._listeners: defaultdict[str, dict[Listener, tzinfo]] = defaultdict(dict)
        self._task: asyncio.Task[None] | None = None
        self._closing = False

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="live-hub")

    async def close(self) -> None:
        self._closing = True
        # redis-py can swallow a cancellation that lands while it subscribes: cancel again.
        for _ in range(int(CLOSE_SECONDS * 10)):
            if self._task is None or self._task.done():
                break
            self._task.cancel()
            await asyncio.wait({self._task}, timeout=0.1)
        for listener in itertools.chain.from_iterable(self._listeners.values()):
            _offer(listener, None)  # ends the stream

    @contextlib.contextmanager
    def listen(self, station: str = ALL_STATIONS, zone: tzinfo = UTC) -> Iterator[Listener]:
        """A queue of event batches for one station (or all), times in `zone`, while the block
        runs."""
        listener: Listener = asyncio.Queue(QUEUE_SIZE)
        self._listeners[station][listener] = zone
        try:
            yield listener
        finally:
            self._listeners[station].pop(listener, None)
            if not self._listeners[station]:
                del self._listeners[station]

    def listener_count(self) -> int:
        return sum(len(group) for group in self._listeners.values())

    def _watching(self, station: str) -> dict[Listener, tzinfo]:
        return {**self._listeners.get(station, {}), **self._listeners.get(ALL_STATIONS, {})}

    async def dispatch(self, raw: bytes | str) -> None:
        """Render one daemon event and hand it to every stream that shows its station."""
        try:
            data = json.loads(raw)
        except ValueError:
            log.warning("ignoring a live event that is not JSON: %.80r", raw)
            return
        station = data.get("station") if isinstance(data, dict) else None
        if not isinstance(station, str) or not station:
            log.warning("ignoring a live event without a station: %.80r", raw)
            return
        watching = self._watching(station)
        if not watching:
            return  # nobody watches: skip the rendering and the database
        update = await self.partials.load(data)
        # Rendered once per zone, not once per browser: most installations read in one zone.
        for zone in set(watching.values()):
            batch = self.partials.render(update, zone)
            for listener, listener_zone in watching.items():
                if batch and listener_zone == zone:
                    _offer(listener, batch)

    async def _run(self) -> None:
        """Subscribe, listen, and on a Redis failure log once and retry with backoff and jitter."""
        backoff = Backoff(*BACKOFF_SECONDS)
        down = False
        while not self._closing:
            client = open_redis(self.settings, listen=True)
            pubsub = client.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.psubscribe(self.pattern)
                self.subscribed.set()
                if down:
                    log.info("live updates: Redis is back")
                down = False
                backoff.reset()
                async for message in pubsub.listen():
                    if message.get("type") == "pmessage":
                        await self.dispatch(message["data"])
            except (RedisError, OSError) as error:
                self.subscribed.clear()
                if not down:
                    log.warning("live updates paused: Redis: %s (retrying)", error)
                    down = True
            finally:
                with contextlib.suppress(RedisError, OSError, TimeoutError):
                    async with asyncio.timeout(CLOSE_SECONDS):
                        await pubsub.aclose()  # type: ignore[no-untyped-call]
                        await client.aclose()
            await asyncio.sleep(backoff.next())


def _offer(listener: Listener, item: Batch | None) -> None:
    """Queue without waiting: a browser that does not read loses its oldest events, not ours."""
    if listener.full():
        listener.get_nowait()
    listener.put_nowait(item)


def live_updates(
    settings: Settings,
) -> Callable[[Litestar], contextlib.AbstractAsyncContextManager[None]]:
    """The app lifespan that runs the process's LiveHub (after the one that sets up the mapper)."""

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        hub = LiveHub(settings, Partials(app))
        app.state.live_hub = hub
        hub.start()
        try:
            yield
        finally:
            await hub.close()

    return lifespan


# The streams ------------------------------------------------------------------------------------


async def event_stream(
    hub: LiveHub, station: str, catch_up: Sequence[Batch], zone: tzinfo = UTC
) -> AsyncGenerator[ServerSentEventMessage, None]:
    """A browser's stream: a first comment once listening, `catch_up`, then events and pings
    (times in `zone`); closing the generator (the browser went away) stops the listening."""
    with hub.listen(station, zone) as listener:
        # The first line tells the client it is registered: events published from now on arrive.
        yield ServerSentEventMessage(comment="connected", retry=RETRY_MILLISECONDS, data=None)
        for batch in catch_up:
            for message in batch:
                yield message
        while True:
            try:
                news = await asyncio.wait_for(listener.get(), PING_SECONDS)
            except TimeoutError:
                yield ServerSentEventMessage(comment="ping", data=None)
                continue
            if news is None:
                return
            for message in news:
                yield message


async def _catch_up(request: Request[Any, Any, Any], station: str | None) -> list[Batch]:
    """The current state for a browser that reconnects (it may have missed events)."""
    if "last-event-id" not in request.headers:
        return []
    hub, zone = _hub(request), request_zone(request)
    stations = await play_stats.station_overviews(_resources(request.app).sessions)
    return [hub.partials.overview(s, zone) for s in stations if station in (None, s.slug)]


def _hub(request: Request[Any, Any, Any]) -> LiveHub:
    return cast(LiveHub, request.app.state.live_hub)


@get("/live/stations", name="live_stations", opt=declare(Access.DASHBOARD))
async def all_stations(request: Request[Any, Any, Any]) -> ServerSentEvent:
    """Every station's events on one stream: a browser allows few connections per server."""
    catch_up = await _catch_up(request, None)
    return ServerSentEvent(
        event_stream(_hub(request), ALL_STATIONS, catch_up, request_zone(request))
    )


@get("/live/stations/{slug:str}", name="live_station", opt=declare(Access.DASHBOARD))
async def one_station(request: Request[Any, Any, Any], slug: FromPath[str]) -> ServerSentEvent:
    """One station's events."""
    choices = await play_stats.station_choices(_resources(request.app).sessions)
    if slug not in {choice for choice, _ in choices}:
        raise NotFoundException(f"no station {slug!r}")
    catch_up = await _catch_up(request, slug)
    return ServerSentEvent(event_stream(_hub(request), slug, catch_up, request_zone(request)))


ROUTES = [all_stations, one_station]
