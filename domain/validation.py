"""Input rules, one validator each: the pages, the API, the CLI and the import all call these.

Every refusal is an InputError naming the field at fault, with a message saying what would be
valid; the fronts only choose how to show it (a 400 or 422, a message beside the input, a line of
an import report). A feature's own rules (a mapping's track key and song id) live in its package
(`domain/loops/rules.py`) and raise the same InputError.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import date
from functools import cache
from typing import ParamSpec, TypeVar
from zoneinfo import available_timezones

P = ParamSpec("P")
T = TypeVar("T")

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

    def by_field(self) -> dict[str, str]:
        """The message under the field it is about, as a form shows it beside the input."""
        return {self.field: str(self)}


class Conflict(InputError):
    """An input another row holds already (a track key, a recording): the API's 409."""


class InputErrors(InputError):
    """Several inputs break their rules at once: a form shows each beside its field.

    `field` and the message are the first error's field and every message joined, so a front
    that shows one error (an API's `field`, an import's line) still says everything.
    """

    def __init__(self, errors: Sequence[InputError]) -> None:
        super().__init__(errors[0].field, "; ".join(str(error) for error in errors))
        self.errors = list(errors)

    def by_field(self) -> dict[str, str]:
        shown: dict[str, str] = {}
        for error in self.errors:
            for field, message in error.by_field().items():
                shown.setdefault(field, message)  # the first refusal of a field says enough
        return shown


class Refusals:
    """Checks every input of a form before refusing, so the person fixes them all at once:
    `check` runs a rule and keeps its refusal, `raise_any` raises what was kept."""

    def __init__(self) -> None:
        self.errors: list[InputError] = []

    def check(self, rule: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T | None:
        """`rule(*args, **kwargs)`, or None (the refusal kept) when it refuses. A field refused
        already keeps its first refusal: a second rule failing on it says nothing new."""
        try:
            return rule(*args, **kwargs)
        except InputError as error:
            refused = {field for kept in self.errors for field in kept.by_field()}
            if not error.by_field().keys() <= refused:
                self.errors.append(error)
            return None

    def raise_any(self) -> None:
        """Raise the one refusal as it is, several as InputErrors, none: nothing."""
        if len(self.errors) == 1:
            raise self.errors[0]
        if self.errors:
            raise InputErrors(self.errors)


# --- text ------------------------------------------------------------------------------------


def required_text(field: str, value: str | None) -> str:
    """`value` stripped; refused when nothing is left."""
    text = (value or "").strip()
    if not text:
        raise InputError(field, f"missing {field}")
    return text


# --- query values --------------------------------------------------------------------------------

# No listing filter, search, page number or id needs more: a longer value is a mistake or a probe,
# and refusing it at the door keeps it out of queries, caches and log lines.
PARAMETER_MAX = 2000


def url_parameter(field: str, value: str, limit: int = PARAMETER_MAX) -> str:
    """A path or query parameter (or any short text) as given; refused when it holds a NUL byte
    (PostgreSQL cannot store one) or passes `limit` characters."""
    if "\x00" in value:
        raise InputError(field, f"{field} contains a NUL byte")
    if len(value) > limit:
        raise InputError(field, f"{field} is longer than {limit} characters")
    return value


# Every table's id is a PostgreSQL bigint and a tracklist's version number an integer. A larger
# number names no row, but PostgreSQL refuses to compare a column with it at all (a server error
# instead of "not found"), so the fronts refuse it with the input's name.
ID_MAX = 2**63 - 1
INTEGER_MAX = 2**31 - 1  # any integer column, e.g. a library track's discovery_count
VERSION_MAX = INTEGER_MAX
# Path parameters that are a version's number rather than a row id.
_VERSION_PARAMETERS = frozenset({"number", "version"})


def row_number(field: str, value: int) -> int:
    """A row id (or a version's number) from a URL; refused past what its column can hold."""
    limit = VERSION_MAX if field in _VERSION_PARAMETERS else ID_MAX
    if not -limit <= value <= limit:
        raise InputError(field, f"{field} must be at most {limit}")
    return value


# --- listing pages ---------------------------------------------------------------------------

# A page number past the last page shows the last page (domain.paging.page_within); one with more
# digits than this is far past any table's end, so it is read as this without converting it.
_PAGE_DIGITS_MAX = 18


def page_number(field: str, raw: str | None) -> int:
    """A listing's page number: a whole number from 1 (absent or blank: 1). One past the last
    page is not refused here: the listing shows its last page instead."""
    text = (raw or "").strip()
    if not text:
        return 1
    digits = text.lstrip("0") if text.isascii() and text.isdigit() else ""
    if not digits:
        shown = text[:_SHOWN_MAX]
        raise InputError(field, f"{field} is {shown!r}: use a whole number from 1, e.g. 2")
    return int(digits) if len(digits) <= _PAGE_DIGITS_MAX else 10**_PAGE_DIGITS_MAX


def per_page(field: str, raw: str | None, choices: Sequence[int], default: int) -> int:
    """How many rows a listing page shows: one of `choices` (absent or blank: `default`).
    Refused otherwise, so nobody asks a page for the whole table."""
    text = (raw or "").strip()
    if not text:
        return default
    if text.isascii() and text.isdigit() and len(text) < 10 and int(text) in choices:
        return int(text)
    listed = ", ".join(str(choice) for choice in choices[:-1]) + f" or {choices[-1]}"
    raise InputError(field, f"{field} is {text[:_SHOWN_MAX]!r}: use {listed}")


def paging(
    page: str | None, size: str | None, choices: Sequence[int], default: int
) -> tuple[int, int, dict[str, str]]:
    """A listing's page number and size, the one rule every listing page follows (Loops, Plays,
    Tracklists): the values to use, and the refusals by field (empty when both are good)."""
    refusals = Refusals()
    number = refusals.check(page_number, "page", page)
    rows = refusals.check(per_page, "per_page", size, choices, default)
    errors: dict[str, str] = {}
    for error in refusals.errors:
        errors |= error.by_field()
    return number or 1, rows or default, errors


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


# --- time zones ----------------------------------------------------------------------------------

UTC_NAME = "UTC"


@cache
def zone_names() -> tuple[str, ...]:
    """Every IANA zone name this machine knows, sorted (the account page's choices)."""
    return tuple(sorted(available_timezones() | {UTC_NAME}))


def zone_name(field: str, name: str) -> str:
    """`name` stripped, when it is a zone this machine lists; refused otherwise (ZoneInfo would
    also open odd files under the zone folder, such as "posixrules"). A user's zone and
    DISPLAY_TIMEZONE both follow this rule."""
    text = name.strip()
    if text in zone_names():
        return text
    shown = text[:_SHOWN_MAX] + ("…" if len(text) > _SHOWN_MAX else "")
    raise InputError(
        field, f"{field} must be an IANA time zone name like Europe/Berlin or UTC (got {shown!r})"
    )


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
