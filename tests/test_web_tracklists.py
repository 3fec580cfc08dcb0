"""The Tracklists pages through HTTP: the list (search, filters, pages), imports and their live
status line, the site's search, hand-made tracklists, a tracklist with versions, diffs and
downloads (CUE sheets read back by deflacue), and the draft editor. Asserted on the HTML a
person sees; the database, Redis and the fake 1001tracklists site are real."""

from __future__ import annotations

import asyncio
import dataclasses
import io
import json
import re
import threading
import zipfile
from datetime import date
from urllib.parse import urlencode

import psycopg
import pytest
import redis
import redis.asyncio as aioredis

from domain import channels
from domain.config import Settings
from domain.db import Sessions, create_engine, create_sessionmaker
from domain.tracklists import imports
from domain.tracklists.client import PoliteClient
from domain.tracklists.model import ParsedTrack
from domain.tracklists.urls import SiteUrls
from tests.fakes.tracklist_pages import (
    Entry,
    Row,
    challenge_page,
    dj_path,
    listing_page,
    search_page,
    source_path,
    tracklist_page,
    tracklist_path,
)
from tests.fakes.tracklists_site import FakeTracklistsSite
from tests.test_web_pages import child, only, page, texts
from tests.tracklist_seeds import (
    ESCAPED_XSS,
    XSS,
    count,
    cue_disc,
    held_rows,
    mix,
    queued_messages,
    read_cue,
    store,
)
from tests.waiting import wait_until
from tests.web_fixtures import Client

HX = {"HX-Request": "true"}
HX_RESULTS = {"HX-Request": "true", "HX-Target": "tracklists-results"}
STREAM_SECONDS = 20.0


# The list --------------------------------------------------------------------------------------


async def three(sessions: Sessions) -> None:
    await store(sessions, mix("aaa1", title="ARTBAT @ Tomorrowland", day=date(2023, 7, 21)))
    await store(
        sessions,
        mix(
            "bbb2",
            title="Charlotte de Witte @ Awakenings",
            djs=("Charlotte de Witte",),
            source="Awakenings",
            genres=("Techno",),
            day=date(2024, 6, 29),
        ),
    )
    await store(
        sessions,
        mix(
            "ccc3",
            title="Bicep Live @ Printworks",
            djs=("Bicep",),
            source=None,
            genres=("House",),
            day=date(2022, 1, 15),
        ),
    )


async def test_the_list_in_the_layout(client: Client, sessions: Sessions) -> None:
    await three(sessions)
    html = (await client.get("/tracklists")).text
    assert only(html, ".mainnav a[aria-current=page]").text(strip=True) == "Tracklists"
    assert texts(html, "tr.tracklist td.title a") == [
        "Charlotte de Witte @ Awakenings",
        "ARTBAT @ Tomorrowland",
        "Bicep Live @ Printworks",
    ]
    first = page(html).css("tr.tracklist")[0]
    assert child(first, ".djs").text(strip=True) == "Charlotte de Witte"
    assert child(first, ".source").text(strip=True) == "Awakenings"
    assert child(first, ".date").text(strip=True) == "2024-06-29"
    assert child(first, ".genres").text(strip=True) == "Techno"
    assert child(first, ".tracks").text(strip=True) == "5"  # not the "w/" row, not the mashup part
    assert child(first, ".version").text(strip=True) == "1"
    # In the viewer's zone, saying it (DISPLAY_TIMEZONE: UTC here).
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", child(first, ".checked").text(strip=True))
    assert only(html, ".pager .count").text(strip=True) == "3 tracklists"
    assert texts(html, "#tl-dj option") == ["All DJs", "ARTBAT", "Bicep", "Charlotte de Witte"]
    assert "House" in texts(html, "#tl-genre option")


async def test_the_list_counts_main_tracks_as_the_detail_page_does(
    client: Client, sessions: Sessions
) -> None:
    # 120 tracks, a "w/" row after every 10th (12) and one mashup part: 133 rows.
    rows: list[ParsedTrack] = []
    for i in range(1, 121):
        rows.append(ParsedTrack(i, cue_seconds=(i - 1) * 180, artist=f"A{i}", title=f"T{i}"))
        if i % 10 == 0:
            rows.append(ParsedTrack(None, with_previous=True, artist=f"V{i}", title="Acapella"))
    rows.append(ParsedTrack(None, artist="Part", title="Of the mashup", mashup=True))
    stored = await store(sessions, mix(tracks=tuple(rows)))
    assert len(rows) == 133

    listed = (await client.get("/tracklists")).text
    assert only(listed, "tr.tracklist .tracks").text(strip=True) == "120"
    detail = (await client.get(f"/tracklists/{stored.tracklist_id}")).text
    assert only(detail, ".tl-meta .counts").text(strip=True) == (
        "120 tracks (+13 w/ and mashup rows); the site claims 120 tracks"
    )
    assert len(page(detail).css("#tracks tbody tr")) == 133


async def test_search_as_you_type_swaps_only_the_results(
    client: Client, sessions: Sessions
) -> None:
    await three(sessions)
    answer = await client.get("/tracklists", params={"q": "awak"}, headers=HX_RESULTS)
    assert answer.status_code == 200
    assert answer.headers["HX-Push-Url"] == "/tracklists?q=awak"
    assert "<html" not in answer.text
    assert texts(answer.text, "tr.tracklist td.title") == ["Charlotte de Witte @ Awakenings"]
    assert only(answer.text, ".pager .count").text(strip=True) == "1 tracklist"


async def test_filters_by_dj_genre_and_dates(client: Client, sessions: Sessions) -> None:
    await three(sessions)

    async def titles(**params: str) -> list[str]:
        html = (await client.get("/tracklists", params=params)).text
        return texts(html, "tr.tracklist td.title a")

    assert await titles(dj="Bicep") == ["Bicep Live @ Printworks"]
    assert await titles(genre="melodic techno") == ["ARTBAT @ Tomorrowland"]
    assert await titles(**{"from": "2023-01-01"}) == [
        "Charlotte de Witte @ Awakenings",
        "ARTBAT @ Tomorrowland",
    ]
    assert await titles(**{"from": "2023-01-01", "to": "2023-12-31"}) == ["ARTBAT @ Tomorrowland"]
    assert await titles(q="nothing like this") == []


