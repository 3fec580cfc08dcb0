"""Exponential backoff with jitter: how every reconnect and retry waits."""

from __future__ import annotations

import random


class Backoff:
    """Delays `first`, 2·first, 4·first … capped at `cap`, each with ±`jitter` randomness.

    The jitter keeps many stations (or many daemons) from retrying a shared server in step.
    """

    def __init__(self, first: float = 1.0, cap: float = 60.0, jitter: float = 0.2) -> None:
        self.first = first
        self.cap = cap
        self.jitter = jitter
        self._next = first

    def next(self) -> float:
        """The delay to wait now; the one after doubles."""
        delay = self._next
        self._next = min(self._next * 2, self.cap)
        return delay * random.uniform(1 - self.jitter, 1 + self.jitter)

    def reset(self) -> None:
        self._next = self.first
