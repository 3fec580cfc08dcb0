"""The station HTTP client: every connection checked, after DNS, against where stations may point.

A station URL is checked when it is saved, but a name can resolve to anything later (and
`0x7f000001`-style hosts reach the resolver as names), so the check that counts is here: each
address a host resolves to is checked (domain/outbound/addresses.py), and the connection is made
to the address that was checked, never to a second lookup of the name.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable, Collection, Iterable
from typing import TypeVar

import httpcore
import httpx

from domain.outbound.addresses import host_allowed, literal_address, refusal

T = TypeVar("T")
# Resolves (host, port) to addresses; tests hand in their own to play a DNS answer.
Resolver = Callable[[str, int], Awaitable[list[str]]]


async def system_resolver(host: str, port: int) -> list[str]:
    """The host's addresses as the system resolver (and /etc/hosts) gives them."""
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class AddressRefused(OSError):
    """A host that may not be reached (or cannot be resolved); the message says why."""


class ResolveTimeout(AddressRefused):
    """The host's name was not resolved in time."""


async def checked_addresses(
    host: str,
    port: int,
    *,
    allowed_hosts: Collection[str] = (),
    resolve: Resolver = system_resolver,
    limit: float | None = None,
) -> list[str]:
    """The addresses to connect to for `host`, each one allowed; AddressRefused otherwise.

    Every connection a station setting leads to goes through this: the now-playing client's, and
    the Liquidsoap hand-off's telnet and HTTP connections (domain/handoff/liquidsoap.py)."""
    try:
        async with asyncio.timeout(limit):
            found = await resolve(host, port)
    except (OSError, UnicodeError) as error:
        raise AddressRefused(f"cannot resolve {host}: {error}") from None
    except TimeoutError:
        raise ResolveTimeout(f"resolving {host} timed out") from None
    addresses = []
    for text in found:
        address = literal_address(text)
        if address is None:
            raise AddressRefused(f"{host} resolved to {text!r}, not an address")
        # One refused address refuses the name: a resolver may hand out either at random.
        why = refusal(address)
        if why is not None:
            raise AddressRefused(f"refused to connect to {host}: {why}")
        if not host_allowed(host, allowed_hosts, resolved=address):
            raise AddressRefused(
                f"refused to connect to {host} ({address}): not in STATION_ALLOWED_HOSTS"
            )
        addresses.append(text)
    if not addresses:
        raise AddressRefused(f"{host} has no address")
    return addresses


async def first_connected(
    addresses: Iterable[str],
    connect: Callable[[str], Awaitable[T]],
    failure: type[BaseException],
) -> T:
    """`connect` to each of `addresses` (checked ones) in turn: the first that answers, else
    the last `failure` raised."""
    error: BaseException | None = None
    for address in addresses:
        try:
            return await connect(address)
        except failure as failed:
            error = failed
    assert error is not None
    raise error


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """Connects only to addresses a station may use; a refusal is a ConnectError that says why."""

    def __init__(
        self,
        inner: httpcore.AsyncNetworkBackend,
        *,
        allowed_hosts: Collection[str] = (),
        resolve: Resolver = system_resolver,
    ) -> None:
        self._inner = inner
        self._allowed = allowed_hosts
        self._resolve = resolve

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            addresses = await checked_addresses(
                host, port, allowed_hosts=self._allowed, resolve=self._resolve, limit=timeout
            )
        except ResolveTimeout as late:
            raise httpcore.ConnectTimeout(str(late)) from None
        except AddressRefused as refused:
            raise httpcore.ConnectError(str(refused)) from None
        return await first_connected(
            addresses,
            lambda address: self._inner.connect_tcp(
                address,
                port,
                timeout=timeout,
                local_address=local_address,
                socket_options=socket_options,
            ),
            httpcore.ConnectError,
        )

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("station sources are reached over TCP only")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


def guarded_transport(
    allowed_hosts: Collection[str] = (),
    *,
    resolve: Resolver = system_resolver,
    limits: httpx.Limits | None = None,
) -> httpx.AsyncHTTPTransport:
    """An httpx transport whose every connection goes through `checked_addresses`."""
    transport = httpx.AsyncHTTPTransport(limits=limits or httpx.Limits())
    # httpx has no public way to give its connection pool a network backend: swap it in.
    pool = transport._pool
    assert isinstance(pool, httpcore.AsyncConnectionPool)
    pool._network_backend = GuardedBackend(
        pool._network_backend, allowed_hosts=allowed_hosts, resolve=resolve
    )
    return transport


def station_http_client(
    allowed_hosts: Collection[str] = (), *, resolve: Resolver = system_resolver
) -> httpx.AsyncClient:
    """The client for station sources (now-playing APIs, push feeds), every connection guarded.

    `trust_env=False`: a proxy from the environment would make the connections, unchecked.
    """
    # A push-feed station keeps one stream open: no pool limit on connections.
    transport = guarded_transport(
        allowed_hosts,
        resolve=resolve,
        limits=httpx.Limits(max_connections=None, max_keepalive_connections=50),
    )
    return httpx.AsyncClient(transport=transport, trust_env=False)
