"""The input rules of domain/validation.py and domain/paging.py, each as a table, and the fronts
(pages, API, CLI import, draft form) giving the same message for the same bad input."""

from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import String, inspect

from cli.main import crateloop
from domain import validation
from domain.loops import rules
from domain.models import TrackMapping
from domain.paging import Page, page_count, page_within
from domain.validation import InputError
from tests.test_web_pages import only
from tests.web_fixtures import Client

BAD_DATES = ("2026-W18-5", "20260501", "2026-5-1", "01.05.2026", "2026-02-30", "yesterday")


def refusal(rule: object, *args: object) -> tuple[str, str]:
    """The field and message of the InputError `rule(*args)` raises."""
    assert callable(rule)
    with pytest.raises(InputError) as refused:
        rule(*args)
    return refused.value.field, str(refused.value)


# --- lengths come from the model -----------------------------------------------------------------


def test_lengths_are_the_columns_lengths() -> None:
    columns = inspect(TrackMapping).columns
    for limit, name in (
        (rules.SONG_ID_MAX, "azuracast_song_id"),
        (rules.TRACK_KEY_MAX, "track_key"),
    ):
        kind = columns[name].type
        assert isinstance(kind, String)
        assert limit == kind.length


# --- mapping text --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [("Bicep", "Bicep"), ("  Glue \n", "Glue"), ("a" * 10_000, "a" * 10_000)],
)
def test_required_text_is_stripped(value: str, expected: str) -> None:
    assert validation.required_text("artist", value) == expected


@pytest.mark.parametrize("value", ["", "   ", "\t\n", None])
def test_required_text_refuses_blank(value: str | None) -> None:
    assert refusal(validation.required_text, "title", value) == ("title", "missing title")


@pytest.mark.parametrize(
    ("artist", "title", "key"),
    [
        ("Daft Punk", "One More Time", "daft punk - one more time"),
        ("A", "t" * rules.PART_MAX, "a - " + "t" * rules.PART_MAX),
        (
            "a" * rules.PART_MAX,
            "t" * rules.PART_MAX,
            "a" * rules.PART_MAX + " - " + "t" * rules.PART_MAX,
        ),
        ("  ", "  Spaced   Out  ", " - spaced out"),
    ],
)
def test_track_key_within_the_column(artist: str, title: str, key: str) -> None:
    assert rules.track_key(artist, title) == key
    assert len(key) <= rules.TRACK_KEY_MAX


@pytest.mark.parametrize(
    ("artist", "title", "field"),
    [
        ("A", "t" * (rules.PART_MAX + 1), "title"),
        ("a" * 5000, "T", "artist"),
        ("A", "t" * 5000, "title"),
    ],
)
def test_a_key_part_too_long_is_named_with_its_own_limit(
    artist: str, title: str, field: str
) -> None:
    length = len(artist) if field == "artist" else len(title)
    assert refusal(rules.track_key, artist, title) == (
        field,
        f"{field} is longer than {rules.PART_MAX} characters ({length})",
    )


def test_both_parts_too_long_are_both_named() -> None:
    with pytest.raises(validation.InputErrors) as refused:
        rules.track_key("a" * 300, "t" * 300)
    assert refused.value.by_field() == {
        "artist": f"artist is longer than {rules.PART_MAX} characters (300)",
        "title": f"title is longer than {rules.PART_MAX} characters (300)",
    }
    assert refused.value.field == "artist"  # a front showing one error names the first


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("5a6a865199cf5df73b1417326d2ff24f", "5a6a865199cf5df73b1417326d2ff24f"),
        ("  abc  ", "abc"),
        ("f" * rules.SONG_ID_MAX, "f" * rules.SONG_ID_MAX),
        ("", None),
        ("   ", None),
        (None, None),
    ],
)
def test_song_id(value: str | None, expected: str | None) -> None:
    assert rules.song_id(value) == expected


@pytest.mark.parametrize("value", ["f" * (rules.SONG_ID_MAX + 1), "x" * 40, "y" * 10_000])
def test_song_id_longer_than_the_column_is_refused(value: str) -> None:
    assert refusal(rules.song_id, value) == (
        "song_id",
        f"song_id is longer than {rules.SONG_ID_MAX} characters",
    )


