"""The tracklists JSON API through HTTP, with a real session or API token: local search, the
site's search and the tracklists of a DJ or source page, imports by URL with a job to poll, a
tracklist by id, CUE sheets (read back by deflacue) and the admin-only cache clear."""

from __future__ import annotations

import re
from datetime import date

import pytest
import redis.asyncio as aioredis
from litestar.testing import AsyncTestClient

from domain.config import Settings
from domain.db import Sessions
from domain.jobs import LIBRARY_QUEUE
from domain.tracklists.client import PoliteClient
from domain.tracklists.model import ParsedTrack
from tests.fakes.tracklist_pages import (
    Entry,
    challenge_page,
    dj_path,
    listing_page,
    search_page,
    source_path,
    tracklist_path,
)
from tests.fakes.tracklists_site import FakeTracklistsSite
from tests.tracklist_seeds import (
    XSS,
    count,
    held_rows,
    mix,
    queued_messages,
    read_cue,
    store,
)
from tests.web_fixtures import Client, make_api_token, make_user
from web.app import create_app

API = "/api/v1/tracklists"


async def test_list_search_and_filters(client: Client, sessions: Sessions) -> None:
    await store(sessions, mix("a1", title="ARTBAT @ Tomorrowland", day=date(2023, 7, 21)))
    await store(
        sessions,
        mix("b2", title="Bicep @ Printworks", djs=("Bicep",), genres=("House",), day=None),
    )
    everything = (await client.get(API)).json()
    assert (everything["total"], everything["page"], everything["pages"]) == (2, 1, 1)
    first = everything["items"][0]
    assert first["title"] == "ARTBAT @ Tomorrowland"
    assert first["djs"] == ["ARTBAT"]
    assert first["date"] == "2023-07-21"
    # 5 tracks: the "w/" row and the mashup part are not counted.
    assert (first["track_count"], first["version"], first["has_draft"]) == (5, 1, False)
    assert first["source_id"] == "a1"

    async def titles(**params: str) -> list[str]:
        answer = await client.get(API, params=params)
        assert answer.status_code == 200, answer.text
        return [item["title"] for item in answer.json()["items"]]

    assert await titles(q="printworks") == ["Bicep @ Printworks"]
    assert await titles(dj="artbat") == ["ARTBAT @ Tomorrowland"]
    assert await titles(genre="House") == ["Bicep @ Printworks"]
    assert await titles(**{"from": "2023-01-01", "to": "2023-12-31"}) == ["ARTBAT @ Tomorrowland"]
    paged = (await client.get(API, params={"per_page": 1, "page": 2})).json()
    assert (paged["pages"], [i["title"] for i in paged["items"]]) == (2, ["Bicep @ Printworks"])


async def test_bad_query_values_name_the_field(client: Client) -> None:
    bad_date = await client.get(API, params={"from": "yesterday"})
    assert bad_date.status_code == 400
    assert bad_date.json()["field"] == "from"
    assert "'yesterday' is not a date: use YYYY-MM-DD" in bad_date.json()["detail"]
    too_many = await client.get(API, params={"per_page": 201})
    assert too_many.status_code == 400
    assert too_many.json()["field"] == "per_page"


async def test_delete_a_tracklist_with_its_versions_and_draft(
    client: Client, sessions: Sessions, database_url: str
) -> None:
    doomed = await store(sessions, mix("del1"))
    await store(sessions, mix("del1", title="Renamed"))  # version 2
    other = await store(sessions, mix("keep1", title="Another set"))
    assert (await client.post(f"/tracklists/{doomed.tracklist_id}/draft")).status_code == 200
    before = held_rows(database_url, doomed.tracklist_id)
    assert before["versions"] == 2 and before["tracks"] > 0 and before["draft rows"] > 0
    kept = held_rows(database_url, other.tracklist_id)

    answer = await client.delete(f"{API}/{doomed.tracklist_id}")
    assert (answer.status_code, answer.content) == (204, b"")
    assert set(held_rows(database_url, doomed.tracklist_id).values()) == {0}
    assert held_rows(database_url, other.tracklist_id) == kept  # the others stay as they were
    assert (await client.get(f"{API}/{doomed.tracklist_id}")).status_code == 404
    assert (await client.get(f"{API}/{other.tracklist_id}")).status_code == 200

    again = await client.delete(f"{API}/{doomed.tracklist_id}")
    assert again.status_code == 404
    assert f"no tracklist with id {doomed.tracklist_id}" in again.text
    assert (await client.delete(f"{API}/999999999")).status_code == 404


