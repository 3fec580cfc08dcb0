"""Which answers are retried, how long to wait between tries, and Retry-After (capped).

The waits are not slept here: the policy hands them to the shared pace (`Pace.hold_off`), so
every process waits them, not only the one that was told.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from domain.outbound.backoff import Backoff

RETRY_AFTER_CAP = 60.0
HONOURS_RETRY_AFTER = (429, 503)


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Retry-After as seconds from now (delta-seconds or an HTTP date); None when unusable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


@dataclass(frozen=True)
class Retries:
    """At most `attempts` tries, `backoff_seconds` doubling between them; a Retry-After up to
    `retry_after_cap` seconds replaces the backoff, a longer one opens the breaker instead."""

    attempts: int = 3
    backoff_seconds: float = 1.0
    retry_after_cap: float = RETRY_AFTER_CAP

    def backoff(self) -> Backoff:
        """The waits after each failed try. No jitter of its own: the pace jitters every request."""
        return Backoff(self.backoff_seconds, math.inf, jitter=0.0)

    @staticmethod
    def retryable(status: int) -> bool:
        """Whether an answer with this status is worth another try (rate-limited or a 5xx)."""
        return status == 429 or status >= 500

    @staticmethod
    def asked_wait(status: int, retry_after: str | None) -> float | None:
        """The Retry-After of a 429 or 503 in seconds; None when there is none to honour."""
        return retry_after_seconds(retry_after) if status in HONOURS_RETRY_AFTER else None
