"""The vendored htmx and its SSE extension work in real Chromium, driven by Playwright.

A tiny page is served from a local http.server thread; /static/ is the repo's static directory,
so the test loads exactly the files the app ships.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

STATIC_DIR = Path(__file__).resolve().parents[2] / "static"

PAGE = b"""<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>htmx smoke</title>
  <script src="/static/vendor/htmx.min.js"></script>
  <script src="/static/vendor/htmx-ext-sse.js"></script>
</head>
<body>
  <button id="load" hx-get="/fragment" hx-target="#target">Load</button>
  <div id="target">Nothing yet</div>
  <div hx-ext="sse" sse-connect="/events" sse-swap="nowplaying" id="live">Waiting</div>
</body>
</html>
"""

# The server answers with the HX-Request header it received, so the test also proves that the
# request came from htmx and not from a plain link.
FRAGMENT = "<p id='swapped'>Swapped by htmx (HX-Request: {hx_request})</p>"

# One event, and a long retry so that EventSource does not reconnect during the test.
EVENTS = b"retry: 60000\nevent: nowplaying\ndata: <b id='np'>Artist - Title</b>\n\n"


class SmokeHandler(SimpleHTTPRequestHandler):
    """Serves the test page, one fragment, one SSE stream, and the repo's static files."""

    def do_GET(self) -> None:
        if self.path == "/":
            self.reply(200, "text/html; charset=utf-8", PAGE)
        elif self.path == "/fragment":
            hx_request = self.headers.get("HX-Request", "missing")
            self.reply(200, "text/html; charset=utf-8", FRAGMENT.format(hx_request=hx_request))
        elif self.path == "/events":
            self.reply(200, "text/event-stream", EVENTS)
        elif self.path.startswith("/static/"):
            self.path = self.path.removeprefix("/static")
            super().do_GET()
        else:
            self.send_error(404)

    def reply(self, status: int, content_type: str, body: bytes | str) -> None:
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        """Keep the test output clean; failures show up in the assertions instead."""


@pytest.fixture(scope="module")
def smoke_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(SmokeHandler, directory=str(STATIC_DIR)))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="smoke-http", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_vendored_htmx_swaps_a_fragment_on_click(page: Page, smoke_server: str) -> None:
    page.goto(smoke_server + "/")
    assert page.evaluate("htmx.version") == "2.0.11"

    page.get_by_role("button", name="Load").click()

    expect(page.locator("#target")).to_have_text("Swapped by htmx (HX-Request: true)")


def test_vendored_sse_extension_swaps_a_server_event(page: Page, smoke_server: str) -> None:
    page.goto(smoke_server + "/")

    expect(page.locator("#live #np")).to_have_text("Artist - Title")
