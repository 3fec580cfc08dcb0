"""Days typed into a query string as YYYY-MM-DD, read one way by the pages and the API."""

from __future__ import annotations

from datetime import date


def parse_day(raw: str) -> date | None:
    """The day `raw` names (blank: None); ValueError saying what would be valid."""
    if not raw.strip():
        return None
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        raise ValueError(f"{raw!r} is not a date: use YYYY-MM-DD, e.g. 2026-05-01") from None


def day_range(
    date_from: str, date_to: str, errors: dict[str, str]
) -> tuple[date | None, date | None]:
    """A page filter's `from` and `to` days. A day that does not parse is None and its message
    goes in `errors` under "from" or "to", as does an end before the start."""
    days: list[date | None] = []
    for name, raw in (("from", date_from), ("to", date_to)):
        try:
            days.append(parse_day(raw))
        except ValueError as error:
            errors[name] = str(error)
            days.append(None)
    first, last = days
    if first and last and last < first:
        errors["to"] = "the end date is before the start date"
    return first, last