async def test_a_bad_date_is_named_beside_its_field(client: Client, sessions: Sessions) -> None:
    await three(sessions)
    answer = await client.get("/tracklists", params={"from": "21.07.2023"})
    assert answer.status_code == 400
    html = answer.text
    error = only(html, "#tl-from-error")
    assert "'21.07.2023' is not a date: use YYYY-MM-DD" in error.text()
    # The message sits in the same field group as the input it is about.
    assert only(html, ".date-field:has(#tl-from) #tl-from-error") is not None
    assert only(html, "#tl-from").attributes["aria-invalid"] == "true"
    # Refused, not ignored: nothing is listed (not the three unfiltered tracklists).
    assert texts(html, "tr.tracklist") == []
    assert only(html, ".pager .count").text(strip=True) == "0 tracklists"

    partial = await client.get("/tracklists", params={"to": "soon"}, headers=HX_RESULTS)
    assert partial.status_code == 400
    assert texts(partial.text, "tr.tracklist") == []
    oob = only(partial.text, "#tl-to-error")
    assert oob.attributes["hx-swap-oob"] == "true"
    assert "'soon' is not a date" in oob.text()
    # The form that asks marks itself so htmx swaps that 400 in (static/app.js).
    assert "data-swap-refusal" in only(html, "#tracklists-filter").attributes

    backwards = await client.get("/tracklists", params={"from": "2024-01-01", "to": "2023-01-01"})
    assert backwards.status_code == 400
    assert "the end date is before the start date" in only(backwards.text, "#tl-to-error").text()
    assert texts(backwards.text, "tr.tracklist") == []


async def test_the_date_filters_are_pickers_whose_hint_says_what_they_accept(
    client: Client,
) -> None:
    html = (await client.get("/tracklists")).text
    for name in ("from", "to"):
        picker = only(html, f"#tl-{name}")
        assert picker.attributes["type"] == "date"
        assert picker.attributes["placeholder"] == "YYYY-MM-DD"
        assert "tl-date-hint" in (picker.attributes["aria-describedby"] or "")
    assert "YYYY-MM-DD" in only(html, "#tl-date-hint").text()
    new = (await client.get("/tracklists/new")).text
    assert only(new, "#new-tracklist-date").attributes["type"] == "date"
    assert "YYYY-MM-DD" in only(new, ".field:has(#new-tracklist-date) .hint").text()


async def test_bad_paging_values_are_refused_like_on_loops_and_plays(
    client: Client, sessions: Sessions
) -> None:
    for n in range(12):
        await store(sessions, mix(f"q{n:03d}", title=f"Mix {n:02d}", day=date(2021, 1, n + 1)))
    for path in ("/loops", "/plays", "/tracklists"):
        for name in ("page", "per_page"):
            refused = await client.get(path, params={name: "lots"})
            assert refused.status_code == 400, (path, name)
            assert name in refused.text, (path, name)
    ten = (await client.get("/tracklists", params={"per_page": "10"})).text
    assert len(texts(ten, "tr.tracklist")) == 10
    assert only(ten, "a[rel=next]").attributes["href"] == "/tracklists?page=2&per_page=10"
    assert only(ten, "#tracklists-filter input[name=per_page]").attributes["value"] == "10"
    # A size the page does not offer is refused the same way on every listing, with no rows.
    for path in ("/loops", "/plays", "/tracklists"):
        refused = await client.get(path, params={"per_page": "100000"})
        assert refused.status_code == 400, path
        assert "per_page is '100000': use " in refused.text, path
    assert texts((await client.get("/tracklists?per_page=1")).text, "tr.tracklist") == []


async def test_pages(client: Client, sessions: Sessions) -> None:
    for n in range(27):
        await store(sessions, mix(f"p{n:03d}", title=f"Mix {n:02d}", day=date(2020, 1, n % 28 + 1)))
    html = (await client.get("/tracklists")).text
    assert len(texts(html, "tr.tracklist")) == 25
    assert only(html, ".page-of").text(strip=True) == "Page 1 of 2"
    assert only(html, "a[rel=next]").attributes["href"] == "/tracklists?page=2"
    second = (await client.get("/tracklists?page=2")).text
    assert len(texts(second, "tr.tracklist")) == 2
    # A page past the end, however far, is the last page, and its pager says so.
    for far in ("3", "99999999999999999999"):
        past = (await client.get(f"/tracklists?page={far}")).text
        assert len(texts(past, "tr.tracklist")) == 2
        assert only(past, ".page-of").text(strip=True) == "Page 2 of 2"
        assert only(past, "a[rel=prev]").attributes["href"] == "/tracklists"
    swapped = await client.get("/tracklists?page=9", headers=HX_RESULTS)
    assert swapped.headers["HX-Push-Url"] == "/tracklists?page=2"


# Imports ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("https://evil.example/tracklist/2k3l4m9/x.html", "evil.example is another host"),
        ("http://10.0.0.7/tracklist/2k3l4m9/x.html", "10.0.0.7 is an IP address"),
        ("ftp://www.1001tracklists.com/tracklist/2k3l4m9/x.html", "is not http or https"),
        ("javascript:alert(1)", "is not http or https"),
    ],
)
async def test_a_url_off_the_site_is_refused_before_anything(
    client: Client,
    tracklists_site: FakeTracklistsSite,
    database_url: str,
    settings: Settings,
    url: str,
    reason: str,
) -> None:
    answer = await client.post("/tracklists/imports", data={"url": url}, headers=HX)
    assert answer.status_code == 422
    error = only(answer.text, "#import-form-url-error")
    assert reason in error.text()
    assert "a tracklist URL looks like" in error.text()
    field = only(answer.text, "#import-form-url")
    assert field.attributes["value"] == url  # what was typed is kept
    assert field.attributes["aria-invalid"] == "true"
    assert count(database_url, "tracklist_imports") == 0
    assert await queued_messages(settings) == 0
    assert tracklists_site.requests == []


async def test_an_import_is_queued_and_shows_a_live_status_line(
    client: Client, tracklists_site: FakeTracklistsSite, database_url: str, settings: Settings
) -> None:
    url = f"{tracklists_site.url}/tracklist/2k3l4m9/artbat-tomorrowland.html"
    answer = await client.post(
        "/tracklists/imports", data={"url": url, "force": "true"}, headers=HX
    )
    assert answer.status_code == 200
    # The form comes back empty; the status line goes on top of the others.
    assert only(answer.text, "#import-form-url").attributes["value"] == ""
    holder = only(answer.text, "[hx-swap-oob]")
    assert holder.attributes["hx-swap-oob"] == "afterbegin:#import-statuses"
    line = child(holder, ".import-status")
    job_id = int(line.attributes["data-job"] or 0)
    assert line.attributes["sse-connect"] == f"/live/imports/{job_id}"
    assert line.attributes["sse-swap"] == "status"
    assert line.attributes["sse-close"] == "done"
    assert child(line, "[data-status]").text(strip=True) == "queued"
    assert child(line, ".import-url").text(strip=True) == url

    with psycopg.connect(database_url) as conn:
        row = conn.execute("SELECT url, status, force FROM tracklist_imports").fetchone()
    assert row == (url, "queued", True)
    assert await queued_messages(settings) == 1
    assert tracklists_site.requests == []  # the worker fetches, not the web process


