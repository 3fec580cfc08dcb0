"""A fake Liquidsoap on 127.0.0.1: its telnet server and an AzuraCast-style `POST /telnet`.

Both record every command they receive (and, over HTTP, the request headers) and answer the way
Liquidsoap 2.1.3's server does (checked against the real one): `var.set loop=VALUE` →
`Variable loop set.` (the value is kept verbatim; an unknown name or a space before "=" →
`Syntax error or variable not found.`), `loops.push URI` → a request id, `loops.skip` → `Done.`,
anything else → `ERROR: unknown command…`. It knows the interactive variable `loop` and the
request queue `loops`. Modes: "ok", "stall" (read the command, never answer), "error" (every
command answered with an error), "http_500".
"""

from __future__ import annotations

import re
import socketserver
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

_QUEUE = re.compile(r"^(\S+)\.(push|skip)(?: (.*))?$")
UNKNOWN = 'ERROR: unknown command, type "help" to get a list of commands.'


@dataclass
class FakeLiquidsoap:
    variables: dict[str, str] = field(default_factory=lambda: {"loop": "/loops/default.mp4"})
    queues: dict[str, list[str]] = field(default_factory=lambda: {"loops": []})
    commands: list[str] = field(default_factory=list)
    http_headers: list[dict[str, str]] = field(default_factory=list)
    mode: str = "ok"
    telnet_url: str = ""
    http_url: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)
    release: threading.Event = field(default_factory=threading.Event)

    def answer(self, command: str) -> str | None:
        """Record `command`; the reply, or None to stall."""
        with self.lock:
            self.commands.append(command)
            mode = self.mode
        if mode == "stall":
            self.release.wait(30)
            return None
        if mode == "error":
            return UNKNOWN
        if command.startswith("var.set "):
            name, equals, value = command.removeprefix("var.set ").partition("=")
            with self.lock:
                if name not in self.variables or not equals:
                    return "Syntax error or variable not found."
                self.variables[name] = value.split("=")[0]  # as Liquidsoap's r/=/.split does
            return f"Variable {name} set."
        if match := _QUEUE.match(command):
            name, verb, uri = match.groups()
            with self.lock:
                if name not in self.queues:
                    return UNKNOWN
                if verb == "push":
                    self.queues[name].append(uri or "")
                    return str(len(self.queues[name]))
            return "Done."
        return UNKNOWN


def _telnet_handler(fake: FakeLiquidsoap) -> type[socketserver.StreamRequestHandler]:
    class Telnet(socketserver.StreamRequestHandler):
        def handle(self) -> None:
            for raw in self.rfile:
                command = raw.decode().rstrip("\r\n")
                if command in ("quit", "exit"):
                    self.wfile.write(b"Bye!\r\n")
                    return
                reply = fake.answer(command)
                if reply is None:
                    return
                self.wfile.write(reply.encode() + b"\r\nEND\r\n")

    return Telnet


def _http_handler(fake: FakeLiquidsoap) -> type[BaseHTTPRequestHandler]:
    class Http(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            command = self.rfile.read(length).decode()
            with fake.lock:
                fake.http_headers.append({k.lower(): v for k, v in self.headers.items()})
                failing = fake.mode == "http_500"
            if self.path != "/telnet" or failing:
                self.send_response(404 if self.path != "/telnet" else 500)
                self.end_headers()
                return
            reply = fake.answer(command)
            if reply is None:
                return
            body = reply.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Http


class _TcpServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


@contextmanager
def fake_liquidsoap() -> Iterator[FakeLiquidsoap]:
    """Start both servers on free ports; stop them afterwards."""
    fake = FakeLiquidsoap()
    telnet = _TcpServer(("127.0.0.1", 0), _telnet_handler(fake))
    http = ThreadingHTTPServer(("127.0.0.1", 0), _http_handler(fake))
    http.daemon_threads = True
    fake.telnet_url = f"telnet://127.0.0.1:{telnet.server_address[1]}"
    fake.http_url = f"http://127.0.0.1:{http.server_address[1]}/telnet"
    threads = [
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        for server in (telnet, http)
    ]
    for thread in threads:
        thread.start()
    try:
        yield fake
    finally:
        fake.release.set()
        for server in (telnet, http):
            server.shutdown()
            server.server_close()
