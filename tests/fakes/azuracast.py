"""A fake AzuraCast station server: REST, static JSON and the SSE push feed, with failure modes.

    fake = FakeAzuraCast("radio", ping_interval=0.5)
    fake.url                           # http://127.0.0.1:PORT, usable by a subprocess too
    fake.set_track("Artist", "Title")  # new play: REST/static change, pub on every open feed
    fake.fail("500")                   # see MODES; fake.recover() ends it
    fake.requests["sse"]               # requests per endpoint (ENDPOINTS)
    fake.close()

Payloads follow AzuraCast's real shapes (docs/architecture.md); the builders
(`now_playing_object`, `song_object`) are public so parser tests share the same shapes.
"""

from __future__ import annotations

import copy
import json
import select
import socket
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qs, urlsplit

from domain.loops.keys import OFFLINE_SONG_ID, song_id_from_text
from tests.fakes import LocalServer, QuietHandler
from tests.waiting import wait_until_async

ENDPOINTS = ("nowplaying", "nowplaying_all", "static", "sse", "art")
# drop: close open feeds and refuse new ones (REST keeps working); stall: accept, send nothing;
# 500 / html (a 200 HTML page) / invalid_json / huge (2 MB): what the endpoints answer;
# array: a list of stations where one object is due; missing_fields / null_fields: old servers.
MODES = (
    "drop",
    "stall",
    "500",
    "invalid_json",
    "html",
    "huge",
    "array",
    "missing_fields",
    "null_fields",
)
_DEFAULT_ENDPOINTS = {"drop": ("sse",), "array": ("nowplaying", "static")}
HTML_PAGE = (
    b"<!DOCTYPE html><html><head><title>Site under maintenance</title></head>"
    b"<body><h1>We'll be right back</h1></body></html>"
)

JsonObject = dict[str, Any]
# A real 2x2 red PNG (made by ffmpeg): what `song.art` URLs answer (`fake.art`, `fake.art_type`).
ART_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000002000000020802000000fdd49a7300000009704859730000"
    "000100000001004f25c4d60000001049444154789c63f8cbc000440c100a001fae03f5f6182a5900000000"
    "49454e44ae426082"
)
STATION_NOT_FOUND = b'{"code":404,"type":"NotFoundException","message":"Station not found."}'


def song_object(
    artist: str, title: str, *, base_url: str = "", album: str = "", song_id: str | None = None
) -> JsonObject:
    """AzuraCast's `song` object for a track."""
    text = f"{artist} - {title}" if artist else title
    sid = song_id or song_id_from_text(text)
    return {
        "id": sid,
        "art": f"{base_url}/api/station/1/art/{sid}-1700000000.jpg",
        "custom_fields": [],
        "text": text,
        "artist": artist,
        "title": title,
        "album": album,
        "genre": "",
        "isrc": "",
        "lyrics": "",
    }


