"""Where a station's URLs may point: never link-local, cloud metadata or the unspecified address.

A station's base URL is typed by a person and fetched by the daemon with the station's API key,
so it must not reach the machine's own cloud metadata service (169.254.169.254 hands out
credentials) or 0.0.0.0 (which Linux connects to the local host). Loopback and the LAN stay
allowed: self-hosted AzuraCast lives there. The same rule runs at save time on literal addresses
(`literal_address`) and at connect time on every resolved one (domain/outbound/guard.py).
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Collection

Address = ipaddress.IPv4Address | ipaddress.IPv6Address

# Metadata services outside the link-local ranges (AWS over IPv6, Alibaba Cloud).
METADATA = frozenset(
    {ipaddress.ip_address("fd00:ec2::254"), ipaddress.ip_address("100.100.100.200")}
)
# The legacy IPv4 spellings inet_aton accepts and resolvers honour: 0xa9fea9fe, 2852039166, 127.1.
_LEGACY_IPV4 = re.compile(r"[0-9a-fA-FxX.]+")


def literal_address(host: str) -> Address | None:
    """The address a URL's host names without DNS (any IPv4 spelling, IPv6), or None for a name."""
    text = host.strip().strip("[]")
    try:
        return ipaddress.ip_address(text.split("%", 1)[0])  # fe80::1%eth0: the zone is no address
    except ValueError:
        pass
    if not _LEGACY_IPV4.fullmatch(text) or not any(c.isdigit() for c in text):
        return None
    try:
        return ipaddress.IPv4Address(socket.inet_aton(text))
    except OSError:
        return None


def refusal(address: Address) -> str | None:
    """Why a station may not be reached at `address`, or None when it may."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address.is_unspecified:
        return f"{address} is the unspecified address"
    if address in METADATA:
        return f"{address} is a cloud metadata service"
    if address.is_link_local:
        return f"{address} is link-local (cloud metadata lives there)"
    return None


def parse_allowed_hosts(raw: str) -> tuple[str, ...]:
    """STATION_ALLOWED_HOSTS as lower-case names and addresses (IPs in their normal form)."""
    hosts = []
    for word in raw.split(","):
        text = word.strip().strip("[]").lower()
        if text:
            address = literal_address(text)
            hosts.append(str(address) if address is not None else text)
    return tuple(hosts)


def host_allowed(host: str, allowed: Collection[str], *, resolved: Address | None = None) -> bool:
    """Whether `host` (or the address it resolved to) is in STATION_ALLOWED_HOSTS; empty: all."""
    if not allowed:
        return True
    name = host.strip().strip("[]").lower()
    address = literal_address(name)
    candidates = {name, str(address) if address is not None else name}
    if resolved is not None:
        candidates.add(str(resolved))
    return not candidates.isdisjoint(allowed)
