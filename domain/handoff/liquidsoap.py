"""The Liquidsoap adapter: set an interactive variable, or push to a request queue and skip.

Two transports: Liquidsoap's own telnet server (`telnet://host:port`, a line protocol where each
reply ends with a line `END`), or an HTTP endpoint such as AzuraCast's `POST …/telnet`, which
takes one command as the body and answers with its reply.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Collection
from urllib.parse import urlsplit

import httpx

from domain.handoff.switch import HandoffError, Switch
from domain.outbound.body import BodyTooLarge, read_capped
from domain.outbound.guard import (
    Resolver,
    checked_addresses,
    first_connected,
    guarded_transport,
    system_resolver,
)

log = logging.getLogger(__name__)

TIMEOUT = 5.0  # seconds for a whole hand-off (connect, every command, the replies)
DEFAULT_TELNET_PORT = 1234  # Liquidsoap's default `settings.server.telnet.port`
REPLY_CAP = 65536
MODES = ("var", "queue")
# A Liquidsoap identifier (variable or source id); anything else could smuggle in a command.
TARGET = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")
# How Liquidsoap's server says no: `ERROR: unknown command…`, `Syntax error or variable not
# found.` (var.set), `Variable not found.` (var.get).
_ERROR_REPLY = re.compile(
    r"^\s*(error\b|syntax error|unknown command|variable (\S+ )?not found|no such)",
    re.IGNORECASE | re.MULTILINE,
)


class Liquidsoap:
    """Tells a Liquidsoap instance which loop to play, over telnet or HTTP."""

    name = "liquidsoap"

    def __init__(
        self,
        url: str,
        *,
        mode: str,
        target: str,
        api_key: str | None = None,
        timeout: float = TIMEOUT,
        allowed_hosts: Collection[str] = (),
        resolve: Resolver = system_resolver,
    ) -> None:
        self.url = url.strip()
        parts = urlsplit(self.url)
        self.scheme = parts.scheme.lower()
        try:
            port = parts.port
        except ValueError as error:
            raise HandoffError(f"Liquidsoap URL {url!r} has an invalid port") from error
        if self.scheme == "telnet" and parts.hostname:
            self.host, self.port = parts.hostname, port or DEFAULT_TELNET_PORT
        elif self.scheme in ("http", "https") and parts.hostname:
            self.host, self.port = parts.hostname, port or (443 if self.scheme == "https" else 80)
        else:
            raise HandoffError(
                f"Liquidsoap URL {url!r} must be telnet://host:port"
                " or an HTTP endpoint like http://host:port/telnet"
            )
        if mode not in MODES:
            raise HandoffError(f"Liquidsoap mode must be var or queue (got {mode!r})")
        if not TARGET.fullmatch(target):
            what = "interactive variable" if mode == "var" else "request queue id"
            raise HandoffError(
                f"Liquidsoap {what} {target!r} must be a name like `loop` (letters, digits, _ . -)"
            )
        self.mode, self.target = mode, target
        self.api_key = api_key
        self.timeout = timeout
        # The URL was checked when saved; its name is checked again at every connection, like a
        # station source's (domain/outbound/guard.py), so a DNS change cannot redirect it.
        self.allowed_hosts = allowed_hosts
        self.resolve = resolve

    def commands(self, switch: Switch) -> list[str]:
        """The server commands that hand `switch.loop_path` over."""
        path = switch.loop_path
        if any(char in path for char in "\r\n\x00"):
            raise HandoffError(f"loop path {path!r} contains a line break: cannot send it")
        if self.mode == "var":
            # Liquidsoap (2.1.3, tested) splits `var.set` on "=" and keeps the value verbatim:
            # no spaces around it, no quotes, and a second "=" would cut the path short.
            if "=" in path:
                raise HandoffError(
                    f"loop path {path!r} contains '=', which Liquidsoap's var.set cannot carry:"
                    " rename the loop or use queue mode"
                )
            return [f"var.set {self.target}={path}"]
        return [f"{self.target}.push {path}", f"{self.target}.skip"]

    async def apply(self, switch: Switch) -> None:
        """Send the commands; HandoffError on a timeout, a refused connection or an error reply."""
        commands = self.commands(switch)
        where = f"{self.host}:{self.port}"
        try:
            async with asyncio.timeout(self.timeout):
                if self.scheme == "telnet":
                    replies = await self._telnet(commands)
                else:
                    replies = await self._http(commands)
        except TimeoutError as error:
            raise HandoffError(
                f"Liquidsoap at {where} timed out after {self.timeout:g} s"
            ) from error
        except OSError as error:
            reason = error.strerror or str(error) or type(error).__name__
            raise HandoffError(f"cannot reach Liquidsoap at {where}: {reason}") from error
        except httpx.HTTPError as error:
            reason = str(error) or type(error).__name__
            raise HandoffError(f"cannot reach Liquidsoap at {where}: {reason}") from error
        for command, reply in zip(commands, replies, strict=True):
            log.debug("liquidsoap %s: %r → %r", where, command, reply)
            if _ERROR_REPLY.search(reply):
                raise HandoffError(f"Liquidsoap refused `{command}`: {reply.strip()[:200]}")

    async def _telnet(self, commands: list[str]) -> list[str]:
        addresses = await checked_addresses(
            self.host, self.port, allowed_hosts=self.allowed_hosts, resolve=self.resolve
        )
        reader, writer = await first_connected(
            addresses,
            lambda address: asyncio.open_connection(address, self.port, limit=REPLY_CAP),
            OSError,
        )
        try:
            replies = []
            for command in commands:
                writer.write(command.encode() + b"\n")
                await writer.drain()
                replies.append(await _telnet_reply(reader))
            writer.write(b"quit\n")
            await writer.drain()
            return replies
        finally:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()

    async def _http(self, commands: list[str]) -> list[str]:
        headers = {"Content-Type": "text/plain; charset=utf-8"}
        if self.api_key:
            # The brief's X-API-Key, and the header AzuraCast's harbor endpoint checks.
            headers["X-API-Key"] = self.api_key
            headers["X-Liquidsoap-Api-Key"] = self.api_key
        replies = []
        transport = guarded_transport(self.allowed_hosts, resolve=self.resolve)
        async with httpx.AsyncClient(
            transport=transport, timeout=self.timeout, follow_redirects=False, trust_env=False
        ) as client:
            for command in commands:
                async with client.stream(
                    "POST", self.url, content=command.encode(), headers=headers
                ) as response:
                    body = await _capped_body(response)
                    if not response.is_success:
                        raise HandoffError(
                            f"Liquidsoap at {self.host}:{self.port} answered HTTP"
                            f" {response.status_code} to `{command.split(' ', 1)[0]}`"
                        )
                replies.append(body.decode(errors="replace"))
        return replies


async def _telnet_reply(reader: asyncio.StreamReader) -> str:
    lines: list[str] = []
    size = 0
    while True:
        try:
            raw = await reader.readline()
        except ValueError as error:  # a line longer than the stream limit
            raise HandoffError("Liquidsoap sent a reply line longer than 64 KB") from error
        if not raw:
            raise HandoffError("Liquidsoap closed the connection before the end of its reply")
        line = raw.decode(errors="replace").rstrip("\r\n")
        if line == "END":
            return "\n".join(lines)
        size += len(raw)
        if size > REPLY_CAP:
            raise HandoffError("Liquidsoap's reply is larger than 64 KB")
        lines.append(line)


async def _capped_body(response: httpx.Response) -> bytes:
    try:
        return await read_capped(response, REPLY_CAP)
    except BodyTooLarge:
        raise HandoffError("Liquidsoap's HTTP reply is larger than 64 KB") from None