# --- dates ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2026-05-01", date(2026, 5, 1)),
        (" 2024-02-29 ", date(2024, 2, 29)),
        ("0001-01-01", date(1, 1, 1)),
        ("", None),
        ("   ", None),
        (None, None),
        (date(2026, 5, 1), date(2026, 5, 1)),
    ],
)
def test_parse_date_reads_iso_days(raw: str | date | None, expected: date | None) -> None:
    assert validation.parse_date("from", raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        *BAD_DATES,
        "2026-05-01T10:00",  # a time is not a day
        "2023-02-29",  # not a leap year
        "\u0662\u0660\u0662\u0666-\u0660\u0665-\u0660\u0661",  # digits, but not ASCII ones
        "2026-05-01 x",
    ],
)
def test_parse_date_refuses_anything_else_naming_the_field(raw: str) -> None:
    field, message = refusal(validation.parse_date, "to", raw)
    assert field == "to"
    assert message == f"{raw.strip()!r} is not a date: use YYYY-MM-DD, e.g. 2026-05-01"


def test_a_long_bad_date_is_shown_shortened() -> None:
    _, message = refusal(validation.parse_date, "date", "9" * 5000)
    assert message == f"{'9' * 40!r} is not a date: use YYYY-MM-DD, e.g. 2026-05-01"


@pytest.mark.parametrize(
    ("date_from", "date_to", "days", "errors"),
    [
        ("", "", (None, None), {}),
        ("2026-04-10", "2026-04-12", (date(2026, 4, 10), date(2026, 4, 12)), {}),
        ("2026-04-10", "2026-04-10", (date(2026, 4, 10), date(2026, 4, 10)), {}),
        (
            "2026-04-12",
            "2026-04-10",
            (date(2026, 4, 12), date(2026, 4, 10)),
            {"to": "the end date is before the start date"},
        ),
        (
            "2026-W15-1",
            "2026-04-10",
            (None, date(2026, 4, 10)),
            {"from": "'2026-W15-1' is not a date: use YYYY-MM-DD, e.g. 2026-05-01"},
        ),
        (
            "soon",
            "later",
            (None, None),
            {
                "from": "'soon' is not a date: use YYYY-MM-DD, e.g. 2026-05-01",
                "to": "'later' is not a date: use YYYY-MM-DD, e.g. 2026-05-01",
            },
        ),
    ],
)
def test_date_range(
    date_from: str,
    date_to: str,
    days: tuple[date | None, date | None],
    errors: dict[str, str],
) -> None:
    found: dict[str, str] = {}
    assert validation.date_range(date_from, date_to, found) == days
    assert found == errors


# --- the active filter ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("true", True),
        ("TRUE", True),
        ("1", True),
        ("yes", True),
        ("false", False),
        ("False", False),
        ("0", False),
        ("no", False),
        ("all", None),
        (" all ", None),
        ("", None),
        (None, None),
    ],
)
def test_active_filter(raw: str | None, expected: bool | None) -> None:
    assert validation.active_filter(raw) is expected


@pytest.mark.parametrize("raw", ["maybe", "2", "active", "-1", "tru"])
def test_active_filter_refuses_anything_else(raw: str) -> None:
    assert refusal(validation.active_filter, raw) == (
        "active",
        f"active is {raw!r}: use true, false or all (1/0 and yes/no work too)",
    )


# --- pages ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "per_page", "pages"),
    [(0, 25, 1), (1, 25, 1), (25, 25, 1), (26, 25, 2), (1000, 7, 143)],
)
def test_page_count(total: int, per_page: int, pages: int) -> None:
    assert page_count(total, per_page) == pages
    assert Page([], total, 1, per_page).pages == pages


