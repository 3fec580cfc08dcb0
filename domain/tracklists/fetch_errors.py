"""What can go wrong asking 1001tracklists for a page, in words a person can act on."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from domain.outbound.body import BodyTooLarge
from domain.outbound.breaker import CircuitOpen
from domain.outbound.policy import RequestFailed


class SiteError(Exception):
    """The site could not give us the page."""


class Blocked(SiteError):
    """The breaker is open (challenge, Retry-After beyond the cap): no request until retry_at."""

    def __init__(self, retry_at: datetime, reason: str = "") -> None:
        self.retry_at = retry_at
        self.reason = reason  # why it opened, for logs; the message stays the one users see
        super().__init__(f"blocked by the site, retrying after {retry_at:%H:%M} UTC")


class FetchFailed(SiteError):
    """The site answered with an error or not at all; `status` is None without an answer.

    `cacheable` is False when the failure is about the site as a whole (robots.txt unreadable),
    not about the page: it is then not kept in the failure cache.
    """

    def __init__(self, message: str, status: int | None = None, *, cacheable: bool = True) -> None:
        self.status = status
        self.cacheable = cacheable
        super().__init__(message)


class RobotsDisallowed(SiteError):
    """The site's robots.txt does not allow us this path."""


class PageTooLarge(SiteError):
    """The body is over the size cap; it was not read further."""

    @classmethod
    def at(cls, url: str, length: int | None, max_bytes: int) -> PageTooLarge:
        """The refusal of `url`, `length` bytes long by its Content-Length (None: streamed)."""
        size = f"{length / 1024 / 1024:.1f} MB" if length else "more"
        return cls(
            f"{url} is {size} than the {max_bytes / 1024 / 1024:g} MB cap:"
            " not a tracklist page (those are well under 1 MB); not read further"
            if length is None
            else f"{url} is {size}, over the {max_bytes / 1024 / 1024:g} MB cap:"
            " not a tracklist page (those are well under 1 MB); not downloaded"
        )


@contextmanager
def in_site_terms(url: str) -> Iterator[None]:
    """The outbound policy's errors for `url`, raised again as the site's errors."""
    try:
        yield
    except CircuitOpen as circuit:
        raise Blocked(circuit.retry_at, circuit.reason) from None
    except RequestFailed as failed:
        raise FetchFailed(str(failed), failed.status) from None
    except BodyTooLarge as too_large:
        raise PageTooLarge.at(url, too_large.declared, too_large.limit) from None