async def test_a_tracklist_by_id_in_the_stable_shape(client: Client, sessions: Sessions) -> None:
    stored = await store(sessions)
    answer = await client.get(f"{API}/{stored.tracklist_id}")
    assert answer.status_code == 200
    body = answer.json()
    assert set(body) == {
        "source_id", "url", "title", "djs", "source", "date", "genres",
        "claimed_track_count", "tracks", "id", "version", "versions",
    }  # fmt: skip
    assert (body["id"], body["version"], body["source_id"]) == (stored.tracklist_id, 1, "2k3l4m9")
    assert body["date"] == "2023-07-21"
    assert body["claimed_track_count"] == 5
    assert body["tracks"][2] == {
        "position": None, "with_previous": True, "cue_seconds": None, "artist": "Someone",
        "title": "Acapella", "remix": None, "edit_note": None, "label": None, "is_id": False,
        "mashup": False, "url": None,
    }  # fmt: skip
    assert body["tracks"][3]["is_id"] is True
    assert body["tracks"][4]["title"] == f"Eternity {XSS}"  # verbatim in data
    assert [v["number"] for v in body["versions"]] == [1]
    assert body["versions"][0]["origin"] == "import"
    assert body["versions"][0]["summary"] == "first import"

    await store(sessions, mix(title="Renamed"))
    assert (await client.get(f"{API}/{stored.tracklist_id}")).json()["version"] == 2
    old = (await client.get(f"{API}/{stored.tracklist_id}", params={"version": 1})).json()
    assert (old["version"], old["title"]) == (1, "ARTBAT @ Tomorrowland 2023")

    missing = await client.get(f"{API}/999999")
    assert missing.status_code == 404
    assert missing.json() == {"status_code": 404, "detail": "no tracklist with id 999999"}


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("https://www.1001tracklists.com.evil.example/tracklist/1/x.html", "is another host"),
        ("http://192.168.1.10/tracklist/1/x.html", "is an IP address"),
        ("http://[::1]/tracklist/1/x.html", "is an IP address"),
        ("file:///etc/passwd", "is not http or https"),
    ],
)
async def test_an_import_off_the_site_is_refused_before_any_request(
    client: Client,
    tracklists_site: FakeTracklistsSite,
    database_url: str,
    settings: Settings,
    url: str,
    reason: str,
) -> None:
    answer = await client.post(f"{API}/imports", json={"url": url})
    assert answer.status_code == 422
    body = answer.json()
    assert (body["status_code"], body["field"]) == (422, "url")
    assert reason in body["detail"]
    assert count(database_url, "tracklist_imports") == 0
    assert await queued_messages(settings) == 0
    assert tracklists_site.requests == []


async def test_an_import_is_accepted_with_a_job_to_poll(
    client: Client, tracklists_site: FakeTracklistsSite, settings: Settings
) -> None:
    url = f"{tracklists_site.short_url}/2k3l4m9"
    answer = await client.post(f"{API}/imports", json={"url": url, "force": True})
    assert answer.status_code == 202
    job = answer.json()
    assert (job["status"], job["url"], job["force"]) == ("queued", url, True)
    assert job["status_url"] == f"{API}/imports/{job['id']}"
    assert await queued_messages(settings) == 1
    polled = await client.get(job["status_url"])
    assert polled.status_code == 200
    assert polled.json() == job
    assert (await client.get(f"{API}/imports/999999")).status_code == 404
    unknown_field = await client.post(f"{API}/imports", json={"url": url, "priority": 1})
    assert unknown_field.status_code == 400
    assert tracklists_site.requests == []


