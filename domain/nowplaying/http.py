"""Fetching from now-playing sources: timeouts, a 1 MB body cap, clear errors, SSE events.

Every failure becomes a SourceError with a short message a person can act on; nothing here
raises httpx or JSON exceptions to the caller. Redirects are followed within the station's own
origin only: the X-API-Key header never goes to another host, port or scheme.
"""

from __future__ import annotations

import asyncio
import errno
import json
import re
import socket
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import asynccontextmanager
from urllib.parse import urlsplit

import httpx

from domain.nowplaying.model import SourceError
from domain.outbound.body import BodyTooLarge
from domain.outbound.body import read_capped as read_body
from domain.outbound.guard import AddressRefused

MAX_BODY = 1024 * 1024
MAX_REDIRECTS = 5
_DEFAULT_PORTS = {"http": 80, "https": 443}
USER_AGENT = "crateloop now-playing (+https://github.com/crateloop/crateloop)"
_TITLE = re.compile(rb"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_LINE_END = re.compile(rb"\r\n|\r|\n")


class HttpStatusError(SourceError):
    """The source answered with an HTTP error status; `url` is the URL that was asked."""

    def __init__(self, status: int, url: str) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status
        self.url = url


def _seconds(value: float) -> str:
    return f"{value:g} s"


def causes(error: BaseException) -> Iterator[BaseException]:
    """The error and what led to it (`raise … from None` still keeps the context)."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _connect_error(exc: httpx.ConnectError, url: str) -> SourceError:
    """Why a connection to `url` failed, in plain words rather than `[Errno -2] …`: the name
    that did not resolve, the address refused by the guard, the port nothing listens on."""
    parts = urlsplit(url)
    host = parts.hostname or url
    chain = list(causes(exc))
    if any(isinstance(cause, socket.gaierror) for cause in chain):
        return SourceError(f"could not resolve {host}: no such name, or no DNS answer")
    for cause in chain:
        if isinstance(cause, AddressRefused):
            return SourceError(str(cause))
        if isinstance(cause, ConnectionRefusedError) or (
            isinstance(cause, OSError) and cause.errno == errno.ECONNREFUSED
        ):
            port = parts.port or _DEFAULT_PORTS.get(parts.scheme, 0)
            return SourceError(f"connection refused by {host}:{port}: nothing listens there")
    return SourceError(f"cannot connect to {parts.netloc or url}: {exc or 'connection failed'}")


def transport_error(exc: httpx.HTTPError, url: str, timeout: float) -> SourceError:
    """A SourceError naming what went wrong talking to `url`."""
    host = urlsplit(url).netloc or url
    if isinstance(exc, httpx.TimeoutException):
        return SourceError(f"timed out after {_seconds(timeout)}")
    if isinstance(exc, httpx.ConnectError):
        return _connect_error(exc, url)
    if isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError):
        return SourceError(f"connection to {host} dropped: {exc or 'closed'}")
    if isinstance(exc, httpx.InvalidURL | httpx.UnsupportedProtocol):
        return SourceError(f"invalid URL {url!r}: {exc}")
    return SourceError(f"HTTP error from {host}: {exc or type(exc).__name__}")


def _html_error(body: bytes) -> SourceError:
    match = _TITLE.search(body[:65536])
    title = " ".join(match.group(1).decode("utf-8", "replace").split())[:80] if match else ""
    return SourceError(f"an HTML page, not JSON ({title!r})" if title else "an HTML page, not JSON")


def _is_html(content_type: str, body: bytes) -> bool:
    return "html" in content_type.lower() or body.lstrip()[:1] == b"<"


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    return url.scheme, url.host, url.port or _DEFAULT_PORTS.get(url.scheme)


def same_origin(url: str, other: str) -> bool:
    """Whether two URLs share scheme, host and port (default ports filled in); False for
    anything that is not a URL."""
    try:
        first, second = _origin(httpx.URL(url)), _origin(httpx.URL(other))
    except (httpx.InvalidURL, TypeError):
        return False
    return first[0] in _DEFAULT_PORTS and bool(first[1]) and first == second


@asynccontextmanager
async def _get(
    http: httpx.AsyncClient,
    url: str,
    headers: Mapping[str, str],
    timeouts: float | httpx.Timeout,
) -> AsyncIterator[httpx.Response]:
    """GET `url` as a stream, following redirects that stay on its origin and refusing others."""
    request = http.build_request("GET", url, headers=headers, timeout=timeouts)
    origin = _origin(request.url)
    for _ in range(MAX_REDIRECTS + 1):
        response = await http.send(request, stream=True, follow_redirects=False)
        following = response.next_request if response.is_redirect else None
        if following is None:
            break
        await response.aclose()
        if _origin(following.url) != origin:
            target = f"{following.url.scheme}://{following.url.netloc.decode('ascii')}"
            raise SourceError(
                f"redirected to {target}, another origin: not followed (the API key stays with"
                " the station); set the station's URL to where it redirects"
            )
        request = following
    else:
        raise SourceError(f"more than {MAX_REDIRECTS} redirects")
    try:
        yield response
    finally:
        await response.aclose()


def check_status(response: httpx.Response, url: str) -> None:
    """Raise HttpStatusError (naming `url`, the URL asked) unless the response is a 2xx."""
    if not 200 <= response.status_code < 300:
        raise HttpStatusError(response.status_code, url)


async def read_capped(response: httpx.Response, limit: int = MAX_BODY) -> bytes:
    """The response body, refusing more than `limit` bytes before reading them all."""
    try:
        return await read_body(response, limit)
    except BodyTooLarge:
        raise SourceError(f"body larger than {limit // (1024 * 1024)} MB") from None


def decode_json(body: bytes) -> object:
    """Parse a JSON body; SourceError "invalid JSON at line L column C: …" otherwise."""
    if not body.strip():
        raise SourceError("an empty body, not JSON")
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Old Icecast servers send their metadata as Latin-1.
        text = body.decode("latin-1")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise SourceError(
            f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from None


async def fetch_json(
    http: httpx.AsyncClient,
    url: str,
    *,
    headers: Mapping[str, str] | None = None,
    time_limit: float = 5.0,
    limit: int = MAX_BODY,
) -> object:
    """GET `url` and decode its JSON; the fetch within `time_limit` seconds in all, body capped
    at `limit`."""
    content_type, body = await fetch_bytes(
        http, url, accept="application/json", headers=headers, time_limit=time_limit, limit=limit
    )
    if _is_html(content_type, body):
        raise _html_error(body)
    return decode_json(body)


async def fetch_bytes(
    http: httpx.AsyncClient,
    url: str,
    *,
    accept: str,
    headers: Mapping[str, str] | None = None,
    time_limit: float = 5.0,
    limit: int = MAX_BODY,
) -> tuple[str, bytes]:
    """GET `url` (redirects within its origin only, `headers` added): its content type and
    body, within `time_limit` seconds in all and at most `limit` bytes; SourceError otherwise."""
    try:
        async with asyncio.timeout(time_limit):
            async with _get(
                http,
                url,
                {"User-Agent": USER_AGENT, "Accept": accept, **(headers or {})},
                time_limit,
            ) as response:
                check_status(response, url)
                body = await read_capped(response, limit)
                return response.headers.get("content-type", ""), body
    except TimeoutError:
        raise SourceError(f"timed out after {_seconds(time_limit)}") from None
    except httpx.HTTPError as exc:
        raise transport_error(exc, url, time_limit) from None


@asynccontextmanager
async def open_event_stream(
    http: httpx.AsyncClient,
    url: str,
    *,
    headers: Mapping[str, str] | None = None,
    connect_timeout: float = 5.0,
    read_timeout: float = 60.0,
) -> AsyncIterator[httpx.Response]:
    """Open a Server-Sent Events stream; a read silent for `read_timeout` seconds times out."""
    timeout = httpx.Timeout(connect=connect_timeout, read=read_timeout, write=5.0, pool=5.0)
    try:
        async with _get(
            http,
            url,
            {
                "User-Agent": USER_AGENT,
                "Accept": "text/event-stream",
                "Cache-Control": "no-cache",
                **(headers or {}),
            },
            timeout,
        ) as response:
            check_status(response, url)
            if "html" in response.headers.get("content-type", "").lower():
                raise _html_error(await read_capped(response))
            yield response
    except httpx.HTTPError as exc:
        if isinstance(exc, httpx.ReadTimeout):
            raise SourceError(f"no frame for {_seconds(read_timeout)}") from None
        raise transport_error(exc, url, connect_timeout) from None


async def sse_data(response: httpx.Response, limit: int = MAX_BODY) -> AsyncIterator[str]:
    """The `data` of each Server-Sent Event in `response` (multi-line data joined with "\\n").

    Comments, `event`, `id` and `retry` fields are ignored; an event or a line over `limit`
    bytes raises SourceError instead of growing without bound.
    """
    pending = b""
    data: list[str] = []
    size = 0
    async for chunk in response.aiter_bytes():
        pending += chunk
        while True:
            match = _LINE_END.search(pending)
            # A "\r" at the very end may be the first half of "\r\n": wait for more bytes.
            if match is None or (match.group() == b"\r" and match.end() == len(pending)):
                break
            line = pending[: match.start()].decode("utf-8", "replace")
            pending = pending[match.end() :]
            if not line:
                if data:
                    yield "\n".join(data)
                data, size = [], 0
                continue
            field, _, value = line.partition(":")
            if field == "data":
                value = value.removeprefix(" ")
                size += len(value)
                if size > limit:
                    raise SourceError(f"event larger than {limit // (1024 * 1024)} MB")
                data.append(value)
        if len(pending) > limit:
            raise SourceError(f"event larger than {limit // (1024 * 1024)} MB")
