"""Fake Icecast (`/status-json.xsl`) and SHOUTcast v2 (`/stats?sid=N&json=1`) status servers.

ice = FakeIcecast()
ice.set_sources(icecast_source("/radio.mp3", "Artist - Title"))  # none, one or several
ice.set_raw(b'{"icestats": {"source": {"title": - }}}')         # anything else verbatim
shout = FakeShoutcast()
shout.set_stream(1, "Artist - Title", listeners=4)
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.fakes import LocalServer, QuietHandler

JsonObject = dict[str, Any]


def icecast_source(
    mount: str,
    title: str,
    *,
    artist: str | None = None,
    listeners: int = 2,
    host: str = "127.0.0.1:8000",
) -> JsonObject:
    """One entry of Icecast 2.4's `icestats.source`."""
    source: JsonObject = {
        "audio_info": "bitrate=128",
        "bitrate": 128,
        "genre": "various",
        "listener_peak": listeners + 3,
        "listeners": listeners,
        "listenurl": f"http://{host}{mount}",
        "server_description": "Unspecified description",
        "server_name": f"Stream {mount}",
        "server_type": "audio/mpeg",
        "server_url": "http://localhost/",
        "stream_start": "Mon, 01 Jan 2024 00:00:00 +0000",
        "stream_start_iso8601": "2024-01-01T00:00:00+0000",
        "title": title,
        "dummy": None,
    }
    if artist is not None:
        source["artist"] = artist
    return source


def icecast_status(*sources: JsonObject) -> JsonObject:
    """The whole status document: `source` missing, one object, or an array."""
    stats: JsonObject = {
        "admin": "icemaster@localhost",
        "host": "localhost",
        "location": "Earth",
        "server_id": "Icecast 2.4.4",
        "server_start": "Mon, 01 Jan 2024 00:00:00 +0000",
        "server_start_iso8601": "2024-01-01T00:00:00+0000",
    }
    if len(sources) == 1:
        stats["source"] = sources[0]
    elif sources:
        stats["source"] = list(sources)
    return {"icestats": stats}


def shoutcast_stats(
    songtitle: str, *, listeners: int = 4, status: int = 1, nexttitle: str = ""
) -> JsonObject:
    """SHOUTcast v2 `stats?sid=N&json=1` for one stream."""
    return {
        "currentlisteners": listeners,
        "peaklisteners": listeners + 2,
        "maxlisteners": 100,
        "uniquelisteners": listeners,
        "averagetime": 360,
        "servergenre": "Misc",
        "servergenre2": "",
        "serverurl": "http://localhost",
        "servertitle": "Fake SHOUTcast",
        "songtitle": songtitle,
        "nexttitle": nexttitle,
        "streamhits": 10,
        "streamstatus": status,
        "backupstatus": 0,
        "streamlisted": 0,
        "streamlistederror": 0,
        "streampath": "/stream",
        "streamuptime": 3600,
        "bitrate": "128",
        "samplerate": "44100",
        "content": "audio/mpeg",
        "version": "2.6.1.777 (posix(linux x64))",
    }


class _StatusFake:
    """A status server answering from a settable payload; `set_raw` overrides it verbatim."""

    def __init__(self) -> None:
        self.requests: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._raw: tuple[int, bytes, str] | None = None
        self._server = LocalServer(_Handler, self)
        self.url = self._server.url

    def set_raw(
        self, body: bytes, *, status: int = 200, content_type: str = "application/json"
    ) -> None:
        """Answer every request with exactly this (invalid JSON, an HTML page, a 500, …)."""
        with self._lock:
            self._raw = (status, body, content_type)

    def clear_raw(self) -> None:
        with self._lock:
            self._raw = None

    def answer(self, path: str, query: dict[str, list[str]]) -> tuple[int, bytes, str]:
        with self._lock:
            if self._raw is not None:
                return self._raw
        return self.payload(path, query)

    def payload(self, path: str, query: dict[str, list[str]]) -> tuple[int, bytes, str]:
        raise NotImplementedError

    def close(self) -> None:
        self._server.close()


class FakeIcecast(_StatusFake):
    """Icecast 2.4's `/status-json.xsl`."""

    def __init__(self) -> None:
        self._sources: tuple[JsonObject, ...] = ()
        super().__init__()

    def set_sources(self, *sources: JsonObject) -> None:
        """The mounts on the air (none: the `source` key is missing)."""
        with self._lock:
            self._sources = sources

    def payload(self, path: str, query: dict[str, list[str]]) -> tuple[int, bytes, str]:
        if path != "/status-json.xsl":
            return 404, b"<html><title>404</title></html>", "text/html"
        self.requests["status"] += 1
        with self._lock:
            body = json.dumps(icecast_status(*self._sources)).encode()
        return 200, body, "application/json"


class FakeShoutcast(_StatusFake):
    """SHOUTcast v2's `/stats?sid=N&json=1`."""

    def __init__(self) -> None:
        self._streams: dict[int, JsonObject] = {}
        super().__init__()

    def set_stream(
        self, sid: int, songtitle: str, *, listeners: int = 4, status: int = 1, nexttitle: str = ""
    ) -> None:
        with self._lock:
            self._streams[sid] = shoutcast_stats(
                songtitle, listeners=listeners, status=status, nexttitle=nexttitle
            )

    def payload(self, path: str, query: dict[str, list[str]]) -> tuple[int, bytes, str]:
        if path != "/stats":
            return 404, b"<html><title>404</title></html>", "text/html"
        self.requests["stats"] += 1
        sid = query.get("sid", ["1"])[0]
        with self._lock:
            stream = self._streams.get(int(sid)) if sid.isdigit() else None
        if stream is None:
            # What SHOUTcast answers for an unknown stream id.
            return 200, b"<html><body>Invalid resource</body></html>", "text/html"
        return 200, json.dumps(stream).encode(), "application/json"


class _Handler(QuietHandler):
    def do_GET(self) -> None:
        fake: _StatusFake = self.server.owner  # type: ignore[attr-defined]
        url = urlsplit(self.path)
        status, body, content_type = fake.answer(url.path, parse_qs(url.query))
        self.send_body(status, body, content_type)