@pytest.mark.parametrize(
    ("page", "total", "per_page", "capped", "within"),
    [
        (1, 30, 10, False, 1),
        (3, 30, 10, False, 3),
        (4, 30, 10, False, 3),  # past the end: the last page
        (0, 30, 10, False, 1),
        (-5, 30, 10, False, 1),
        (7, 0, 10, False, 1),  # nothing at all: the one empty page
        (99999999999999999999, 30, 10, False, 3),
        (150, 1000, 10, True, 150),  # a capped count is a lower bound: later pages may exist
        (99999999999999999999, 1000, 10, True, 2**62 // 10),  # but OFFSET must fit a bigint
    ],
)
def test_page_within(page: int, total: int, per_page: int, capped: bool, within: int) -> None:
    assert page_within(page, total, per_page, capped=capped) == within
    assert (within - 1) * per_page < 2**63


# --- every front says the same ------------------------------------------------------------------


def field_error(html: str, selector: str) -> str:
    return only(html, selector).text(strip=True)


@pytest.mark.parametrize("bad", BAD_DATES)
async def test_pages_and_api_give_the_same_message_for_a_bad_date(client: Client, bad: str) -> None:
    api = await client.get("/api/v1/tracklists", params={"from": bad})
    assert (api.status_code, api.json()["field"]) == (400, "from")
    message = api.json()["detail"]
    assert message == f"{bad!r} is not a date: use YYYY-MM-DD, e.g. 2026-05-01"

    tracklists = await client.get("/tracklists", params={"from": bad})
    assert message in field_error(tracklists.text, "#tl-from-error")
    plays = await client.get("/plays", params={"from": bad})
    assert field_error(plays.text, "#from-error") == f"From: {message}"

    # The draft form's set date: the same rule, the same words, under its own field name.
    form = {"title": "Warm-up", "djs": "", "source": "", "genres": "", "text": "", "date": bad}
    drafted = await client.post("/tracklists/new", data=form)
    assert drafted.status_code == 422
    assert field_error(drafted.text, "#new-tracklist-date-error") == message


async def test_api_page_and_import_give_the_same_message_for_a_long_song_id(
    client: Client, app_env: dict[str, str], tmp_path: Path
) -> None:
    song_id = "f" * 40
    expected = f"song_id is longer than {rules.SONG_ID_MAX} characters"

    api = await client.post(
        "/api/v1/mappings",
        json={"artist": "A", "title": "B", "loop_path": "a.mp4", "song_id": song_id},
    )
    assert (api.status_code, api.json()["field"], api.json()["detail"]) == (
        400,
        "song_id",
        expected,
    )

    form = {"artist": "A", "title": "B", "loop_path": "a.mp4", "song_id": song_id}
    page = await client.post("/loops", data=form, headers={"HX-Request": "true"})
    assert page.status_code == 422
    assert only(page.text, "#loops-add .field-error").text(strip=True) == expected

    csv_file = tmp_path / "m.csv"
    csv_file.write_text(f"artist,title,loop_path,song_id\nA,B,a.mp4,{song_id}\n")
    # The CLI runs its own event loop, so not on this test's.
    result = await asyncio.to_thread(
        CliRunner().invoke, crateloop, ["mappings", "import", "--csv", str(csv_file)], env=app_env
    )
    assert result.exit_code == 1
    assert f"line 2: {expected}" in result.stderr

    listed = await client.get("/api/v1/mappings")
    assert listed.json()["total"] == 0  # nothing was stored by any of them


# --- listing pages -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("", 1), (None, 1), ("1", 1), (" 7 ", 7), ("007", 7), ("9" * 40, 10**18)],
)
def test_page_number(raw: str | None, expected: int) -> None:
    assert validation.page_number("page", raw) == expected


@pytest.mark.parametrize("raw", ["0", "-1", "abc", "1.5", "2e3", "٣", "0000"])
def test_page_number_refused(raw: str) -> None:
    field, message = refusal(validation.page_number, "page", raw)
    assert field == "page"
    assert message == f"page is {raw!r}: use a whole number from 1, e.g. 2"


@pytest.mark.parametrize(("raw", "expected"), [("", 50), (None, 50), ("25", 25), (" 200 ", 200)])
def test_per_page(raw: str | None, expected: int) -> None:
    assert validation.per_page("per_page", raw, (25, 50, 100, 200), 50) == expected


@pytest.mark.parametrize("raw", ["30", "0", "100000", "-25", "x", "9" * 50])
def test_per_page_refused(raw: str) -> None:
    field, message = refusal(validation.per_page, "per_page", raw, (25, 50, 100, 200), 50)
    assert field == "per_page"
    assert message.endswith(": use 25, 50, 100 or 200")
    assert message.startswith(f"per_page is {raw[:40]!r}")


def test_refusals_keep_every_error_in_order() -> None:
    refusals = validation.Refusals()
    assert refusals.check(validation.required_text, "artist", "") is None
    assert refusals.check(validation.required_text, "title", " Glue ") == "Glue"
    assert refusals.check(rules.song_id, "f" * 40) is None
    with pytest.raises(validation.InputErrors) as refused:
        refusals.raise_any()
    assert refused.value.by_field() == {
        "artist": "missing artist",
        "song_id": f"song_id is longer than {rules.SONG_ID_MAX} characters",
    }
    assert str(refused.value) == (
        f"missing artist; song_id is longer than {rules.SONG_ID_MAX} characters"
    )
    one = validation.Refusals()
    one.check(validation.required_text, "title", "")
    with pytest.raises(validation.InputError) as single:
        one.raise_any()
    assert type(single.value) is validation.InputError  # one refusal is raised as it was
    validation.Refusals().raise_any()  # none: nothing raised