async def test_an_import_without_javascript_lands_on_its_status_page(
    client: Client, tracklists_site: FakeTracklistsSite
) -> None:
    url = f"{tracklists_site.url}/tracklist/2k3l4m9/x"
    answer = await client.post("/tracklists/imports", data={"url": url}, follow_redirects=False)
    assert answer.status_code == 303
    target = answer.headers["location"]
    assert re.fullmatch(r"/tracklists/imports/\d+", target)
    html = (await client.get(target)).text
    line = only(html, ".import-status")
    assert child(line, "[data-status]").text(strip=True) == "queued"
    # The canonical form of the pasted URL: with the ".html" the site needs.
    assert child(line, ".import-url").text(strip=True).endswith("/tracklist/2k3l4m9/x.html")

    refused = await client.post("/tracklists/imports", data={"url": "file:///etc/passwd"})
    assert refused.status_code == 422
    assert "is not http or https" in only(refused.text, "#import-form-url-error").text()
    assert only(refused.text, "h1").text(strip=True) == "Tracklists"


def events(body: str) -> list[tuple[str, str]]:
    """(event name, data) of each SSE event in a stream's text."""
    found = []
    for block in body.replace("\r\n", "\n").split("\n\n"):
        name, data = "message", []
        for line in block.split("\n"):
            if line.startswith("event:"):
                name = line[6:].strip()
            elif line.startswith("data:"):
                data.append(line[5:].removeprefix(" "))
        if data or name != "message":
            found.append((name, "\n".join(data)))
    return found


async def _job(sessions: Sessions, settings: Settings, path: str) -> imports.ImportJob:
    return await imports.create_import(
        sessions, SiteUrls.from_settings(settings.tracklists), settings.tracklists.base_url + path
    )


async def test_the_stream_sends_the_current_state_first_and_ends_when_done(
    client: Client, sessions: Sessions, settings: Settings
) -> None:
    job = await _job(sessions, settings, "/tracklist/1a/x.html")
    redis = aioredis.Redis.from_url(settings.redis_url)
    try:
        # The job failed before the browser connected: the stream still shows it.
        await imports.fail_import(sessions, settings, redis, job.id, "no #tlTab on the page")
    finally:
        await redis.aclose()
    answer = await client.get(f"/live/imports/{job.id}")
    assert answer.headers["content-type"].startswith("text/event-stream")
    sent = events(answer.text)
    assert [name for name, _ in sent] == ["status", "done"]
    state = page(sent[0][1])
    assert only(state.html or "", "[data-status]").text(strip=True) == "failed"
    assert only(state.html or "", ".import-problem").text(strip=True) == "no #tlTab on the page"

    assert (await client.get("/live/imports/999999")).status_code == 404


def _subscribed(settings: Settings, channel: str) -> None:
    """Wait until a stream listens on `channel` (Redis counts the subscribers)."""
    client = redis.Redis.from_url(settings.redis_url)
    try:
        wait_until(
            lambda: dict(client.pubsub_numsub(channel)).get(channel.encode(), 0),
            STREAM_SECONDS,
            f"a subscriber on {channel}",
        )
    finally:
        client.close()


async def _run_import(settings: Settings, job_id: int) -> imports.ImportJob:
    """What the worker does with a job, with a database engine and Redis client of its own."""
    engine = create_engine(settings, pool_size=1)
    client = aioredis.Redis.from_url(settings.redis_url)
    polite = PoliteClient(settings, client)
    sessions = create_sessionmaker(engine)
    try:
        return await imports.run_import(
            job_id, sessions=sessions, client=polite, settings=settings, redis=client
        )
    except Exception as error:
        await imports.fail_import(
            sessions, settings, client, job_id, repr(error)
        )  # ends the stream
        raise
    finally:
        await polite.aclose()
        await client.aclose()
        await engine.dispose()


class ImportThread(threading.Thread):
    """The worker's side, run beside the request: the test client blocks the test's event loop
    until the stream ends, so the import runs on a thread (and event loop) of its own once the
    stream has subscribed."""

    def __init__(self, settings: Settings, job_id: int) -> None:
        super().__init__(daemon=True)
        self.settings, self.job_id = settings, job_id
        self.result: imports.ImportJob | BaseException | None = None

    def run(self) -> None:
        try:
            _subscribed(self.settings, channels.tracklist_import(self.settings, self.job_id))
            self.result = asyncio.run(_run_import(self.settings, self.job_id))
        except BaseException as error:
            self.result = error


async def test_the_stream_follows_a_real_import_to_stored(
    client: Client, sessions: Sessions, settings: Settings, tracklists_site: FakeTracklistsSite
) -> None:
    path = tracklist_path("2k3l4m9", "artbat-tomorrowland")
    tracklists_site.page(path, tracklist_page(rows=[Row("ARTBAT", "Horizon", cue=0)]))
    job = await _job(sessions, settings, path)
    worker = ImportThread(settings, job.id)
    worker.start()
    answer = await client.get(f"/live/imports/{job.id}")
    worker.join(STREAM_SECONDS)
    done = worker.result
    assert isinstance(done, imports.ImportJob), done
    assert done.status == "stored"

    sent = events(answer.text)
    statuses = [
        only(data, "[data-status]").text(strip=True) for name, data in sent if name == "status"
    ]
    assert statuses == ["queued", "fetching", "parsed", "stored"]
    assert sent[-1][0] == "done"
    link = only(sent[-2][1], ".import-result a")
    assert link.attributes["href"] == f"/tracklists/{done.tracklist_id}?version=1"
    assert "stored as version 1" in link.text()


async def test_a_blocked_import_says_until_when(
    client: Client,
    sessions: Sessions,
    settings: Settings,
    tracklists_site: FakeTracklistsSite,
    database_url: str,
) -> None:
    path = tracklist_path("2k3l4m9", "artbat")
    tracklists_site.page(path, challenge_page())
    job = await _job(sessions, settings, path)
    blocked = await _run_import(settings, job.id)
    assert blocked.status == "blocked"

    html = (await client.get(f"/tracklists/imports/{job.id}")).text
    line = only(html, ".import-status")
    assert child(line, "[data-status]").text(strip=True) == "blocked"
    message = child(line, ".import-problem").text(strip=True)
    assert re.fullmatch(r"blocked by the site, retrying after \d\d:\d\d UTC", message)
    # Still live: the worker tries again later and the line follows.
    assert line.attributes["sse-connect"] == f"/live/imports/{job.id}"
    assert count(database_url, "tracklists") == 0  # a challenge page is never stored


# The site's search -----------------------------------------------------------------------------


