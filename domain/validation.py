"""Input rules, one validator each: the pages, the API, the CLI and the import all call these.

Every refusal is an InputError naming the field at fault, with a message saying what would be
valid; the fronts only choose how to show it (a 400 or 422, a message beside the input, a line of
an import report). A feature's own rules (a mapping's track key and song id) live in its package
(`domain/loops/rules.py`) and raise the same InputError.
"""

from __future__ import annotations

import re
from datetime import date

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


def url_parameter(field: str, value: str) -> str:
    """A path or query parameter as given; refused when it holds a NUL byte (PostgreSQL cannot
    store one) or passes PARAMETER_MAX characters."""
    if "\x00" in value:
        raise InputError(field, f"{field} contains a NUL byte")
    if len(value) > PARAMETER_MAX:
        raise InputError(field, f"{field} is longer than {PARAMETER_MAX} characters")
    return value


# Every table's id is a PostgreSQL bigint and a tracklist's version number an integer. A larger
# number names no row, but PostgreSQL refuses to compare a column with it at all (a server error
# instead of "not found"), so the fronts refuse it with the input's name.
ID_MAX = 2**63 - 1
VERSION_MAX = 2**31 - 1
# Path parameters that are a version's number rather than a row id.
_VERSION_PARAMETERS = frozenset({"number", "version"})


def row_number(field: str, value: int) -> int:
    """A row id (or a version's number) from a URL; refused past what its column can hold."""
    limit = VERSION_MAX if field in _VERSION_PARAMETERS else ID_MAX
    if not -limit <= value <= limit:
        raise InputError(field, f"{field} must be at most {limit}")
    return value


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