def now_playing_object(
    artist: str,
    title: str,
    *,
    shortcode: str = "radio",
    name: str = "Fake Radio",
    station_id: int = 1,
    base_url: str = "http://127.0.0.1",
    sh_id: int = 1,
    played_at: float | None = None,
    duration: float = 180.0,
    live: str | None = None,
    online: bool = True,
    next: tuple[str, str] | None = None,
    album: str = "",
    listeners: int = 3,
    song_id: str | None = None,
) -> JsonObject:
    """A full now-playing object as AzuraCast 0.19+ sends it (REST, static, feed, webhook)."""
    played = time.time() if played_at is None else played_at
    if online:
        song = song_object(artist, title, base_url=base_url, album=album, song_id=song_id)
    else:
        song = song_object("", "Station Offline", base_url=base_url, song_id=OFFLINE_SONG_ID)
        sh_id, duration, listeners, live, next = 0, 0, 0, None, None
    elapsed = max(0, int(time.time() - played))
    station = {
        "id": station_id,
        "name": name,
        "shortcode": shortcode,
        "description": "",
        "frontend": "icecast",
        "backend": "liquidsoap",
        "timezone": "UTC",
        "listen_url": f"{base_url}/listen/{shortcode}/radio.mp3",
        "url": "",
        "public_player_url": f"{base_url}/public/{shortcode}",
        "playlist_pls_url": f"{base_url}/public/{shortcode}/playlist.pls",
        "playlist_m3u_url": f"{base_url}/public/{shortcode}/playlist.m3u",
        "is_public": True,
        "mounts": [],
        "remotes": [],
        "hls_enabled": False,
        "hls_is_default": False,
        "hls_url": None,
        "hls_listeners": 0,
    }
    return {
        "station": station,
        "listeners": {"total": listeners, "unique": listeners, "current": listeners},
        "live": {
            "is_live": live is not None,
            "streamer_name": live or "",
            "broadcast_start": int(played) if live else None,
            "art": None,
        },
        "now_playing": {
            "sh_id": sh_id,
            "played_at": int(played),
            "duration": int(duration),
            "playlist": "" if live or not online else "default",
            "streamer": live or "",
            "is_request": False,
            "song": song,
            "elapsed": min(elapsed, int(duration)),
            "remaining": max(0, int(duration) - elapsed),
        },
        "playing_next": (
            {
                "cued_at": int(played + duration - 10),
                "played_at": int(played + duration),
                "duration": 200,
                "playlist": "default",
                "is_request": False,
                "song": song_object(*next, base_url=base_url),
            }
            if next
            else None
        ),
        "song_history": [],
        "is_online": online,
        "cache": None,
    }


def missing_fields(np: JsonObject) -> JsonObject:
    """The object an old or trimmed server sends: no ids, no live block, just the song text."""
    song = np["now_playing"]["song"]
    return {
        "station": {"name": np["station"]["name"], "shortcode": np["station"]["shortcode"]},
        "listeners": {"current": np["listeners"]["current"]},
        "now_playing": {"song": {"text": song["text"]}, "extra_field": {"ignored": True}},
    }


def null_fields(np: JsonObject) -> JsonObject:
    """The object with every optional field null (sh_id and the song text kept)."""
    out = copy.deepcopy(np)
    out["listeners"] = out["live"] = out["playing_next"] = out["song_history"] = None
    out["cache"] = out["is_online"] = None
    now = out["now_playing"]
    for key in ("played_at", "duration", "playlist", "streamer", "elapsed", "remaining"):
        now[key] = None
    for key in ("id", "art", "artist", "title", "album", "custom_fields", "genre", "isrc"):
        now["song"][key] = None
    return out


def _shaped(message: JsonObject, mode: str | None) -> JsonObject:
    """A feed message with its now-playing object in the shape `mode` asks for."""
    if mode == "missing_fields":
        return {**message, "np": missing_fields(message["np"])}
    if mode == "null_fields":
        return {**message, "np": null_fields(message["np"])}
    return message


class _FeedClient:
    def __init__(self) -> None:
        self.queue: list[bytes | JsonObject] = []  # raw bytes, or a MSG to send as a pub
        self.dropped = False