async def test_the_site_search_lists_results_with_an_import_button(
    client: Client, tracklists_site: FakeTracklistsSite
) -> None:
    found = [
        Entry(
            "tracklist", f"ARTBAT @ Club {XSS}", tracklist_path("1x2y", "artbat-club"), "2024-02-03"
        ),
        Entry("tracklist", "ARTBAT @ Festival", tracklist_path("3z4w", "artbat-festival")),
    ]
    tracklists_site.search(9, "artbat", search_page(found, query="artbat"))
    answer = await client.get(
        "/tracklists/site-search", params={"q": "ARTBAT", "type": "tracklist"}, headers=HX
    )
    assert answer.status_code == 200
    assert ESCAPED_XSS in answer.text and XSS not in answer.text
    items = page(answer.text).css("li.site-item")
    assert [child(item, "a").text(strip=True) for item in items] == [
        f"ARTBAT @ Club {XSS}",
        "ARTBAT @ Festival",
    ]
    button_form = child(items[0], "form")
    assert button_form.attributes["hx-post"] == "/tracklists/imports"
    assert button_form.attributes["hx-target"] == "#import-form"
    hidden = child(button_form, "input[name=url]").attributes["value"] or ""
    assert hidden == tracklists_site.url + tracklist_path("1x2y", "artbat-club")
    assert child(items[0], "time").text() == "2024-02-03"
    posts = [r for r in tracklists_site.requests if r.method == "POST"]
    assert [(r.form["main_search"], r.form["search_selection"]) for r in posts] == [("ARTBAT", "9")]


async def test_dj_and_source_results_link_to_their_tracklists(
    client: Client, tracklists_site: FakeTracklistsSite
) -> None:
    found = [
        Entry("dj", "ARTBAT", dj_path("ARTBAT")),
        Entry("source", "Afterlife", source_path("Afterlife")),
    ]
    tracklists_site.search(8, "artbat", search_page(found, query="artbat", selection=8))
    answer = await client.get(
        "/tracklists/site-search", params={"q": "artbat", "type": "dj"}, headers=HX
    )
    assert answer.status_code == 200
    items = page(answer.text).css("li.site-item")
    assert [item.css_first("form") for item in items] == [None, None]  # nothing to import
    links = [child(item, "a.site-listing-link") for item in items]
    assert [link.text(strip=True) for link in links] == ["Its tracklists", "Its tracklists"]
    assert [link.attributes["href"] for link in links] == [
        "/tracklists/site-listing?" + urlencode({"url": tracklists_site.url + dj_path("ARTBAT")}),
        "/tracklists/site-listing?"
        + urlencode({"url": tracklists_site.url + source_path("Afterlife")}),
    ]


def words(text: str) -> str:
    return " ".join(text.split())


def two_page_dj(site: FakeTracklistsSite) -> str:
    """A DJ page listing three tracklists over two pages; returns its URL."""
    first = [
        Entry("tracklist", f"ARTBAT @ Club {XSS}", tracklist_path("1x2y", "club"), "2024-02-03"),
        Entry("tracklist", "ARTBAT @ Festival", tracklist_path("3z4w", "festival")),
    ]
    second = [Entry("tracklist", "ARTBAT @ Radio", tracklist_path("5v6u", "radio"), "2023-11-30")]
    path = dj_path("ARTBAT")
    site.page(f"{path}?page=2", listing_page(second))
    return site.page(path, listing_page(first, f"{path}?page=2"))


async def test_the_tracklists_of_a_dj_page_follow_its_pages(
    client: Client, tracklists_site: FakeTracklistsSite
) -> None:
    url = two_page_dj(tracklists_site)
    answer = await client.get("/tracklists/site-listing", params={"url": url})
    assert answer.status_code == 200
    html = answer.text
    assert words(only(html, ".site-listing-count").text()) == f"3 tracklists on {url}"
    items = page(html).css("li.site-item")
    assert [child(item, "a").text(strip=True) for item in items] == [
        f"ARTBAT @ Club {XSS}",
        "ARTBAT @ Festival",
        "ARTBAT @ Radio",
    ]
    assert ESCAPED_XSS in html and XSS not in html
    assert [child(item, "a").attributes["href"] for item in items] == [
        tracklists_site.url + tracklist_path(id_, slug)
        for id_, slug in (("1x2y", "club"), ("3z4w", "festival"), ("5v6u", "radio"))
    ]
    assert [t.text() for t in page(html).css("li.site-item time")] == ["2024-02-03", "2023-11-30"]
    # Each with the search results' import button, and the import form it answers to.
    button_form = child(items[2], "form")
    assert button_form.attributes["hx-post"] == "/tracklists/imports"
    assert button_form.attributes["hx-target"] == "#import-form"
    assert child(button_form, "input[name=_csrf_token]") is not None
    hidden = child(button_form, "input[name=url]").attributes["value"]
    assert hidden == tracklists_site.url + tracklist_path("5v6u", "radio")
    assert only(html, "#import-form").attributes["hx-post"] == "/tracklists/imports"
    assert only(html, "#import-statuses") is not None
    assert only(html, "#site-listing-url").attributes["value"] == url
    assert [r.path for r in tracklists_site.page_requests()] == [
        dj_path("ARTBAT"),
        dj_path("ARTBAT") + "?page=2",
    ]


async def test_the_tracklists_of_a_source_page(
    client: Client, tracklists_site: FakeTracklistsSite
) -> None:
    listed = [Entry("tracklist", "Anyma @ Afterlife Tulum", tracklist_path("7t8s", "tulum"))]
    url = tracklists_site.page(source_path("Afterlife"), listing_page(listed, heading="Afterlife"))
    answer = await client.get("/tracklists/site-listing", params={"url": url})
    assert answer.status_code == 200
    assert texts(answer.text, "li.site-item > a") == ["Anyma @ Afterlife Tulum"]
    assert words(only(answer.text, ".site-listing-count").text()) == f"1 tracklist on {url}"
    assert [r.path for r in tracklists_site.page_requests()] == [source_path("Afterlife")]


async def test_a_listing_url_off_the_site_is_refused_before_any_request(
    client: Client, tracklists_site: FakeTracklistsSite
) -> None:
    for bad in (
        "https://evil.example/dj/artbat/index.html",
        "http://127.0.0.1:9/dj/artbat/index.html",
        "file:///etc/passwd",
    ):
        answer = await client.get("/tracklists/site-listing", params={"url": bad})
        assert answer.status_code == 422, bad
        message = only(answer.text, "#site-listing-url-error").text()
        assert message.startswith(f"refused {bad!r}: "), message
        assert only(answer.text, "#site-listing-url").attributes["aria-invalid"] == "true"
        assert page(answer.text).css("li.site-item") == []
    assert tracklists_site.requests == []
    # No URL yet: the form alone, nothing asked.
    empty = await client.get("/tracklists/site-listing")
    assert empty.status_code == 200
    assert page(empty.text).css_first(".field-error, .site-error, .site-listing-count") is None
    assert tracklists_site.requests == []


async def test_a_listing_says_when_the_site_blocks_us(
    client: Client, tracklists_site: FakeTracklistsSite
) -> None:
    url = tracklists_site.page(dj_path("ARTBAT"), challenge_page())
    answer = await client.get("/tracklists/site-listing", params={"url": url})
    assert answer.status_code == 200
    message = only(answer.text, ".site-error").text(strip=True)
    assert re.fullmatch(r"blocked by the site, retrying after \d\d:\d\d UTC", message)
    assert page(answer.text).css("li.site-item") == []


