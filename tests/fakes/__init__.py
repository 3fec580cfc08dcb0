"""Fake outside services for tests: real HTTP servers on 127.0.0.1, each in a daemon thread.

They work from sync tests, async tests and for subprocesses alike: all a client needs is `.url`.
"""

from __future__ import annotations

import itertools
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Generic, Protocol, TypeVar


class LocalServer:
    """A ThreadingHTTPServer on a free 127.0.0.1 port, serving in a daemon thread."""

    def __init__(self, handler: type[BaseHTTPRequestHandler], owner: object) -> None:
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.httpd.owner = owner  # type: ignore[attr-defined]
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self._thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self._thread.join(timeout=5)


class QuietHandler(BaseHTTPRequestHandler):
    """A request handler that does not print every request to stderr."""

    def log_message(self, format: str, *args: object) -> None:
        pass

    def send_body(self, status: int, body: bytes, content_type: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class Timed(Protocol):
    """What a request log needs of its records."""

    started: float
    ended: float | None
    status: int | None


Record = TypeVar("Record", bound=Timed)


class RequestLog(Generic[Record]):
    """A fake's log of what it was asked, for politeness tests: `requests` in order, the most
    that were in flight at once, and the gaps between them (times are `time.monotonic()`)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests: list[Record] = []
        self._in_flight = 0
        self.max_in_flight = 0

    def gaps(self) -> list[float]:
        """Seconds between the end of each request and the start of the next."""
        with self._lock:
            done = sorted(
                (r for r in self.requests if r.ended is not None), key=lambda r: r.started
            )
        return [b.started - a.ended for a, b in itertools.pairwise(done) if a.ended is not None]

    def _forget_requests(self) -> None:
        """Empty the log (the caller holds the lock)."""
        self._in_flight = 0
        self.max_in_flight = 0
        self.requests = []

    def _begin(self, record: Record) -> None:
        with self._lock:
            self.requests.append(record)
            self._in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight)

    def _end(self, record: Record, status: int) -> None:
        with self._lock:
            record.ended = time.monotonic()
            record.status = status
            self._in_flight -= 1
