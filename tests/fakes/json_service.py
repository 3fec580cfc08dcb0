"""What the fake music databases (musicbrainz.py, discogs.py) share: one HTTP server answering
JSON by path, a request log, and the faults real services play.

service.route("/releases/1", Reply(200, {...}))   # several replies: in order, the last repeats
service.faults([storm(), storm(), Reply(200, {})])  # the next requests, whatever their path
service.requests, service.gaps(), service.max_in_flight  # the log, for politeness tests
The faults real services play: `storm()` (503), `retry_after(86400)` (429), `invalid_json()`,
`html_error()` (502 from a proxy), `html_page()` (200), `empty_body()`, `stall()`, `unauthorized()`.

Times in the log are `time.monotonic()` of this process.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.fakes import LocalServer, QuietHandler, RequestLog

JSON = "application/json; charset=utf-8"
HTML = "text/html; charset=utf-8"
HTML_ERROR = (
    "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head>"
    "<body><h1>502 Bad Gateway</h1><hr><center>nginx</center></body></html>"
)


@dataclass(frozen=True)
class Reply:
    """One answer; a dict or list body is sent as JSON. `delay` seconds pass before it is sent."""

    status: int = 200
    body: Any = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    delay: float = 0.0
    content_type: str = JSON

    def body_bytes(self) -> bytes:
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode()
        return json.dumps(self.body).encode()


def storm(message: str = "Your requests are exceeding the allowable rate limit.") -> Reply:
    return Reply(503, {"error": message})


def retry_after(seconds: int, status: int = 429) -> Reply:
    return Reply(
        status, {"message": "You are making requests too quickly."}, {"Retry-After": str(seconds)}
    )


def invalid_json() -> Reply:
    return Reply(200, '{"recordings": [{"id": "x", "title": ')


def html_error(status: int = 502) -> Reply:
    return Reply(status, HTML_ERROR, content_type=HTML)


def html_page() -> Reply:
    """An HTML page with a 200 (a captive portal, a proxy's error page)."""
    return Reply(200, "<html><body>Please log in to the network</body></html>", content_type=HTML)


def empty_body() -> Reply:
    return Reply(200, b"")


def stall(seconds: float = 5.0) -> Reply:
    return Reply(200, {}, delay=seconds)


def unauthorized() -> Reply:
    return Reply(401, {"message": "You must authenticate to access this resource."})


@dataclass
class RequestRecord:
    """One request as the fake saw it."""

    method: str
    path: str  # without the query
    query: dict[str, str]
    headers: dict[str, str]  # names in lower case
    started: float
    ended: float | None = None
    status: int | None = None


# Answers a request the routes do not know: (path, query) → reply.
Fallback = Callable[[str, dict[str, str]], Reply]


class FakeJsonService(RequestLog[RequestRecord]):
    """A JSON service on 127.0.0.1 (`url`); subclasses add the real service's routes."""

    def __init__(self) -> None:
        super().__init__()
        self._routes: dict[str, list[Reply]] = {}
        self._faults: list[Reply] = []
        self._server = LocalServer(_Handler, self)
        self.url = self._server.url

    def reset(self) -> None:
        """Forget routes, faults and the log."""
        with self._lock:
            self._routes.clear()
            self._faults = []
            self._forget_requests()

    def route(self, path: str, *replies: Reply) -> None:
        """Answer requests to `path` (any query) with `replies` in order; the last one repeats."""
        with self._lock:
            self._routes[path] = list(replies)

    def faults(self, replies: list[Reply]) -> None:
        """Answer the next requests, whatever their path, with `replies` in order; once they
        are used up the routes answer again (an empty list ends the faults at once)."""
        with self._lock:
            self._faults = list(replies)

    def close(self) -> None:
        self._server.close()

    def answer(self, path: str, query: dict[str, str]) -> Reply:
        """What the service answers where no route or fault says otherwise (404)."""
        return Reply(404, {"error": "Not Found"})

    def extra_headers(self) -> dict[str, str]:
        """Headers the service adds to every answer."""
        return {}

    def answer_request(self, record: RequestRecord) -> Reply:
        """What the service answers a request no route or fault answers: `answer` by default;
        a service that reads the method or headers (a token) overrides this."""
        return self.answer(record.path, record.query)

    def _reply(self, record: RequestRecord) -> Reply:
        with self._lock:
            if self._faults:
                return self._faults.pop(0)
            replies = self._routes.get(record.path)
            if replies:
                return replies.pop(0) if len(replies) > 1 else replies[0]
        return self.answer_request(record)


class _Handler(QuietHandler):
    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        """A form POST (Spotify's token): its fields are logged with the query's."""
        length = int(self.headers.get("Content-Length") or 0)
        form = self.rfile.read(length).decode() if length else ""
        self._serve("POST", {k: v[0] for k, v in parse_qs(form).items()})

    def _serve(self, method: str, form: dict[str, str] | None = None) -> None:
        fake: FakeJsonService = self.server.owner  # type: ignore[attr-defined]
        parts = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        record = RequestRecord(
            method=method,
            path=parts.path,
            query={**query, **(form or {})},
            headers={k.lower(): v for k, v in self.headers.items()},
            started=time.monotonic(),
        )
        fake._begin(record)
        reply = fake._reply(record)
        try:
            if reply.delay:
                time.sleep(reply.delay)  # a stalling service on purpose: what the reply asks for
            body = reply.body_bytes()
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            for name, value in {**fake.extra_headers(), **reply.headers}.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout): what the stall tests provoke
        finally:
            fake._end(record, reply.status)