async def test_the_site_search(client: Client, tracklists_site: FakeTracklistsSite) -> None:
    found = [Entry("dj", "ARTBAT", "/dj/artbat/index.html")]
    tracklists_site.search(8, "artbat", search_page(found, query="artbat", selection=8))
    answer = await client.get(f"{API}/site-search", params={"q": "artbat", "type": "dj"})
    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "items": [
            {
                "kind": "dj",
                "title": "ARTBAT",
                "url": tracklists_site.url + "/dj/artbat/index.html",
                "date": None,
            }
        ],
        "next_url": None,
    }
    no_query = await client.get(f"{API}/site-search", params={"q": " "})
    assert (no_query.status_code, no_query.json()["field"]) == (400, "q")
    bad_type = await client.get(f"{API}/site-search", params={"q": "x", "type": "tracks"})
    assert (bad_type.status_code, bad_type.json()["field"]) == (400, "type")


async def test_the_site_search_while_blocked_is_503_with_retry_after(
    client: Client, tracklists_site: FakeTracklistsSite
) -> None:
    tracklists_site.search(9, "artbat", challenge_page())
    answer = await client.get(f"{API}/site-search", params={"q": "artbat"})
    assert answer.status_code == 503
    assert re.fullmatch(
        r"blocked by the site, retrying after \d\d:\d\d UTC", answer.json()["detail"]
    )
    assert 60 <= int(answer.headers["retry-after"]) <= 5 * 60 + 1
    before = len(tracklists_site.requests)
    again = await client.get(f"{API}/site-search", params={"q": "something else"})
    assert again.status_code == 503
    assert len(tracklists_site.requests) == before  # the breaker is open: no request


async def test_the_tracklists_of_a_dj_page_over_two_pages(
    client: Client, tracklists_site: FakeTracklistsSite
) -> None:
    path = dj_path("ARTBAT")
    first = [Entry("tracklist", "ARTBAT @ Club", tracklist_path("1x2y", "club"), "2024-02-03")]
    second = [Entry("tracklist", f"ARTBAT @ Radio {XSS}", tracklist_path("5v6u", "radio"))]
    tracklists_site.page(f"{path}?page=2", listing_page(second))
    url = tracklists_site.page(path, listing_page(first, f"{path}?page=2"))

    answer = await client.get(f"{API}/site-listing", params={"url": url})

    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "url": url,
        "items": [
            {
                "kind": "tracklist",
                "title": "ARTBAT @ Club",
                "url": tracklists_site.url + tracklist_path("1x2y", "club"),
                "date": "2024-02-03",
            },
            {
                "kind": "tracklist",
                "title": f"ARTBAT @ Radio {XSS}",  # data, not HTML: verbatim
                "url": tracklists_site.url + tracklist_path("5v6u", "radio"),
                "date": None,
            },
        ],
    }
    assert [r.path for r in tracklists_site.page_requests()] == [path, f"{path}?page=2"]


async def test_the_tracklists_of_a_source_page(
    client: Client, tracklists_site: FakeTracklistsSite
) -> None:
    listed = [Entry("tracklist", "Anyma @ Tulum", tracklist_path("7t8s", "tulum"), "2024-01-05")]
    path = source_path("Afterlife")
    tracklists_site.page(path, listing_page(listed, heading="Afterlife"))
    # Pasted without the scheme: the canonical form is answered.
    pasted = tracklists_site.url.split("://", 1)[1] + path
    answer = await client.get(f"{API}/site-listing", params={"url": pasted})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["url"] == tracklists_site.url + path
    assert [(i["title"], i["date"]) for i in body["items"]] == [("Anyma @ Tulum", "2024-01-05")]


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("https://evil.example/dj/artbat/index.html", "evil.example is another host"),
        ("http://10.0.0.1/dj/artbat/index.html", "is an IP address"),
        ("javascript:alert(1)", "is not http or https"),
        ("", "it is empty"),
    ],
)
async def test_a_listing_off_the_site_is_422_before_any_request(
    client: Client, tracklists_site: FakeTracklistsSite, url: str, reason: str
) -> None:
    answer = await client.get(f"{API}/site-listing", params={"url": url})
    assert answer.status_code == 422
    body = answer.json()
    assert (body["status_code"], body["field"]) == (422, "url")
    assert reason in body["detail"]
    assert tracklists_site.requests == []


