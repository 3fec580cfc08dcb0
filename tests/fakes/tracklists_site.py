"""A fake 1001tracklists site and its short-link host (`1001.tl`): two real HTTP servers.

site = FakeTracklistsSite()                     # site.url, site.short_url
site.page("/tracklist/1abc/x.html", html)      # 200 text/html; also status=, headers=, delay=
site.sequence("/tracklist/2/y.html", [Reply(500), Reply(200, body=html)])  # in order, last repeats
site.redirect("/old.html", "https://elsewhere.example/")       # 301 + Location
site.huge("/big.html", size=10 * 1024 * 1024)      # streamed body, never held in memory
site.robots("User-agent: *\\nDisallow: /tracklist/x/")  # None: robots.txt answers 404
site.search(9, "adam beyer", html)      # POST /search/result.php (9 tracklists, 8 DJs, 11 sources)
site.short_link("1abc")                 # short_url/1abc → 301 to the registered /tracklist/1abc/…
site.requests, site.max_in_flight, site.gaps()  # the request log (both hosts), for politeness tests
site.reset()                            # forget everything between tests

Unknown paths answer 404. Times in the log are `time.monotonic()` of this process.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

from tests.fakes import LocalServer, QuietHandler, RequestLog

HTML = "text/html; charset=utf-8"
SEARCH_PATH = "/search/result.php"
DEFAULT_ROBOTS = "User-agent: *\nDisallow: /login/\nDisallow: /admin/\n"
NOT_FOUND = (
    b"<!DOCTYPE html><html><head><title>404 Not Found</title></head><body>Not found</body></html>"
)
CHUNK = 64 * 1024


@dataclass(frozen=True)
class Reply:
    """One answer: status, body, headers; `delay` seconds before anything is sent.

    `size` instead of `body` streams that many bytes of filler HTML (for size caps); with
    `declare_length=False` it is sent without Content-Length (read until the connection closes).
    """

    status: int = 200
    body: bytes | str = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    delay: float = 0.0
    content_type: str = HTML
    size: int | None = None
    declare_length: bool = True

    def body_bytes(self) -> bytes:
        return self.body.encode() if isinstance(self.body, str) else self.body


@dataclass
class RequestRecord:
    """One request as the fake saw it."""

    host: str  # "site" or "short"
    method: str
    path: str  # with the query string, as requested
    headers: dict[str, str]
    form: dict[str, str]
    started: float
    ended: float | None = None
    status: int | None = None


class FakeTracklistsSite(RequestLog[RequestRecord]):
    """The fake site (`url`) and short-link host (`short_url`), sharing one request log."""

    def __init__(self) -> None:
        super().__init__()
        self._routes: dict[str, list[Reply]] = {}
        self._searches: dict[tuple[str, str], Reply] = {}
        self._shorts: dict[str, str] = {}
        self._robots: Reply | None = None
        self.reset()
        self._site = LocalServer(_SiteHandler, self)
        self._short = LocalServer(_ShortHandler, self)
        self.url = self._site.url
        self.short_url = self._short.url

    # --- what the site serves -------------------------------------------------------------

    def reset(self) -> None:
        """Forget pages, searches, short links and the log; robots.txt back to the default."""
        with self._lock:
            self._routes.clear()
            self._searches.clear()
            self._shorts.clear()
            self._robots = Reply(200, DEFAULT_ROBOTS, content_type="text/plain")
            self._forget_requests()

    def page(
        self,
        path: str,
        body: bytes | str,
        *,
        status: int = 200,
        headers: Mapping[str, str] | None = None,
        delay: float = 0.0,
        content_type: str = HTML,
    ) -> str:
        """Serve `body` at `path` (may include a query string); returns the absolute URL."""
        reply = Reply(status, body, dict(headers or {}), delay, content_type)
        return self.sequence(path, [reply])

    def sequence(self, path: str, replies: Sequence[Reply]) -> str:
        """Answer successive requests to `path` with `replies` in order; the last one repeats."""
        if not replies:
            raise ValueError("sequence() needs at least one reply")
        with self._lock:
            self._routes[path] = list(replies)
        return self.url + path

    def redirect(self, path: str, location: str, *, status: int = 301) -> str:
        return self.sequence(path, [Reply(status, b"", {"Location": location})])

    def huge(self, path: str, *, size: int = 10 * 1024 * 1024, declare_length: bool = True) -> str:
        """A page of `size` bytes, streamed (declared or not in Content-Length)."""
        return self.sequence(path, [Reply(200, size=size, declare_length=declare_length)])

    def robots(self, text: str | None, *, status: int = 200, delay: float = 0.0) -> None:
        """robots.txt's text; None answers 404 (no robots.txt: everything allowed)."""
        with self._lock:
            if text is None:
                self._robots = None
            else:
                self._robots = Reply(status, text, content_type="text/plain", delay=delay)

    def search(
        self, selection: int | str, query: str, body: bytes | str, *, status: int = 200
    ) -> None:
        """The results page for `main_search=query` with `search_selection=selection`."""
        with self._lock:
            self._searches[(str(selection), query.strip().lower())] = Reply(status, body)

    def short_link(self, short_id: str, location: str | None = None) -> str:
        """`short_url/<id>` → 301 to `location` (default: the registered `/tracklist/<id>/…`)."""
        with self._lock:
            if location is None:
                prefix = f"/tracklist/{short_id}/"
                paths = [p for p in self._routes if p.startswith(prefix)]
                if not paths:
                    raise LookupError(f"no page registered under {prefix}")
                location = self.url + paths[0]
            self._shorts[short_id] = location
        return f"{self.short_url}/{short_id}"

    # --- the log ----------------------------------------------------------------------------

    def paths(self, host: str = "site") -> list[str]:
        """The requested paths on one host, in order (robots.txt included)."""
        with self._lock:
            return [r.path for r in self.requests if r.host == host]

    def page_requests(self) -> list[RequestRecord]:
        """Every request except robots.txt, on both hosts."""
        with self._lock:
            return [r for r in self.requests if r.path != "/robots.txt"]

    def close(self) -> None:
        self._site.close()
        self._short.close()

    # --- used by the handlers ---------------------------------------------------------------

    def _site_reply(self, method: str, path: str, form: dict[str, str]) -> Reply:
        with self._lock:
            if urlsplit(path).path == "/robots.txt":
                return self._robots or Reply(404, NOT_FOUND)
            if method == "POST" and urlsplit(path).path == SEARCH_PATH:
                key = (
                    form.get("search_selection", ""),
                    form.get("main_search", "").strip().lower(),
                )
                found = self._searches.get(key)
                if found is not None:
                    return found
                return Reply(200, _empty_search_page())
            replies = self._routes.get(path) or self._routes.get(urlsplit(path).path)
            if not replies:
                return Reply(404, NOT_FOUND)
            return replies.pop(0) if len(replies) > 1 else replies[0]

    def _short_reply(self, path: str) -> Reply:
        with self._lock:
            short_id = urlsplit(path).path.strip("/")
            location = self._shorts.get(short_id)
        if location is None:
            return Reply(404, NOT_FOUND)
        return Reply(301, b"", {"Location": location})


