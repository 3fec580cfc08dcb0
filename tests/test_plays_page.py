"""The Plays page: filters by station, dates and reason, pages, and the CSV export."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest

from tests.daemon_process import SLUG, add_station
from tests.test_dashboard import XSS, add_play
from tests.test_web_pages import only, texts
from tests.web_fixtures import Client

DAY = datetime(2026, 4, 10, 12, 0, tzinfo=UTC)


def seed(database_url: str) -> None:
    """Radio One: 3 mapped plays on Apr 10, 2 default on Apr 11; Radio Two: one live on Apr 12."""
    add_station(database_url)
    add_station(database_url, "radio-two", "Radio Two")
    for n in range(3):
        add_play(database_url, "Daft Punk", f"Mapped {n}", started_at=DAY + timedelta(minutes=n))
    for n in range(2):
        add_play(
            database_url,
            "Nobody",
            f"Default {n}",
            reason="default",
            started_at=DAY + timedelta(days=1, minutes=n),
        )
    add_play(
        database_url,
        "DJ",
        "Live set",
        station="radio-two",
        reason="live",
        started_at=DAY + timedelta(days=2),
    )


async def test_plays_newest_first_in_the_layout(client: Client, database_url: str) -> None:
    seed(database_url)
    html = (await client.get("/plays")).text
    assert only(html, ".mainnav a[aria-current=page]").text(strip=True) == "Plays"
    assert texts(html, "tr.play .track-name")[:2] == [
        "DJ \u2013 Live set",
        "Nobody \u2013 Default 1",
    ]
    assert texts(html, "tr.play .station")[0] == "Radio Two"
    assert only(html, ".pager .count").text() == "6 plays"
    assert only(html, ".csv-link").attributes["href"] == "/plays.csv"
    assert texts(html, "select[name=station] option") == ["All stations", "Radio One", "Radio Two"]


async def test_filters_by_station_dates_and_reason(client: Client, database_url: str) -> None:
    seed(database_url)

    async def tracks(**params: str) -> list[str]:
        html = (await client.get("/plays", params=params)).text
        return [t.split("\u2013")[1].strip() for t in texts(html, "tr.play .track-name")]

    assert await tracks(station="radio-two") == ["Live set"]
    assert await tracks(reason="default") == ["Default 1", "Default 0"]
    assert await tracks(**{"from": "2026-04-11"}) == ["Live set", "Default 1", "Default 0"]
    assert await tracks(to="2026-04-10") == ["Mapped 2", "Mapped 1", "Mapped 0"]
    assert await tracks(**{"from": "2026-04-11", "to": "2026-04-11"}) == ["Default 1", "Default 0"]
    assert await tracks(station=SLUG, reason="live") == []
    html = (await client.get("/plays", params={"station": SLUG, "reason": "default"})).text
    assert only(html, "select[name=station] option[selected]").text() == "Radio One"
    assert only(html, "select[name=reason] option[selected]").attributes["value"] == "default"
    assert (
        only(html, ".csv-link").attributes["href"] == "/plays.csv?station=radio-one&reason=default"
    )


async def test_a_bad_date_is_refused_beside_its_field_with_no_rows(
    client: Client, database_url: str
) -> None:
    seed(database_url)
    answer = await client.get("/plays", params={"from": "10/04/2026", "reason": "nonsense"})
    assert answer.status_code == 400
    html = answer.text
    error = only(html, "label:has(input[name=from]) #from-error")  # beside its own field
    assert "'10/04/2026' is not a date: use YYYY-MM-DD" in error.text()
    assert only(html, "input[name=from]").attributes["aria-invalid"] == "true"
    assert texts(html, "tr.play") == []  # no unfiltered rows under the error
    assert only(html, "tr.empty").text().startswith("Nothing listed")
    answer = await client.get("/plays", params={"from": "2026-04-12", "to": "2026-04-10"})
    assert answer.status_code == 400
    assert (
        "before the start date" in only(answer.text, "label:has(input[name=to]) #to-error").text()
    )
    assert texts(answer.text, "tr.play") == []


async def test_the_date_inputs_and_their_hint_agree(client: Client) -> None:
    html = (await client.get("/plays")).text
    hint = only(html, "#dates-hint").text()
    assert "YYYY-MM-DD" in hint
    for name in ("from", "to"):
        date_input = only(html, f"input[name={name}]")
        assert date_input.attributes["type"] == "date"  # submits YYYY-MM-DD, as the hint says
        assert date_input.attributes["placeholder"] == "YYYY-MM-DD"
        assert date_input.attributes["aria-describedby"] == "dates-hint"


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"per_page": "30"}, "per_page", "per_page is '30': use 25, 50, 100 or 200"),
        ({"per_page": "100000"}, "per_page", "per_page is '100000': use 25, 50, 100 or 200"),
        ({"page": "0"}, "page", "page is '0': use a whole number from 1, e.g. 2"),
        ({"page": "two"}, "page", "page is 'two': use a whole number from 1, e.g. 2"),
    ],
)
async def test_a_bad_page_or_page_size_is_refused(
    client: Client, database_url: str, params: dict[str, str], field: str, message: str
) -> None:
    seed(database_url)
    answer = await client.get("/plays", params=params)
    assert answer.status_code == 400
    assert only(answer.text, f"#{field}-error").text() == message
    assert texts(answer.text, "tr.play") == []


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"from": "bad"}, "from: 'bad' is not a date: use YYYY-MM-DD, e.g. 2026-05-01"),
        ({"to": "2026-13-01"}, "to: '2026-13-01' is not a date: use YYYY-MM-DD, e.g. 2026-05-01"),
        ({"from": "2026-04-12", "to": "2026-04-10"}, "to: the end date is before the start date"),
    ],
)
async def test_the_csv_export_refuses_a_bad_date(
    client: Client, database_url: str, params: dict[str, str], expected: str
) -> None:
    seed(database_url)
    answer = await client.get("/plays.csv", params=params)
    assert answer.status_code == 400
    assert answer.headers["content-type"] == "text/plain; charset=utf-8"
    assert answer.text == expected + "\n"  # the field named, and no plays exported
    assert "Daft Punk" not in answer.text


async def test_pages(client: Client, database_url: str) -> None:
    add_station(database_url)
    for n in range(30):
        add_play(database_url, "A", f"T{n:02}", started_at=DAY + timedelta(minutes=n))
    first = (await client.get("/plays", params={"per_page": "25"})).text
    assert len(texts(first, "tr.play")) == 25
    assert only(first, ".page-of").text() == "Page 1 of 2"
    assert only(first, "a[rel=next]").attributes["href"] == "/plays?page=2&per_page=25"
    second = (await client.get("/plays?page=2&per_page=25")).text
    assert texts(second, "tr.play .track-name") == [f"A \u2013 T{n:02}" for n in range(4, -1, -1)]
    assert only(second, "a[rel=prev]").attributes["href"] == "/plays?per_page=25"
    # A page past the end, however far, is the last page.
    for far in ("3", "99999999999999999999"):
        past = (await client.get(f"/plays?page={far}&per_page=25")).text
        assert only(past, ".page-of").text() == "Page 2 of 2"
        assert len(texts(past, "tr.play")) == 5


async def test_user_text_is_escaped(client: Client, database_url: str) -> None:
    add_station(database_url)
    add_play(database_url, XSS, XSS, loop_path=XSS)
    html = (await client.get("/plays")).text
    assert XSS not in html
    assert only(html, "tr.play .loop-file").text() == XSS


async def test_csv_export_of_the_filtered_plays(client: Client, database_url: str) -> None:
    seed(database_url)
    add_play(
        database_url,
        '=HYPERLINK("http://evil")',
        'Comma, "quoted"\nand a newline',
        reason="default",
        started_at=DAY + timedelta(days=1, hours=1),
        loop_path="@loops/+a.mp4",
    )
    response = await client.get("/plays.csv", params={"station": SLUG, "reason": "default"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"  # one charset
    assert 'filename="plays-radio-one.csv"' in response.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0] == [
        "started_at", "station", "artist", "title", "track_key", "song_id", "sh_id",
        "duration", "reason", "loop_path",
    ]  # fmt: skip
    assert len(rows) == 4  # header + 3 default plays of Radio One
    evil = rows[1]
    assert evil[0] == "2026-04-11T13:00:00+00:00"
    assert evil[2] == '\'=HYPERLINK("http://evil")'  # a formula becomes text
    assert evil[3] == 'Comma, "quoted"\nand a newline'  # quoting round-trips
    assert evil[4].startswith("'=hyperlink")
    assert evil[9] == "'@loops/+a.mp4"
    assert [row[3] for row in rows[2:]] == ["Default 1", "Default 0"]


async def test_csv_export_needs_a_login(anon_client: Client) -> None:
    response = await anon_client.get("/plays.csv", follow_redirects=False)
    assert response.status_code in (302, 303, 401)