class FakeAzuraCast:
    """A fake AzuraCast with one station, on a real 127.0.0.1 port (see the module docstring)."""

    def __init__(
        self,
        shortcode: str = "radio",
        *,
        name: str = "Fake Radio",
        station_id: int = 1,
        ping_interval: float = 25.0,
        recover_window: float = 30.0,
    ) -> None:
        self.shortcode = shortcode
        self.name = name
        self.station_id = station_id
        self.ping_interval = ping_interval
        self.recover_window = recover_window  # the connect frame holds the last message if newer
        self.requests: Counter[str] = Counter()
        self.last_headers: dict[str, dict[str, str]] = {}
        self.cf_connects: list[object] = []  # every cf_connect query the feed received, decoded
        self._cond = threading.Condition()
        self._clients: set[_FeedClient] = set()
        self._mode: str | None = None
        self._mode_endpoints: frozenset[str] = frozenset()
        self._closed = False
        self._offset = 0
        self._next_sh_id = 0
        self._last_message: tuple[float, JsonObject] | None = None
        self._server = LocalServer(_Handler, self)
        self.url = self._server.url
        self.np: JsonObject = {}
        self.art = ART_PNG
        self.art_type = "image/png"
        self.set_track("Fake Artist", "Warm Up")

    @property
    def channel(self) -> str:
        return f"station:{self.shortcode}"

    # -- the station ---------------------------------------------------------------------

    def set_track(
        self,
        artist: str,
        title: str,
        *,
        sh_id: int | None = None,
        played_at: float | None = None,
        duration: float = 180.0,
        live: str | None = None,
        online: bool = True,
        next: tuple[str, str] | None = None,
        album: str = "",
        listeners: int = 3,
        song_id: str | None = None,
    ) -> JsonObject:
        """Start a new play: REST and static JSON change, and every open feed gets a pub."""
        with self._cond:
            if sh_id is None:
                self._next_sh_id += 1
                sh_id = self._next_sh_id
            np = now_playing_object(
                artist,
                title,
                shortcode=self.shortcode,
                name=self.name,
                station_id=self.station_id,
                base_url=self.url,
                sh_id=sh_id,
                played_at=played_at,
                duration=duration,
                live=live,
                online=online,
                next=next,
                album=album,
                listeners=listeners,
                song_id=song_id,
            )
            self.np = np
            self._publish(np, ["song_changed"])
            return np

    def set_offline(self) -> JsonObject:
        """The station stops: is_online false, sh_id 0, AzuraCast's offline song."""
        return self.set_track("", "", online=False)

    def republish(self) -> None:
        """Send the current message again, as AzuraCast does every cycle without a change."""
        with self._cond:
            self._publish(self.np, [])

    def send_frame(self, frame: object) -> None:
        """Push one raw feed frame (e.g. `{"disconnect": {...}}`) to every open feed."""
        self.send_raw(f"data: {json.dumps(frame)}\n\n".encode())

    def send_raw(self, data: bytes) -> None:
        """Push raw bytes to every open feed (for SSE framing tests)."""
        with self._cond:
            for client in self._clients:
                client.queue.append(data)
            self._cond.notify_all()

    def _publish(self, np: JsonObject, triggers: list[str]) -> None:
        message = {"np": np, "triggers": triggers, "current_time": int(time.time())}
        self._last_message = (time.monotonic(), message)
        for client in self._clients:
            client.queue.append(message)
        self._cond.notify_all()

    # -- failures ------------------------------------------------------------------------

    def fail(self, mode: str, endpoints: Collection[str] | None = None) -> None:
        """Misbehave in `mode` (one of MODES) on `endpoints` (default: where the mode applies)."""
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}; one of {MODES}")
        chosen = frozenset(endpoints or _DEFAULT_ENDPOINTS.get(mode, ENDPOINTS))
        if unknown := chosen - set(ENDPOINTS):
            raise ValueError(f"unknown endpoints {sorted(unknown)}; known: {ENDPOINTS}")
        with self._cond:
            self._mode, self._mode_endpoints = mode, chosen
            if mode == "drop" and "sse" in chosen:
                for client in self._clients:
                    client.dropped = True
            self._cond.notify_all()

    def recover(self) -> None:
        """Behave again."""
        with self._cond:
            self._mode, self._mode_endpoints = None, frozenset()
            self._cond.notify_all()

    def mode_for(self, endpoint: str) -> str | None:
        with self._cond:
            return self._mode if endpoint in self._mode_endpoints else None

    # -- feed clients --------------------------------------------------------------------

    @property
    def sse_clients(self) -> int:
        with self._cond:
            return len(self._clients)

    def wait_for_sse_client(self, count: int = 1, timeout: float = 5.0) -> None:
        """Block until at least `count` feeds are open (from sync code or a thread)."""
        with self._cond:
            if not self._cond.wait_for(lambda: len(self._clients) >= count, timeout):
                raise TimeoutError(f"{len(self._clients)} feed clients after {timeout} s")

    def wait_for_sse_disconnect(self, remaining: int = 0, timeout: float = 5.0) -> None:
        """Block until at most `remaining` feeds are still open."""
        with self._cond:
            if not self._cond.wait_for(lambda: len(self._clients) <= remaining, timeout):
                raise TimeoutError(f"{len(self._clients)} feed clients after {timeout} s")

    async def wait_for_sse_client_async(self, count: int = 1, within: float = 5.0) -> None:
        """The same for async tests, without blocking their event loop."""
        await wait_until_async(
            lambda: self.sse_clients >= count, within, f"{count} feed client(s)", every=0.01
        )

    @contextmanager
    def _feed_client(self) -> Iterator[tuple[_FeedClient, JsonObject]]:
        client = _FeedClient()
        with self._cond:
            self._offset += 1
            sub: JsonObject = {
                "recoverable": True,
                "epoch": "fake",
                "offset": self._offset,
                "positioned": True,
            }
            last = self._last_message
            if last and time.monotonic() - last[0] < self.recover_window:
                sub["publications"] = [{"data": last[1], "offset": self._offset}]
            connect = {
                "connect": {
                    "client": str(uuid.uuid4()),
                    "version": "5.4.9",
                    "subs": {self.channel: sub},
                    "ping": self.ping_interval,
                    "session": str(uuid.uuid4()),
                    "time": int(time.time() * 1000),
                }
            }
            self._clients.add(client)
            self._cond.notify_all()
        try:
            yield client, connect
        finally:
            with self._cond:
                self._clients.discard(client)
                self._cond.notify_all()

    def _next_feed_items(
        self, client: _FeedClient, ping_at: float, gone: Callable[[], bool]
    ) -> list[bytes | JsonObject]:
        """Wait for something to send; [] = time to ping; raises EOFError when the feed ends."""
        with self._cond:
            while not (client.queue or client.dropped or self._closed):
                left = ping_at - time.monotonic()
                if left <= 0:
                    break
                # Wake up now and then to notice a client that hung up, so sse_clients is true.
                self._cond.wait(min(left, 0.1))
                if gone():
                    raise EOFError
            if client.dropped or self._closed:
                raise EOFError
            items, client.queue = client.queue, []
            return items

    def _wait_while_stalled(self, endpoint: str) -> None:
        with self._cond:
            self._cond.wait_for(lambda: self._closed or self.mode_for(endpoint) != "stall")

    def close(self) -> None:
        """Stop the server and end every open feed."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        self._server.close()

    def __enter__(self) -> FakeAzuraCast:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _Handler(QuietHandler):
    server_version = "nginx"

    @property
    def fake(self) -> FakeAzuraCast:
        return self.server.owner  # type: ignore[attr-defined, no-any-return]

    def do_GET(self) -> None:
        fake = self.fake
        url = urlsplit(self.path)
        sc = fake.shortcode
        routes = {
            f"/api/nowplaying/{sc}": "nowplaying",
            "/api/nowplaying": "nowplaying_all",
            f"/api/nowplaying_static/{sc}.json": "static",
            "/api/live/nowplaying/sse": "sse",
        }
        endpoint = routes.get(url.path.rstrip("/") or "/")
        if url.path.startswith(f"/api/station/{fake.station_id}/art/"):
            endpoint = "art"
        if endpoint is None:
            if url.path.startswith("/api/nowplaying/"):
                self.send_body(404, STATION_NOT_FOUND)
            else:
                self.send_body(404, b"<html><title>404 Not Found</title></html>", "text/html")
            return
        fake.requests[endpoint] += 1
        fake.last_headers[endpoint] = dict(self.headers.items())
        mode = fake.mode_for(endpoint)
        try:
            if mode == "stall":
                fake._wait_while_stalled(endpoint)
                self.close_connection = True
            elif mode == "drop":
                self.close_connection = True
            elif endpoint == "sse":
                self._feed(url.query, mode)
            elif endpoint == "art":
                self.send_body(200, fake.art, fake.art_type)
            else:
                self._rest(endpoint, mode)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client went away, which is its right

    def _rest(self, endpoint: str, mode: str | None) -> None:
        fake = self.fake
        if mode == "500":
            body = b'{"code":500,"type":"Exception","message":"Internal server error"}'
            self.send_body(500, body)
            return
        if mode == "html":
            self.send_body(200, HTML_PAGE, "text/html; charset=UTF-8")
            return
        if mode == "invalid_json":
            self.send_body(200, json.dumps(fake.np).encode()[:200])
            return
        if mode == "huge":
            # No Content-Length: the reader must cap the body while streaming it.
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"padding": "')
            for _ in range(64):
                self.wfile.write(b"x" * 32768)
            self.wfile.write(b'"}')
            return
        np = fake.np
        if mode == "missing_fields":
            np = missing_fields(np)
        elif mode == "null_fields":
            np = null_fields(np)
        other = now_playing_object("Someone Else", "Other Song", shortcode="other", station_id=2)
        payload: object = np
        if endpoint == "nowplaying_all" or mode == "array":
            payload = [other, np]
        self.send_body(200, json.dumps(payload).encode())

    def _feed(self, query: str, mode: str | None) -> None:
        fake = self.fake
        raw = parse_qs(query).get("cf_connect", [""])[0]
        try:
            cf_connect: object = json.loads(raw)
        except json.JSONDecodeError:
            cf_connect = raw
        fake.cf_connects.append(cf_connect)
        sub = cf_connect.get("subs", {}).get(fake.channel) if isinstance(cf_connect, dict) else None
        if not isinstance(sub, dict) or sub.get("recover") is not True:
            body = f'{{"error": "cf_connect must subscribe to {fake.channel} with recover"}}'
            self.send_body(400, body.encode())
            return
        if mode == "500":
            self.send_body(500, b'{"error": "internal"}')
            return
        if mode == "html":
            self.send_body(200, HTML_PAGE, "text/html; charset=UTF-8")
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        with fake._feed_client() as (client, connect):
            for publication in connect["connect"]["subs"][fake.channel].get("publications", []):
                publication["data"] = _shaped(publication["data"], mode)
            self._send_event(connect)
            ping_at = time.monotonic() + fake.ping_interval
            while True:
                try:
                    items = fake._next_feed_items(client, ping_at, self._client_gone)
                except EOFError:
                    return
                mode = fake.mode_for("sse")
                if mode == "stall":
                    ping_at = time.monotonic() + fake.ping_interval
                    continue
                if not items:
                    self._send_event({})
                    ping_at = time.monotonic() + fake.ping_interval
                for item in items:
                    if isinstance(item, bytes):
                        self.wfile.write(item)
                    else:
                        self._send_pub(item, mode)
                self.wfile.flush()

    def _client_gone(self) -> bool:
        readable, _, _ = select.select([self.connection], [], [], 0)
        if not readable:
            return False
        try:
            return bool(self.connection.recv(1, socket.MSG_PEEK) == b"")
        except OSError:
            return True

    def _send_pub(self, message: JsonObject, mode: str | None) -> None:
        fake = self.fake
        if mode == "invalid_json":
            self.wfile.write(b'data: {"channel": "' + fake.channel.encode() + b'", "pub": {\n\n')
            return
        if mode == "huge":
            self.wfile.write(b'data: {"padding": "' + b"x" * (2 * 1024 * 1024) + b'"}\n\n')
            return
        self._send_event({"channel": fake.channel, "pub": {"data": _shaped(message, mode)}})

    def _send_event(self, frame: object) -> None:
        self.wfile.write(f"data: {json.dumps(frame)}\n\n".encode())
        self.wfile.flush()