async def test_a_listing_of_a_missing_page_says_why(
    client: Client, tracklists_site: FakeTracklistsSite
) -> None:
    url = tracklists_site.url + dj_path("Nobody")  # 404 on the fake site
    answer = await client.get("/tracklists/site-listing", params={"url": url})
    assert answer.status_code == 200
    message = only(answer.text, ".site-error").text(strip=True)
    assert message.startswith(f"could not list the tracklists of {url}: ")
    assert "404" in message


async def test_the_site_search_says_when_the_site_blocks_us(
    client: Client, tracklists_site: FakeTracklistsSite
) -> None:
    tracklists_site.search(8, "artbat", challenge_page())
    answer = await client.get(
        "/tracklists/site-search", params={"q": "artbat", "type": "dj"}, headers=HX
    )
    assert answer.status_code == 200
    message = only(answer.text, ".site-error").text(strip=True)
    assert re.fullmatch(r"blocked by the site, retrying after \d\d:\d\d UTC", message)


async def test_the_site_search_refuses_an_empty_query_or_unknown_type(
    client: Client, tracklists_site: FakeTracklistsSite
) -> None:
    empty = await client.get("/tracklists/site-search", params={"q": "  "}, headers=HX)
    assert empty.status_code == 422
    assert "type something to search for" in empty.text
    odd = await client.get(
        "/tracklists/site-search", params={"q": "x", "type": "track"}, headers=HX
    )
    assert odd.status_code == 422
    message = only(odd.text, "#site-search-q-error").text()
    assert message == "'track' is not a search type: use one of tracklist, dj, source"
    assert tracklists_site.requests == []


# Hand-made -------------------------------------------------------------------------------------


async def test_a_hand_made_tracklist_starts_as_a_draft(client: Client, database_url: str) -> None:
    form = {
        "title": "Warm-up at home",
        "djs": "Me, Friend",
        "source": "Living room",
        "date": "2025-03-01",
        "genres": "House, Disco",
        "text": "[0:00] Artist A - Title A [LABEL A]\nw/ Artist B - Acapella\n[5:30] ID - ID\n",
    }
    answer = await client.post("/tracklists/new", data=form, follow_redirects=False)
    assert answer.status_code == 303
    target = answer.headers["location"]
    assert re.fullmatch(r"/tracklists/\d+/draft", target)
    html = (await client.get(target)).text
    assert only(html, "h1").text(strip=True) == "Draft: Warm-up at home"
    assert texts(html, "#draft-rows tr.track-row .artist") == ["Artist A", "Artist B", "ID"]
    assert "with-previous" in (
        page(html).css("#draft-rows tr.track-row")[1].attributes["class"] or ""
    )
    assert only(html, "#draft-meta-djs").attributes["value"] == "Me, Friend"
    assert count(database_url, "tracklist_versions") == 0


async def test_hand_made_errors_name_the_line_and_keep_the_form(
    client: Client, database_url: str
) -> None:
    form = {
        "title": "Warm-up",
        "djs": "Me",
        "source": "",
        "date": "",
        "genres": "",
        "text": "Artist A - Title A\nthis line has no separator\n",
    }
    answer = await client.post("/tracklists/new", data=form)
    assert answer.status_code == 422
    errors = texts(answer.text, "#new-tracklist-text-error li")
    assert len(errors) == 1 and errors[0].startswith("Line 2:")
    assert "line 2" not in errors[0].lower().removeprefix("line 2:")  # said once
    assert "this line has no separator" in errors[0]
    assert only(answer.text, "#new-tracklist-text").text() == form["text"]
    assert only(answer.text, "#new-tracklist-title").attributes["value"] == "Warm-up"

    bad_date = await client.post("/tracklists/new", data=form | {"text": "", "date": "1.3.2025"})
    assert bad_date.status_code == 422
    assert (
        "is not a date: use YYYY-MM-DD" in only(bad_date.text, "#new-tracklist-date-error").text()
    )
    assert only(bad_date.text, "#new-tracklist-date").attributes["value"] == "1.3.2025"

    no_title = await client.post("/tracklists/new", data=form | {"text": "", "title": " "})
    assert no_title.status_code == 422
    assert "title is empty" in only(no_title.text, "#new-tracklist-title-error").text()
    assert count(database_url, "tracklists") == 0


# One tracklist ---------------------------------------------------------------------------------


async def test_the_tracklist_page(client: Client, sessions: Sessions) -> None:
    stored = await store(sessions)
    html = (await client.get(f"/tracklists/{stored.tracklist_id}")).text
    assert only(html, "h1").text(strip=True) == "ARTBAT @ Tomorrowland 2023"
    assert only(html, ".tl-meta .djs").text(strip=True) == "ARTBAT"
    assert only(html, ".tl-meta .source").text(strip=True) == "Tomorrowland"
    assert only(html, ".tl-meta .date").text(strip=True) == "2023-07-21"
    assert only(html, ".tl-meta .genres").text(strip=True) == "Techno, Melodic Techno"
    assert only(html, ".tl-meta .counts").text(strip=True) == (
        "5 tracks (+2 w/ and mashup rows); the site claims 5 tracks"
    )
    assert only(html, "a.site-link").attributes["href"] == (
        "https://www.1001tracklists.com/tracklist/2k3l4m9/some-mix.html"
    )
    rows = page(html).css("#tracks tbody tr")
    assert [child(r, ".pos").text(strip=True) for r in rows] == ["1", "2", "w/", "3", "4", "5", ""]
    assert [child(r, ".cue").text(strip=True) for r in rows] == [
        "0:00:00", "0:03:24", "—", "0:07:00", "0:10:00", "0:15:00", "—",
    ]  # fmt: skip
    assert child(rows[1], ".remix").text(strip=True) == "(Afterlife Remix)"
    assert child(rows[1], ".label").text(strip=True) == "AFTERLIFE"
    assert "with-previous" in (rows[2].attributes["class"] or "")
    assert child(rows[3], ".id-badge").text(strip=True) == "ID"
    assert child(rows[4], ".label").text(strip=True) == "Kö Records"
    assert "mashup-part" in (rows[6].attributes["class"] or "")
    assert child(rows[6], ".badge.mashup").text(strip=True) == "mashup"
    # User text is escaped in the page.
    assert ESCAPED_XSS in html and XSS not in html
    assert child(rows[4], ".title").text(strip=True) == f"Eternity {XSS}"
    versions = page(html).css(".version-list tbody tr")
    assert len(versions) == 1
    assert "first import" in versions[0].text()
    assert [a.attributes["href"] for a in page(html).css(".other-downloads a")] == [
        f"/tracklists/{stored.tracklist_id}/export/{kind}?version=1"
        for kind in ("txt", "json", "m3u")
    ]
    # Edit as draft is a form (with CSRF), not a link.
    edit = only(html, f"form[action='/tracklists/{stored.tracklist_id}/draft']")
    assert child(edit, "input[name=_csrf_token]") is not None


