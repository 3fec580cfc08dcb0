"""One station's health as the daemon sees it: a state that is logged once when it changes.

Retries never log: only a change of state does (`station radio: down (HTTP 500)`), so a source
that stays down for a day costs one log line, and its recovery another.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from datetime import UTC, datetime

from daemon.status_board import StatusBoard
from domain.stations.events import Health, HealthState, NowPlayingCard, moment

# last_message_at is stored at most this often when nothing else changes (a message arrives
# every 10-15 s from AzuraCast: writing each would be pure churn).
MESSAGE_STORE_INTERVAL = 30.0

log = logging.getLogger("crateloop.daemon.station")


class StationStatus:
    """The health of one station this process leads, reported to the StatusBoard."""

    def __init__(self, station_id: int, slug: str, board: StatusBoard) -> None:
        self.station_id = station_id
        self.slug = slug
        self.board = board
        self.health = Health(state=HealthState.STARTING, since=_now())
        self._stored_message_at = 0.0

    @property
    def state(self) -> str:
        return self.health.state

    def set_state(self, state: HealthState, error: str | None = None) -> None:
        """Enter `state` (logging once if it is new); `error` says why, when it is bad news."""
        if state == self.health.state:
            if error is not None and error != self.health.last_error:
                self.note_error(error)  # same state, new reason: kept for the dashboard, not logged
            return
        if state in (HealthState.DOWN,) or (state == HealthState.POLLING and error):
            log.warning("station %s: %s (%s)", self.slug, state, error or "no detail")
        else:
            log.info("station %s: %s", self.slug, state)
        self.health = dataclasses.replace(
            self.health,
            state=state,
            since=_now(),
            last_error=error if error is not None else self.health.last_error,
        )
        self.board.report(self.station_id, self.slug, "health", self.health, None)

    def note_error(self, error: str) -> None:
        """Keep an error the caller has logged already, without changing the state."""
        self.health = dataclasses.replace(self.health, last_error=error)
        self.board.report(self.station_id, self.slug, "health", self.health, None)

    def message_received(self) -> None:
        now = time.time()
        self.health = dataclasses.replace(self.health, last_message_at=moment(now))
        if now - self._stored_message_at >= MESSAGE_STORE_INTERVAL:
            self._stored_message_at = now
            self.board.report(
                self.station_id, self.slug, "health", self.health, None, publish=False
            )

    def switched(self, card: NowPlayingCard) -> None:
        self.health = dataclasses.replace(self.health, last_switch_at=moment(card.changed_at))
        self._stored_message_at = time.time()
        self.board.report(self.station_id, self.slug, "switch", self.health, card)


def _now() -> datetime:
    return datetime.now(UTC)
