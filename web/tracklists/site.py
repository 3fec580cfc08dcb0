"""How pages and the API talk about 1001tracklists: its search types, and its answers or why
there is none.

The client itself is `resources.client(PoliteClient)`; its gate and caches live in Redis, so this
process waits its turn behind the worker's imports like any other.
"""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import datetime
from typing import TypeVar

from domain.tracklists.fetch_errors import Blocked, SiteError
from domain.tracklists.listings import ListingKind
from domain.tracklists.page_errors import PageError
from domain.tracklists.urls import UrlRefused

T = TypeVar("T")

REDIS_TIMEOUT_SECONDS = 5
SEARCH_TYPES = tuple(kind.value for kind in ListingKind)


def search_type_error(kind: str) -> str | None:
    """Why `kind` is not one of the site's search types, naming those; None when it is one."""
    if kind in SEARCH_TYPES:
        return None
    return f"{kind!r} is not a search type: use one of {', '.join(SEARCH_TYPES)}"


class NoAnswer(Exception):
    """The site gave no answer; the message is what a person reads. `retry_at` is set when the
    site blocks us (no request before then)."""

    def __init__(self, message: str, retry_at: datetime | None = None) -> None:
        super().__init__(message)
        self.retry_at = retry_at


async def ask_site(question: Awaitable[T], failed: str) -> T:
    """The site's answer, or NoAnswer: "blocked by the site, retrying after HH:MM UTC", or
    `failed` and the reason."""
    try:
        return await question
    except Blocked as error:
        raise NoAnswer(str(error), error.retry_at) from None
    except (SiteError, PageError, UrlRefused) as error:  # UrlRefused: a redirect off the site
        raise NoAnswer(f"{failed}: {error}") from None