async def test_duplicate_positions_and_backwards_cues_are_flagged(
    client: Client, sessions: Sessions
) -> None:
    odd = (
        ParsedTrack(1, cue_seconds=0, artist="A", title="One"),
        ParsedTrack(2, cue_seconds=600, artist="B", title="Two"),
        ParsedTrack(2, cue_seconds=300, artist="C", title="Three"),
        ParsedTrack(4, cue_seconds=900, artist="D", title="Four"),
    )
    stored = await store(sessions, mix(tracks=odd))
    html = (await client.get(f"/tracklists/{stored.tracklist_id}")).text
    rows = page(html).css("#tracks tbody tr")
    assert [r.css_first(".row-warnings") is None for r in rows] == [True, True, False, True]
    warnings = [li.text(strip=True) for li in rows[2].css(".row-warnings li")]
    assert warnings == [
        "cue 5:00 is before an earlier row's 10:00",
        "position 2 appears more than once",
    ]
    # Kept, not refused: every row is there.
    assert texts(html, "#tracks .title") == ["One", "Two", "Three", "Four"]


async def test_delete_a_tracklist_after_a_confirmation(
    client: Client, sessions: Sessions, database_url: str
) -> None:
    doomed = await store(sessions, mix("web-del", title=f"Doomed {XSS}"))
    other = await store(sessions, mix("web-keep", title="Kept set"))
    tid = doomed.tracklist_id
    detail = (await client.get(f"/tracklists/{tid}")).text
    link = only(detail, f".tl-actions a[href='/tracklists/{tid}/delete']")
    assert link.text(strip=True) == "Delete…"

    confirm = await client.get(f"/tracklists/{tid}/delete")
    assert confirm.status_code == 200
    assert only(confirm.text, "h1").text() == f"Delete “Doomed {XSS}”?"  # escaped, shown as text
    assert XSS not in confirm.text
    assert "its 1 version" in only(confirm.text, ".delete-confirm p").text()
    form = only(confirm.text, f"form[action='/tracklists/{tid}/delete']")
    assert form.attributes["method"] == "post"
    assert child(form, "input[name=_csrf_token]") is not None
    assert held_rows(database_url, tid)["versions"] == 1  # asking deletes nothing

    deleted = await client.post(f"/tracklists/{tid}/delete", follow_redirects=False)
    assert (deleted.status_code, deleted.headers["location"]) == (303, "/tracklists")
    assert set(held_rows(database_url, tid).values()) == {0}
    listing = (await client.get("/tracklists")).text
    assert texts(listing, "tr.tracklist td.title a") == ["Kept set"]
    assert (await client.get(f"/tracklists/{tid}")).status_code == 404
    assert (await client.get(f"/tracklists/{other.tracklist_id}")).status_code == 200
    for answer in (
        await client.get(f"/tracklists/{tid}/delete"),
        await client.post(f"/tracklists/{tid}/delete"),
    ):
        assert answer.status_code == 404
        assert f"no tracklist with id {tid}" in answer.text


async def test_an_unknown_tracklist_or_version_is_404(client: Client, sessions: Sessions) -> None:
    stored = await store(sessions)
    missing = await client.get("/tracklists/999999")
    assert missing.status_code == 404
    assert "no tracklist with id 999999" in missing.text
    no_version = await client.get(f"/tracklists/{stored.tracklist_id}?version=7")
    assert no_version.status_code == 404
    assert "has no version 7" in no_version.text


async def test_the_diff_shows_a_moved_row_as_moved(client: Client, sessions: Sessions) -> None:
    first = await store(sessions)
    rows = list(mix().tracks)
    rows.insert(0, rows.pop(4))  # the 4th track (5th row) played first
    await store(sessions, mix(tracks=tuple(rows)))
    diff = (await client.get(f"/tracklists/{first.tracklist_id}/versions/2")).text
    moved = only(diff, "tr.diff-moved")
    assert rows[0].display in moved.text()
    assert only(diff, "tr.diff-moved .moved-from").text(strip=True) == ("moved from row 5 to row 1")
    assert not page(diff).css("tr.diff-added, tr.diff-removed")
    assert "1 row moved" in only(diff, ".lede").text()


async def test_version_history_and_the_diff(client: Client, sessions: Sessions) -> None:
    first = await store(sessions)
    changed = list(mix().tracks)
    changed[0] = dataclasses.replace(changed[0], title="Horizon (Extended)", cue_seconds=10)
    changed.append(ParsedTrack(6, cue_seconds=1200, artist="New", title="Closer"))
    await store(
        sessions, mix(title="ARTBAT @ Tomorrowland 2023 (Main Stage)", tracks=tuple(changed))
    )

    html = (await client.get(f"/tracklists/{first.tracklist_id}")).text
    versions = page(html).css(".version-list tbody tr")
    assert [child(v, "td a").text(strip=True) for v in versions] == ["2", "1"]
    assert "1 row changed, 1 added, title changed" in versions[0].text()
    diff_link = child(versions[0], f"a[href='/tracklists/{first.tracklist_id}/versions/2']")
    assert diff_link.text(strip=True) == "diff"

    diff = (await client.get(f"/tracklists/{first.tracklist_id}/versions/2")).text
    changed_row = only(diff, "tr.diff-changed")
    assert [li.attributes["data-field"] for li in changed_row.css(".field-changes li")] == [
        "cue_seconds",
        "title",
    ]
    assert texts(diff, "tr.diff-changed .field-name") == ["cue", "title"]
    cue_change = child(changed_row, "li[data-field=cue_seconds]")
    assert (child(cue_change, "del").text(), child(cue_change, "ins").text()) == (
        "0:00:00",
        "0:00:10",
    )
    title_change = child(changed_row, "li[data-field=title]")
    assert child(title_change, "del").text() == "Horizon"
    assert child(title_change, "mark ins").text() == "Horizon (Extended)"
    assert "New - Closer" in only(diff, "tr.diff-added").text()
    assert not page(diff).css("tr.diff-moved")
    meta = only(diff, ".meta-change[data-field=title]")
    assert child(meta, "ins").text() == "ARTBAT @ Tomorrowland 2023 (Main Stage)"
    assert len(page(diff).css("tr.diff-same")) == 6

    old = (await client.get(f"/tracklists/{first.tracklist_id}?version=1")).text
    assert texts(old, "#tracks .title")[0] == "Horizon"
    assert "the current one is" in only(old, ".tl-meta .version").text()


# Downloads -------------------------------------------------------------------------------------