def _empty_search_page() -> str:
    """A search page without results, from helper A's page builders when present."""
    try:
        from tests.fakes import tracklist_pages

        return tracklist_pages.search_page([])
    except (ImportError, AttributeError, TypeError):
        return "<!DOCTYPE html><html><body><div id='middleDiv'>No results</div></body></html>"


class _Handler(QuietHandler):
    host = "site"

    def do_GET(self) -> None:
        self._serve("GET", {})

    def do_HEAD(self) -> None:
        self._serve("HEAD", {})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode("utf-8", "replace") if length else ""
        form = {k: v[0] for k, v in parse_qs(raw, keep_blank_values=True).items()}
        self._serve("POST", form)

    def reply(self, method: str, form: dict[str, str]) -> Reply:
        raise NotImplementedError

    def _serve(self, method: str, form: dict[str, str]) -> None:
        fake: FakeTracklistsSite = self.server.owner  # type: ignore[attr-defined]
        record = RequestRecord(
            host=self.host,
            method=method,
            path=self.path,
            headers={k.lower(): v for k, v in self.headers.items()},
            form=form,
            started=time.monotonic(),
        )
        fake._begin(record)
        reply = self.reply(method, form)
        try:
            if reply.delay:
                time.sleep(reply.delay)  # a slow site on purpose: what the reply asks for
            self._send(method, reply)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timeout, size cap): that is what the tests provoke
        finally:
            fake._end(record, reply.status)

    def _send(self, method: str, reply: Reply) -> None:
        body = reply.body_bytes()
        length = reply.size if reply.size is not None else len(body)
        self.send_response(reply.status)
        if reply.body or reply.size:
            self.send_header("Content-Type", reply.content_type)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        if reply.declare_length:
            self.send_header("Content-Length", str(length))
        self.send_header("Connection", "close")
        self.end_headers()
        if method == "HEAD":
            return
        if reply.size is None:
            self.wfile.write(body)
            return
        filler = (b"<div class='tlpItem'>" + b"x" * (CHUNK - 64) + b"</div>\n")[:CHUNK]
        sent = 0
        while sent < reply.size:
            piece = filler[: min(CHUNK, reply.size - sent)]
            self.wfile.write(piece)
            sent += len(piece)


class _SiteHandler(_Handler):
    host = "site"

    def reply(self, method: str, form: dict[str, str]) -> Reply:
        fake: FakeTracklistsSite = self.server.owner  # type: ignore[attr-defined]
        return fake._site_reply(method, self.path, form)


class _ShortHandler(_Handler):
    host = "short"

    def reply(self, method: str, form: dict[str, str]) -> Reply:
        fake: FakeTracklistsSite = self.server.owner  # type: ignore[attr-defined]
        if urlsplit(self.path).path == "/robots.txt":
            return Reply(404, NOT_FOUND)  # like the real short-link host
        return fake._short_reply(self.path)