async def test_a_listing_while_blocked_is_503_with_retry_after(
    client: Client, tracklists_site: FakeTracklistsSite
) -> None:
    url = tracklists_site.page(dj_path("ARTBAT"), challenge_page())
    answer = await client.get(f"{API}/site-listing", params={"url": url})
    assert answer.status_code == 503
    assert re.fullmatch(
        r"blocked by the site, retrying after \d\d:\d\d UTC", answer.json()["detail"]
    )
    assert 60 <= int(answer.headers["retry-after"]) <= 5 * 60 + 1


async def test_a_listing_of_a_missing_page_is_502_with_the_reason(
    client: Client, tracklists_site: FakeTracklistsSite
) -> None:
    url = tracklists_site.url + dj_path("Nobody")  # 404 on the fake site
    answer = await client.get(f"{API}/site-listing", params={"url": url})
    assert answer.status_code == 502
    detail = answer.json()["detail"]
    assert detail.startswith(f"could not list the tracklists of {url}: ")
    assert "404" in detail


async def test_cue_as_json_and_as_a_download(client: Client, sessions: Sessions) -> None:
    stored = await store(sessions)
    url = f"{API}/{stored.tracklist_id}/cue"
    answer = await client.post(url, json={"file_type": "MP3", "file_name": "set.mp3"})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert set(body) == {"files", "warnings"}
    assert len(body["files"]) == 1
    text = body["files"][0]["text"]
    assert 'FILE "set.mp3" MP3' in text
    tracks = read_cue(text.encode())
    assert [start for _, start in tracks] == [0, 204, 420, 600, 900]
    assert tracks[3][0] == f"Eternity {XSS}"

    download = await client.get(url, params={"file_type": "MP3"})
    assert download.status_code == 200
    assert re.search(
        r'attachment; filename="[\w() .-]+\.cue"', download.headers["content-disposition"]
    )
    assert [start for _, start in read_cue(download.content)] == [0, 204, 420, 600, 900]

    bad = await client.post(url, json={"file_type": "FLAC"})
    assert bad.status_code == 400
    assert bad.json()["field"] == "file_type"


async def test_a_refused_cue_is_422_with_the_reason(client: Client, sessions: Sessions) -> None:
    no_cues = tuple(ParsedTrack(n, artist=f"A{n}", title=f"T{n}") for n in range(1, 4))
    stored = await store(sessions, mix(tracks=no_cues))
    answer = await client.post(f"{API}/{stored.tracklist_id}/cue", json={"missing": "omit"})
    assert answer.status_code == 422
    assert answer.json()["status_code"] == 422
    assert answer.json()["detail"]
    download = await client.get(f"{API}/{stored.tracklist_id}/cue", params={"missing": "omit"})
    assert download.status_code == 422
    assert download.json()["detail"] == answer.json()["detail"]


async def test_clearing_the_cache_is_for_admins(
    client: Client, settings: Settings, tracklists_site: FakeTracklistsSite
) -> None:
    path = tracklist_path("2k3l4m9", "x")
    tracklists_site.page(path, "<html><body>any page</body></html>")
    redis = aioredis.Redis.from_url(settings.redis_url)
    polite = PoliteClient(settings, redis)
    try:
        await polite.fetch(tracklists_site.url + path)  # now cached
    finally:
        await polite.aclose()
        await redis.aclose()

    await make_user(settings, "guest", "a long enough password", is_admin=False)
    token = await make_api_token(settings, "guest")
    async with AsyncTestClient(create_app(settings)) as guest:
        refused = await guest.delete(f"{API}/cache", headers={"Authorization": f"Bearer {token}"})
    assert refused.status_code == 403
    assert refused.json()["detail"] == "this needs the admin role"

    cleared = await client.delete(f"{API}/cache")
    assert cleared.status_code == 200
    assert cleared.json()["removed"] >= 1
    assert (await client.delete(f"{API}/cache")).json() == {"removed": 0}


async def test_token_auth_and_no_anonymous_access(
    anon_client: Client, settings: Settings, sessions: Sessions
) -> None:
    await make_user(settings)
    stored = await store(sessions)
    assert (await anon_client.get(API)).status_code == 401
    token = await make_api_token(settings)
    answer = await anon_client.get(
        f"{API}/{stored.tracklist_id}", headers={"Authorization": f"Bearer {token}"}
    )
    assert answer.status_code == 200
    assert answer.json()["id"] == stored.tracklist_id