async def test_the_cue_download_reads_back_with_deflacue(
    client: Client, sessions: Sessions
) -> None:
    stored = await store(sessions)
    answer = await client.get(
        f"/tracklists/{stored.tracklist_id}/cue", params={"file_name": "my mix.flac", "bom": "true"}
    )
    assert answer.status_code == 200
    disposition = answer.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="')
    name = re.search(r'filename="([^"]+)"', disposition)
    assert name is not None and name.group(1).endswith(".cue")
    assert re.fullmatch(r"[A-Za-z0-9._() -]+", name.group(1))
    assert answer.content.startswith(b"\xef\xbb\xbf")  # the BOM asked for
    tracks = read_cue(answer.content)
    assert [start for _, start in tracks] == [0, 204, 420, 600, 900]
    titles = [title for title, _ in tracks]
    assert titles[0] == "Horizon"
    assert titles[1].startswith("Astral (Afterlife Remix)")
    assert "Acapella" in titles[1]  # the "w/" row joins its parent
    assert titles[2] == "ID"
    assert titles[3] == "Eternity <script>alert(1)</script>"
    assert cue_disc(answer.content)["ALBUM"] == "ARTBAT @ Tomorrowland 2023"
    assert 'FILE "my mix.flac" WAVE' in answer.content.decode("utf-8-sig")


async def test_more_than_99_tracks_split_into_a_zip_or_refused(
    client: Client, sessions: Sessions
) -> None:
    many = tuple(
        ParsedTrack(n, cue_seconds=(n - 1) * 60, artist=f"Artist {n}", title=f"Title {n}")
        for n in range(1, 121)
    )
    stored = await store(sessions, mix(tracks=many))
    url = f"/tracklists/{stored.tracklist_id}/cue"

    refused = await client.get(url)
    assert refused.status_code == 422
    assert "99" in only(refused.text, ".cue-refused").text()
    check = await client.get(f"{url}/check", headers=HX)
    assert "99" in only(check.text, ".cue-refused").text()

    split = await client.get(url, params={"too_many": "split", "file_type": "MP3"})
    assert split.status_code == 200
    assert split.headers["content-type"] == "application/zip"
    assert re.search(r'filename="[^"]+\.zip"', split.headers["content-disposition"])
    with zipfile.ZipFile(io.BytesIO(split.content)) as archive:
        names = archive.namelist()
        sheets = [read_cue(archive.read(name)) for name in names]
    assert len(names) == 2 and all(n.endswith(".cue") for n in names)
    assert all(len(sheet) <= 99 for sheet in sheets)
    # Every track once, in order, at its absolute time on the one audio file.
    together = [track for sheet in sheets for track in sheet]
    assert together == [(f"Title {n}", (n - 1) * 60) for n in range(1, 121)]

    bad = await client.get(url, params={"too_many": "sometimes"})
    assert bad.status_code == 400
    assert "too_many" in bad.text


async def test_the_cue_check_shows_warnings(client: Client, sessions: Sessions) -> None:
    gaps = (
        ParsedTrack(1, cue_seconds=0, artist="A", title="One"),
        ParsedTrack(2, artist="B", title="Two"),
        ParsedTrack(3, cue_seconds=600, artist="C", title="Three"),
    )
    stored = await store(sessions, mix(tracks=gaps))
    url = f"/tracklists/{stored.tracklist_id}/cue"
    check = await client.get(f"{url}/check", headers=HX)
    assert check.status_code == 200
    assert len(page(check.text).css(".cue-warnings li")) >= 1
    interpolated = read_cue((await client.get(url)).content)
    assert [start for _, start in interpolated] == [0, 300, 600]
    omitted = read_cue((await client.get(url, params={"missing": "omit"})).content)
    assert [title for title, _ in omitted] == ["One", "Three"]


async def test_txt_json_and_m3u_downloads(client: Client, sessions: Sessions) -> None:
    stored = await store(sessions)
    base = f"/tracklists/{stored.tracklist_id}/export"
    text = await client.get(f"{base}/txt")
    assert text.headers["content-disposition"].startswith('attachment; filename="')
    assert "[0:03:24] Tale Of Us & Mind Against - Astral (Afterlife Remix) [AFTERLIFE]" in text.text
    data = await client.get(f"{base}/json")
    body = json.loads(data.content)
    assert body["tracks"][4]["title"] == f"Eternity {XSS}"  # kept verbatim in data
    assert body["source_id"] == "2k3l4m9"
    m3u = await client.get(f"{base}/m3u")
    assert m3u.text.startswith("#EXTM3U")
    assert (await client.get(f"{base}/pdf")).status_code == 404


def download_name(answer: object) -> str:
    disposition = answer.headers["content-disposition"]  # type: ignore[attr-defined]
    found = re.fullmatch(r'attachment; filename="([^"]+)"; filename\*=UTF-8\'\'(\S+)', disposition)
    assert found is not None, disposition
    assert found.group(1) == found.group(2)  # plain ASCII: both forms agree
    return found.group(1)


async def test_every_download_is_named_the_same_lower_case_way(
    client: Client, sessions: Sessions
) -> None:
    stored = await store(sessions, mix("nm1", title="Late Night Mix #12 — Ämsterdam"))
    tid = stored.tracklist_id
    names = [
        download_name(await client.get(f"/tracklists/{tid}/export/{kind}"))
        for kind in ("txt", "json", "m3u")
    ]
    names.append(download_name(await client.get(f"/tracklists/{tid}/cue")))
    names.append(download_name(await client.get(f"/api/v1/tracklists/{tid}/cue")))
    assert names == [
        "late-night-mix-12-amsterdam.txt",
        "late-night-mix-12-amsterdam.json",
        "late-night-mix-12-amsterdam.m3u",
        "late-night-mix-12-amsterdam.cue",
        "late-night-mix-12-amsterdam.cue",
    ]
    # A sheet for an audio file the DJ names is named after it, the same way.
    named = await client.get(f"/tracklists/{tid}/cue", params={"file_name": "My Set (Live).wav"})
    assert download_name(named) == "my-set-live.cue"

    many = tuple(
        ParsedTrack(n, cue_seconds=(n - 1) * 60, artist=f"A {n}", title=f"T {n}")
        for n in range(1, 121)
    )
    split = await store(sessions, mix("nm2", title="Late Night Mix #13", tracks=many))
    answer = await client.get(f"/tracklists/{split.tracklist_id}/cue", params={"too_many": "split"})
    assert download_name(answer) == "late-night-mix-13.zip"
    with zipfile.ZipFile(io.BytesIO(answer.content)) as archive:
        assert archive.namelist() == [
            "late-night-mix-13-part-1-of-2.cue",
            "late-night-mix-13-part-2-of-2.cue",
        ]
    # No Latin letter in the title: the site's id names it.
    cyrillic = await store(sessions, mix("Zx9", title="Ночной микс"))
    txt = await client.get(f"/tracklists/{cyrillic.tracklist_id}/export/txt")
    assert download_name(txt) == "tracklist-zx9.txt"


# The draft editor ------------------------------------------------------------------------------


