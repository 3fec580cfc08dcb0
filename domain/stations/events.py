"""What the daemon tells the dashboard about a station: its now-playing card and its health.

One class each, used by both sides: the daemon builds them and writes `as_dict()` (into
`station_health.now_playing` and into the live event on `channels.station_events`); the web process
reads them back with `parse()` (or `Health.from_row`). Reading is tolerant: a card or health dict
may lack fields, and times may be ISO strings or unix seconds. On the wire, times are unix seconds.

Live event: `{"event": "switch" | "health", "station": slug, "card": CARD | null,
"health": HEALTH}`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from domain.models import StationHealth


class HealthState(StrEnum):
    """How the daemon reaches a station's now-playing source right now."""

    STARTING = "starting"  # watching began, nothing heard yet
    CONNECTED = "connected"  # push feed (or webhook) delivering
    POLLING = "polling"  # polling works (poll mode, or the push feed is down)
    DOWN = "down"  # the source does not answer usably; the current loop stays
    STANDBY = "standby"  # shown for stations no daemon leads; never written by a standby


def moment(value: object) -> datetime | None:
    """A time as it may be stored (datetime, ISO string, unix seconds) → aware datetime."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC)
    if isinstance(value, str) and value:
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


def _seconds(value: datetime | None) -> float | None:
    return None if value is None else value.timestamp()


def _text(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    return value.strip() if isinstance(value, str) else ""


def _number(data: Mapping[str, Any], key: str) -> float | None:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _whole(data: Mapping[str, Any], key: str) -> int | None:
    value = _number(data, key)
    return int(value) if value is not None else None


# Text the card may lack: written as null, read back as "".
_OPTIONAL_TEXT = ("artist", "title", "art", "song_id", "next_artist", "next_title", "streamer")


@dataclass(frozen=True, slots=True)
class NowPlayingCard:
    """What a station plays and which loop it shows."""

    artist: str
    title: str
    art: str
    song_id: str
    sh_id: int | None
    played_at: float | None
    duration: float | None
    loop_path: str
    loop_name: str  # the loop relative to LOOPS_PATH, as mappings show it
    reason: str
    mapping_id: int | None
    listeners: int | None
    next_artist: str
    next_title: str
    is_live: bool
    streamer: str
    changed_at: float | None

    def as_dict(self) -> dict[str, Any]:
        """The card as stored and published (empty text as null)."""
        data = {field.name: getattr(self, field.name) for field in fields(self)}
        return data | {name: data[name] or None for name in _OPTIONAL_TEXT}

    @classmethod
    def parse(cls, data: object) -> NowPlayingCard | None:
        """The card from stored or published JSON; None when there is none."""
        if not isinstance(data, Mapping):
            return None
        art = _text(data, "art")
        loop_path = _text(data, "loop_path")
        return cls(
            artist=_text(data, "artist"),
            title=_text(data, "title"),
            # Only web URLs become an <img src>: the card's text comes from the radio station.
            art=art if art.startswith(("https://", "http://")) else "",
            song_id=_text(data, "song_id"),
            sh_id=_whole(data, "sh_id"),
            played_at=_number(data, "played_at"),
            duration=_number(data, "duration"),
            loop_path=loop_path,
            loop_name=_text(data, "loop_name") or loop_path.rsplit("/", 1)[-1],
            reason=_text(data, "reason"),
            mapping_id=_whole(data, "mapping_id"),
            listeners=_whole(data, "listeners"),
            next_artist=_text(data, "next_artist"),
            next_title=_text(data, "next_title"),
            is_live=data.get("is_live") is True,
            streamer=_text(data, "streamer"),
            changed_at=_number(data, "changed_at"),
        )

    def elapsed(self, now: float) -> float | None:
        """Seconds into the track at `now` (negative before AzuraCast's listener delay)."""
        return None if self.played_at is None else now - self.played_at


@dataclass(frozen=True, slots=True)
class Health:
    """A station's watch: its state since `since`, its last message, switch and error."""

    state: str
    since: datetime | None
    last_message_at: datetime | None = None
    last_switch_at: datetime | None = None
    last_error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """Health as published: times in unix seconds."""
        return {
            "state": self.state,
            "since": _seconds(self.since),
            "last_message_at": _seconds(self.last_message_at),
            "last_switch_at": _seconds(self.last_switch_at),
            "last_error": self.last_error,
        }

    @classmethod
    def parse(cls, data: object) -> Health | None:
        """Health from an event's JSON (ISO strings or unix seconds); None when there is none."""
        if not isinstance(data, Mapping):
            return None
        return cls(
            state=_text(data, "state") or "unknown",
            since=moment(data.get("since")),
            last_message_at=moment(data.get("last_message_at")),
            last_switch_at=moment(data.get("last_switch_at")),
            last_error=_text(data, "last_error") or None,
        )

    @classmethod
    def from_row(cls, row: StationHealth) -> Health:
        return cls(
            state=row.state,
            since=moment(row.since),
            last_message_at=moment(row.last_message_at),
            last_switch_at=moment(row.last_switch_at),
            last_error=row.last_error or None,
        )


def station_event(event: str, slug: str, card: NowPlayingCard | None, health: Health) -> str:
    """The JSON message published on the station's channel."""
    return json.dumps(
        {
            "event": event,
            "station": slug,
            "card": card.as_dict() if card else None,
            "health": health.as_dict(),
        },
        separators=(",", ":"),
    )