async def test_an_id_or_version_past_the_database_range_is_400_naming_it(
    client: Client, sessions: Sessions, database_url: str
) -> None:
    # Found by tests/test_fuzz_api.py: numbers past bigint (ids) or integer (versions) were a 500.
    stored = await store(sessions)
    huge = 10635189204497823744
    for path, field in (
        (f"{API}/{huge}", "tracklist_id"),
        (f"{API}/imports/{huge}", "job_id"),
        (f"{API}/{stored.tracklist_id}?version={2**31}", "version"),
    ):
        answer = await client.get(path)
        assert answer.status_code == 400, (path, answer.text)
        assert answer.json()["field"] == field, answer.text
    cue = await client.post(f"{API}/{huge}/cue", json={})
    assert (cue.status_code, cue.json()["field"]) == (400, "tracklist_id"), cue.text
    cue = await client.post(f"{API}/{stored.tracklist_id}/cue", json={"version": 2**31})
    assert (cue.status_code, cue.json()["field"]) == (400, "version"), cue.text
    assert "2147483647" in cue.text
    download = await client.get(f"{API}/{stored.tracklist_id}/cue", params={"version": 2**31})
    assert download.status_code == 404, download.text
    assert download.json()["detail"] == f"tracklist {stored.tracklist_id} has no version {2**31}"
    assert count(database_url, "tracklist_versions") == 1


# Identifying a tracklist's tracks -----------------------------------------------------------------


async def test_discover_tracks_queues_a_job_to_poll(
    client: Client, sessions: Sessions, settings: Settings
) -> None:
    stored = await store(sessions)
    url = f"{API}/{stored.tracklist_id}/discover-tracks"

    every = await client.post(url, json={})
    assert every.status_code == 202
    job = every.json()
    # Five tracks of their own: the "w/" row and the mashup part are never identified alone.
    assert (job["tracklist_id"], job["version"], job["total"], job["done"]) == (
        stored.tracklist_id,
        1,
        5,
        0,
    )
    assert job["finished"] is False
    assert job["status_url"] == f"{url}/{job['job_id']}"
    polled = await client.get(job["status_url"])
    assert polled.status_code == 200
    assert polled.json()["job_id"] == job["job_id"]

    some = await client.post(url, json={"process_all": False, "positions": [1, 4]})
    assert some.status_code == 202
    assert some.json()["total"] == 2
    assert await queued_messages(settings, LIBRARY_QUEUE) == 2  # one message a job here


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"process_all": True, "positions": [1]}, "positions", "process_all true alone"),
        ({"process_all": False}, "positions", "give positions with process_all false"),
        ({"process_all": False, "positions": []}, "positions", "give positions"),
        ({"process_all": False, "positions": [2, 99]}, "positions", "no track at position 99"),
        ({"process_all": False, "positions": [0]}, "positions", ">= 1"),
        ({"colour": "red"}, None, "colour"),
    ],
)
async def test_discover_tracks_refuses_bad_input_and_queues_nothing(
    client: Client,
    sessions: Sessions,
    settings: Settings,
    body: dict[str, object],
    field: str | None,
    words: str,
) -> None:
    stored = await store(sessions)
    answer = await client.post(f"{API}/{stored.tracklist_id}/discover-tracks", json=body)
    assert answer.status_code == 400, answer.text
    refused = answer.json()
    assert words in refused["detail"] or words in str(refused.get("extra", ""))
    if field is not None:
        assert refused["field"] == field or field in str(refused.get("extra", ""))
    assert await queued_messages(settings, LIBRARY_QUEUE) == 0


async def test_discover_tracks_of_a_missing_tracklist_or_another_job_is_a_404(
    client: Client, sessions: Sessions
) -> None:
    stored = await store(sessions)
    missing = await client.post(f"{API}/999999/discover-tracks", json={})
    assert missing.status_code == 404
    assert missing.json()["detail"] == "no tracklist with id 999999"
    job = (await client.post(f"{API}/{stored.tracklist_id}/discover-tracks", json={})).json()
    elsewhere = await client.get(f"{API}/999999/discover-tracks/{job['job_id']}")
    assert elsewhere.status_code == 404
    unknown = await client.get(f"{API}/{stored.tracklist_id}/discover-tracks/nope")
    assert unknown.json()["detail"] == "no identification job nope"