async def test_edit_as_draft_then_publish_a_new_version(client: Client, sessions: Sessions) -> None:
    stored = await store(sessions)
    tid = stored.tracklist_id
    started = await client.post(f"/tracklists/{tid}/draft", follow_redirects=False)
    assert (started.status_code, started.headers["location"]) == (303, f"/tracklists/{tid}/draft")
    html = (await client.get(f"/tracklists/{tid}/draft")).text
    row_ids = [
        int(r.attributes["id"].removeprefix("draft-row-"))  # type: ignore[union-attr]
        for r in page(html).css("#draft-rows tr.track-row")
    ]
    assert len(row_ids) == 7

    # An inline edit with a bad cue: 422, the error beside the cue field, the typed text kept.
    edit = await client.get(f"/tracklists/{tid}/draft/rows/{row_ids[0]}/edit", headers=HX)
    assert only(edit.text, f"#row-{row_ids[0]}") is not None
    fields = {"position": "1", "cue": "1:7x", "artist": "ARTBAT", "title": "Horizon (Edit)"}
    bad = await client.post(f"/tracklists/{tid}/draft/rows/{row_ids[0]}", data=fields, headers=HX)
    assert bad.status_code == 422
    error = only(bad.text, f"#row-{row_ids[0]}-cue-error")
    assert "cue “1:7x” is not a time" in error.text()
    assert only(bad.text, "tr.editing input[name=title]").attributes["value"] == "Horizon (Edit)"

    good = await client.post(
        f"/tracklists/{tid}/draft/rows/{row_ids[0]}", data=fields | {"cue": "0:15"}, headers=HX
    )
    assert good.status_code == 200
    first = page(good.text).css("#draft-rows tr.track-row")[0]
    assert child(first, ".title").text(strip=True) == "Horizon (Edit)"
    assert child(first, ".cue").text(strip=True) == "0:00:15"

    # Move the last row up, delete the "w/" row, add one at the end.
    moved = await client.post(
        f"/tracklists/{tid}/draft/rows/{row_ids[6]}/move", data={"to_index": "5"}, headers=HX
    )
    assert texts(moved.text, "#draft-rows tr.track-row .title")[5:] == ["Song A", "Big Mashup"]
    deleted = await client.post(f"/tracklists/{tid}/draft/rows/{row_ids[2]}/delete", headers=HX)
    assert "Acapella" not in texts(deleted.text, "#draft-rows tr.track-row .title")
    added = await client.post(
        f"/tracklists/{tid}/draft/rows",
        data={"position": "6", "cue": "20:00", "artist": "New", "title": "Closer"},
        headers=HX,
    )
    assert texts(added.text, "#draft-rows tr.track-row .title")[-1] == "Closer"
    refused_add = await client.post(
        f"/tracklists/{tid}/draft/rows", data={"position": "abc", "title": "x"}, headers=HX
    )
    assert refused_add.status_code == 422
    assert (
        "position “abc” is not a number" in only(refused_add.text, "#add-row-position-error").text()
    )

    # Metadata: an error beside the field, then saved.
    meta = {"title": "", "djs": "ARTBAT", "source": "", "date": "", "genres": ""}
    no_title = await client.post(f"/tracklists/{tid}/draft/meta", data=meta, headers=HX)
    assert no_title.status_code == 422
    assert "title is empty" in only(no_title.text, "#draft-meta-title-error").text()
    saved = await client.post(
        f"/tracklists/{tid}/draft/meta", data=meta | {"title": "ARTBAT (edited)"}, headers=HX
    )
    assert only(saved.text, ".saved").text(strip=True) == "Saved."

    published = await client.post(f"/tracklists/{tid}/draft/publish", follow_redirects=False)
    assert (published.status_code, published.headers["location"]) == (
        303,
        f"/tracklists/{tid}?version=2",
    )
    html = (await client.get(f"/tracklists/{tid}")).text
    assert only(html, "h1").text(strip=True) == "ARTBAT (edited)"
    versions = page(html).css(".version-list tbody tr")
    assert len(versions) == 2 and "draft" in versions[0].text()
    assert "operator" in versions[0].text()


async def test_paste_into_a_draft_and_discard(client: Client, sessions: Sessions) -> None:
    stored = await store(sessions)
    tid = stored.tracklist_id
    await client.post(f"/tracklists/{tid}/draft")

    bad = await client.post(
        f"/tracklists/{tid}/draft/paste",
        data={"text": "[30:00] Good - Line\nno separator here", "mode": "append"},
    )
    assert bad.status_code == 422
    error = only(bad.text, "#paste-form-text-error li").text()
    assert error.startswith("Line 2: ") and "line 2" not in error[len("Line 2: ") :].lower()
    assert only(bad.text, "#paste-form-text").text() == "[30:00] Good - Line\nno separator here"

    good = await client.post(
        f"/tracklists/{tid}/draft/paste",
        data={"text": "[30:00] Good - Line\nw/ Other - Part", "mode": "append"},
    )
    assert good.status_code == 200  # followed the redirect back to the editor
    assert texts(good.text, "#draft-rows tr.track-row .title")[-2:] == ["Line", "Part"]
    # Numbered after the rows above them (the stored list numbers 5 rows), not from 1.
    numbers = texts(good.text, "#draft-rows tr.track-row td.pos")
    assert numbers[-2:] == ["6", "w/"]
    assert "position 1 appears more than once" not in good.text
    replaced = await client.post(
        f"/tracklists/{tid}/draft/paste", data={"text": "Only - One", "mode": "replace"}
    )
    assert texts(replaced.text, "#draft-rows tr.track-row .title") == ["One"]

    discarded = await client.post(f"/tracklists/{tid}/draft/discard", follow_redirects=False)
    assert discarded.headers["location"] == f"/tracklists/{tid}"
    html = (await client.get(f"/tracklists/{tid}")).text
    assert len(texts(html, "#tracks tbody tr")) == 7  # the published version is untouched
    assert (await client.get(f"/tracklists/{tid}/draft")).status_code == 404


async def test_publishing_an_unchanged_draft_is_refused(client: Client, sessions: Sessions) -> None:
    stored = await store(sessions)
    tid = stored.tracklist_id
    await client.post(f"/tracklists/{tid}/draft")
    answer = await client.post(f"/tracklists/{tid}/draft/publish")
    assert answer.status_code == 422
    assert "nothing changed since version 1" in only(answer.text, "#publish-error").text()


# Access ----------------------------------------------------------------------------------------


async def test_every_page_needs_a_login_and_forms_need_csrf(
    anon_client: Client, client: Client, settings: Settings, tracklists_site: FakeTracklistsSite
) -> None:
    for path in ("/tracklists", "/tracklists/new", "/tracklists/1", "/live/imports/1"):
        answer = await anon_client.get(path, follow_redirects=False)
        assert answer.status_code == 303, path
        assert answer.headers["location"].startswith("/login")
    del client.headers["x-csrftoken"]
    url = f"{tracklists_site.url}/tracklist/2k3l4m9/x.html"
    answer = await client.post("/tracklists/imports", data={"url": url})
    assert answer.status_code == 403
