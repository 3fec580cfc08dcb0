"""Input rules, one validator each: the pages, the API, the CLI and the import all call these.

Every refusal is an InputError naming the field at fault, with a message saying what would be
valid; the fronts only choose how to show it (a 400 or 422, a message beside the input, a line of
an import report). Lengths come from the model's columns, so a rule cannot drift from the schema.
"""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import String, inspect

from domain.loops.keys import normalize_track_key
from domain.models import TrackMapping

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
_SHOWN_MAX = 40  # how much of a refused value a message repeats
_ACTIVE = {
    "true": True, "1": True, "yes": True,
    "false": False, "0": False, "no": False,
    "all": None, "": None,
}  # fmt: skip


class InputError(ValueError):
    """An input breaks a rule; `field` names it and the message says what would be valid."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def _column_length(model: type[TrackMapping], name: str) -> int:
    kind = inspect(model).columns[name].type
    if not isinstance(kind, String) or kind.length is None:
        raise TypeError(f"{model.__name__}.{name} has no length")
    return kind.length


TRACK_KEY_MAX = _column_length(TrackMapping, "track_key")
SONG_ID_MAX = _column_length(TrackMapping, "azuracast_song_id")


# --- mappings ------------------------------------------------------------------------------------


def required_text(field: str, value: str | None) -> str:
    """`value` stripped; refused when nothing is left."""
    text = (value or "").strip()
    if not text:
        raise InputError(field, f"missing {field}")
    return text


def track_key(artist: str, title: str) -> str:
    """The key a mapping of `artist` and `title` is stored under, refused when it is too long."""
    key = normalize_track_key(artist, title)
    if len(key) > TRACK_KEY_MAX:
        raise InputError("title", f"artist and title are longer than {TRACK_KEY_MAX} characters")
    return key


def song_id(value: str | None) -> str | None:
    """An AzuraCast song id as given, stripped (blank: None, computed later from the track)."""
    text = (value or "").strip()
    if len(text) > SONG_ID_MAX:
        raise InputError("song_id", f"song_id is longer than {SONG_ID_MAX} characters")
    return text or None


# --- query values --------------------------------------------------------------------------------


def parse_date(field: str, raw: str | date | None) -> date | None:
    """A day written YYYY-MM-DD, the only form accepted (blank or None: no day)."""
    if raw is None or isinstance(raw, date):
        return raw
    text = raw.strip()
    if not text:
        return None
    if _ISO_DATE.fullmatch(text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass  # 2026-02-30: the form is right, the day does not exist
    raise InputError(field, f"{text[:_SHOWN_MAX]!r} is not a date: use YYYY-MM-DD, e.g. 2026-05-01")


def date_range(
    date_from: str, date_to: str, errors: dict[str, str]
) -> tuple[date | None, date | None]:
    """A listing filter's `from` and `to` days. A day that does not parse is None and its message
    goes in `errors` under "from" or "to", as does an end before the start."""
    days: list[date | None] = []
    for name, raw in (("from", date_from), ("to", date_to)):
        try:
            days.append(parse_date(name, raw))
        except InputError as error:
            errors[error.field] = str(error)
            days.append(None)
    first, last = days
    if first and last and last < first:
        errors["to"] = "the end date is before the start date"
    return first, last


def active_filter(raw: str | None) -> bool | None:
    """Which mappings a listing shows: true (only active), false (only deactivated), all or
    absent (both). 1/0 and yes/no are read as true/false."""
    text = (raw or "").strip().lower()
    if text not in _ACTIVE:
        shown = (raw or "")[:_SHOWN_MAX]
        raise InputError(
            "active", f"active is {shown!r}: use true, false or all (1/0 and yes/no work too)"
        )
    return _ACTIVE[text]
