"""Importing a Discogs want-list, run in this process against the fake Discogs (the worker's
own run is tests/test_discogs_wants_worker.py): every track of each wanted release lands on the
want-list, joined with the library; importing again adds only what is new; refusals at the start
name the field and queue nothing; Discogs faults (an unknown user, a refused token, a storm) and
a full want-list end or pause the import with a message, and lose nothing already added."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import psycopg
import pytest
import redis

from domain import channels
from domain.config import Settings, load_settings
from domain.library import discogs_wants, wants
from domain.library.discogs_wants import ImportState
from domain.library.facts import VersionKind
from domain.library.store import upsert_track
from domain.library.wants import WANT_LIST_MAX
from domain.models import Role, User
from domain.resources import Resources, opened
from domain.validation import InputError
from tests.fakes import discogs as dg
from tests.fakes.json_service import Reply, storm, unauthorized
from tests.library_data import facts
from tests.test_web_pages import only, texts
from tests.waiting import wait_until_async
from tests.web_fixtures import PASSWORD, USERNAME, Client, logged_in, make_user

TOKEN = "wants-t0ken"
CONTACT = "dj@example.org"
HTMX = {"HX-Request": "true"}
ARCHANGEL = dg.release_data(
    1001,
    [dg.artist("Burial")],
    "Archangel",
    tracks=[dg.track("A", "Archangel", "3:58"), dg.track("B", "Ghost Hardware", "4:51")],
)
MODERAT_II = dg.release_data(
    1002,
    [dg.artist("Moderat")],
    "II",
    label="Monkeytown",
    catno="MTR 002",
    tracks=[
        dg.heading("Side A"),
        dg.track("A1", "Bad Kingdom (Original Mix)", "5:22"),
        dg.track("A2", "Versions", "4:10"),
    ],
)


@pytest.fixture(scope="module")
def discogs_server() -> Iterator[dg.FakeDiscogs]:
    server = dg.FakeDiscogs()
    yield server
    server.close()


@pytest.fixture(scope="module")
def discogs_settings(app_env: dict[str, str], discogs_server: dg.FakeDiscogs) -> Settings:
    env = {"DISCOGS_BASE_URL": discogs_server.url, "DISCOGS_TOKEN": TOKEN, "CONTACT": CONTACT}
    return load_settings({**app_env, **env})


@pytest.fixture
def discogs(discogs_server: dg.FakeDiscogs, clean_db: None) -> dg.FakeDiscogs:
    """The fake with two wanted releases of "someone" (a 12" and an LP with a heading) and a
    third Discogs no longer has."""
    discogs_server.reset()
    discogs_server.add_release(ARCHANGEL)
    discogs_server.add_release(MODERAT_II)
    discogs_server.wants("someone", [1001, 1002, 1003])
    return discogs_server


@pytest.fixture
async def own(discogs_settings: Settings, clean_db: None) -> AsyncIterator[Resources]:
    async with opened(discogs_settings) as resources:
        yield resources


@pytest.fixture
async def web(discogs_settings: Settings, user: User) -> AsyncIterator[Client]:
    async with logged_in(discogs_settings, USERNAME, PASSWORD) as client:
        yield client


async def run_to_the_end(own: Resources, job_id: str) -> discogs_wants.WantsImport:
    """Run the import's parts in this process, as the worker would, until it is finished or
    waits for Discogs."""
    while True:
        step = await discogs_wants.run_import(own, job_id)
        if step.next_in_seconds != 0.0:
            return step.progress


def releases_asked(discogs: dg.FakeDiscogs) -> list[str]:
    return [r.path for r in discogs.requests if r.path.startswith("/releases/")]


def forget_discogs_failures(settings: Settings) -> None:
    """What time does for a breaker that opened: it lets Discogs be asked again."""
    client = redis.Redis.from_url(settings.redis_url)
    client.delete(channels.discogs(settings, "breaker"), channels.discogs(settings, "pace:next"))
    client.close()


def want_count(settings: Settings, user_id: int) -> int:
    with psycopg.connect(settings.psycopg_url) as conn:
        row = conn.execute("SELECT count(*) FROM want_list WHERE user_id = %s", (user_id,))
        return int(row.fetchone()[0])  # type: ignore[index]


async def test_every_track_of_each_wanted_release_lands_on_the_want_list(
    own: Resources, discogs: dg.FakeDiscogs, user: User
) -> None:
    heard = await upsert_track(own.sessions, facts("Burial", "Archangel"))  # from a mix
    started = await discogs_wants.start_import(own, user.id, "  someone ")
    assert (started.username, started.state) == ("someone", ImportState.QUEUED)

    done = await run_to_the_end(own, started.job_id)
    assert done.state is ImportState.DONE
    assert (done.total, done.done, done.added, done.present, done.empty) == (3, 3, 4, 0, 1)
    assert done.text == (
        "Imported someone's Discogs want-list, 3 / 3 releases:"
        " 4 tracks added, 1 release without tracks."
    )
    listed = await wants.all_wants(own.sessions, user.id)
    by_title = {entry.facts.title_base: entry for entry in listed}
    assert sorted(by_title) == ["Archangel", "Bad Kingdom", "Ghost Hardware", "Versions"]
    assert by_title["Archangel"].library_track_id == heard  # joined, not a second Archangel
    assert by_title["Versions"].notes == "Discogs want: Moderat - II [MTR 002]"
    # Read as a DJ row: "Bad Kingdom (Original Mix)" is the original of "Bad Kingdom".
    assert by_title["Bad Kingdom"].facts.version.kind is VersionKind.ORIGINAL
    assert by_title["Ghost Hardware"].discogs_release == "1001"
    shops = {link.shop for link in by_title["Ghost Hardware"].links}
    assert "Discogs" in shops

    # The token goes to Discogs with our User-Agent; the want-list was read once.
    wants_read = [r for r in discogs.requests if r.path == "/users/someone/wants"]
    assert len(wants_read) == 1
    assert all(r.headers.get("authorization") == f"Discogs token={TOKEN}" for r in discogs.requests)
    assert all(CONTACT in r.headers.get("user-agent", "") for r in discogs.requests)

    # Again: nothing new, nothing twice; the releases come from the cache.
    asked = releases_asked(discogs)
    again = await discogs_wants.start_import(own, user.id, "someone")
    repeated = await run_to_the_end(own, again.job_id)
    assert (repeated.added, repeated.present, repeated.empty) == (0, 4, 1)
    assert len(await wants.all_wants(own.sessions, user.id)) == 4
    assert releases_asked(discogs) == asked


async def test_a_want_with_notes_keeps_them_after_the_release(
    own: Resources, discogs: dg.FakeDiscogs, user: User
) -> None:
    discogs.route(
        "/users/notes/wants",
        Reply(
            200,
            {
                "pagination": {"page": 1, "pages": 1, "per_page": 100, "items": 1},
                "wants": [
                    {
                        "id": 1001,
                        "rating": 4,
                        "notes": "the B side! <script>",
                        "basic_information": {"id": 1001, "title": "Archangel"},
                    }
                ],
            },
        ),
    )
    started = await discogs_wants.start_import(own, user.id, "notes")
    assert (await run_to_the_end(own, started.job_id)).added == 2
    notes = {entry.notes for entry in await wants.all_wants(own.sessions, user.id)}
    assert notes == {"Discogs want: Burial - Archangel [HDB001]\nthe B side! <script>"}


@pytest.mark.parametrize(
    ("username", "message"),
    [
        ("", "a Discogs user name: letters, digits, . _ and -"),
        ("../releases/1", "a Discogs user name: letters, digits, . _ and -"),
        ("x" * 101, "a Discogs user name: letters, digits, . _ and -"),
    ],
)
async def test_a_name_discogs_cannot_have_is_refused_and_nothing_is_queued(
    own: Resources, discogs: dg.FakeDiscogs, user: User, username: str, message: str
) -> None:
    with pytest.raises(InputError, match=message) as refused:
        await discogs_wants.start_import(own, user.id, username)
    assert refused.value.field == "username"
    assert await discogs_wants.latest_import(own.settings, own.redis, user.id) is None
    assert discogs.requests == []


async def test_without_a_token_there_is_no_form_and_no_import(
    app_env: dict[str, str], client: Client, user: User, resources: Resources
) -> None:
    page = await client.get("/want-list")
    assert page.status_code == 200
    assert texts(page.text, "#discogs-import") == []
    refused = await client.post(
        "/want-list/import-discogs", data={"username": "someone"}, headers=HTMX
    )
    assert refused.status_code == 400
    assert texts(refused.text, ".field-error") == [
        "set DISCOGS_TOKEN to import a Discogs want-list"
    ]
    api = await client.post("/api/v1/want-list/import-discogs", json={"username": "someone"})
    assert api.status_code == 400
    assert api.json()["field"] == "username"
    assert await discogs_wants.latest_import(resources.settings, resources.redis, user.id) is None


async def test_the_page_starts_an_import_and_shows_its_progress(
    web: Client, own: Resources, discogs: dg.FakeDiscogs, user: User
) -> None:
    page = await web.get("/want-list")
    form = only(page.text, "#discogs-import form")
    assert form.attributes["action"] == "/want-list/import-discogs"

    bad = await web.post("/want-list/import-discogs", data={"username": "a b"}, headers=HTMX)
    assert bad.status_code == 400
    assert texts(bad.text, ".field-error") == ["a Discogs user name: letters, digits, . _ and -"]
    assert only(bad.text, "input[name=username]").attributes["value"] == "a b"

    started = await web.post(
        "/want-list/import-discogs", data={"username": "someone"}, headers=HTMX
    )
    assert started.status_code == 200
    part = only(started.text, "#discogs-import .identify-progress")
    assert part.attributes["hx-trigger"] == "every 1s"
    assert texts(started.text, ".import-text") == ["Importing someone's Discogs want-list: queued"]
    assert texts(started.text, "#discogs-import input[name=username]") == []  # one at a time

    # A second import while the first runs is refused; the first is untouched.
    again = await web.post("/want-list/import-discogs", data={"username": "someone"}, headers=HTMX)
    assert again.status_code == 400
    (said,) = texts(again.text, "#discogs-import .form-error")
    assert said.startswith("an import is still running: Importing someone's Discogs want-list")

    latest = await discogs_wants.latest_import(own.settings, own.redis, user.id)
    assert latest is not None
    assert only(started.text, "#discogs-import form").attributes["action"] == (
        f"/want-list/import-discogs/{latest.job_id}/stop"
    )
    await run_to_the_end(own, latest.job_id)
    shown = await web.get(f"/want-list/import-discogs/{latest.job_id}")
    assert texts(shown.text, ".import-text") == [
        "Imported someone's Discogs want-list, 3 / 3 releases:"
        " 4 tracks added, 1 release without tracks."
    ]
    assert "hx-trigger" not in only(shown.text, "#discogs-import .identify-progress").attributes
    assert texts(shown.text, "#discogs-import form button") == ["Import"]
    assert len(texts((await web.get("/want-list")).text, "tr.want")) == 4

    api = await web.get(f"/api/v1/want-list/import-discogs/{latest.job_id}")
    assert api.status_code == 200
    assert (api.json()["state"], api.json()["added"]) == ("done", 4)


async def test_a_stopped_import_imports_nothing_more_and_keeps_what_it_added(
    web: Client, own: Resources, discogs: dg.FakeDiscogs, user: User
) -> None:
    """E.g. queued while no worker runs: stopping it frees the way for a new import."""
    first = await discogs_wants.start_import(own, user.id, "someone")
    shown = await web.post(f"/want-list/import-discogs/{first.job_id}/stop", headers=HTMX)
    assert shown.status_code == 200
    assert texts(shown.text, ".import-text") == [
        "Stopped importing someone's Discogs want-list, reading the want-list: 0 tracks added."
        " Stopped by you; what was added stays."
    ]
    assert texts(shown.text, "#discogs-import form button") == ["Import"]
    late = await discogs_wants.run_import(own, first.job_id)  # its message comes after all
    assert (late.progress.state, late.next_in_seconds) == (ImportState.FAILED, None)
    assert discogs.requests == []

    # Stopped after its first release: the tracks of that one stay, nothing more comes.
    second = await discogs_wants.start_import(own, user.id, "someone")
    discogs.route("/releases/1002", Reply(200, MODERAT_II, delay=1.0))

    async def stop_while_the_second_release_is_asked() -> None:
        await wait_until_async(lambda: releases_asked(discogs)[-1:] == ["/releases/1002"])
        await discogs_wants.stop_import(own.settings, own.redis, second.job_id, user.id)

    stopping = asyncio.create_task(stop_while_the_second_release_is_asked())
    step = await discogs_wants.run_import(own, second.job_id)
    await stopping
    assert step.next_in_seconds is None
    assert step.progress.state is ImportState.FAILED
    assert releases_asked(discogs) == ["/releases/1001", "/releases/1002"]  # not 1003
    assert want_count(own.settings, user.id) == 4  # both releases it had begun
    api = await web.delete(f"/api/v1/want-list/import-discogs/{second.job_id}")
    assert (api.status_code, api.json()["state"]) == (200, "failed")


async def test_another_users_import_is_not_found(
    discogs_settings: Settings, web: Client, own: Resources, discogs: dg.FakeDiscogs, user: User
) -> None:
    started = await discogs_wants.start_import(own, user.id, "someone")
    await make_user(discogs_settings, "dj2", PASSWORD, roles=[Role.DJ])
    async with logged_in(discogs_settings, "dj2", PASSWORD) as other:
        assert (await other.get(f"/want-list/import-discogs/{started.job_id}")).status_code == 404
        api = await other.get(f"/api/v1/want-list/import-discogs/{started.job_id}")
        assert api.status_code == 404
        stop = await other.delete(f"/api/v1/want-list/import-discogs/{started.job_id}")
        assert stop.status_code == 404
        stop = await other.post(f"/want-list/import-discogs/{started.job_id}/stop")
        assert stop.status_code == 404
    assert (await web.get(f"/want-list/import-discogs/{started.job_id}")).status_code == 200


async def test_the_api_starts_an_import_and_refuses_unknown_fields(
    web: Client, discogs: dg.FakeDiscogs
) -> None:
    unknown = await web.post(
        "/api/v1/want-list/import-discogs", json={"username": "someone", "user": "x"}
    )
    assert unknown.status_code == 400
    started = await web.post("/api/v1/want-list/import-discogs", json={"username": "someone"})
    assert started.status_code == 202
    body = started.json()
    assert body["state"] == "queued" and body["finished"] is False
    assert body["status_url"] == f"/api/v1/want-list/import-discogs/{body['job_id']}"


async def test_an_unknown_discogs_user_ends_the_import_with_a_message(
    own: Resources, discogs: dg.FakeDiscogs, user: User
) -> None:
    started = await discogs_wants.start_import(own, user.id, "ghost")
    failed = await run_to_the_end(own, started.job_id)
    assert failed.state is ImportState.FAILED
    assert failed.message == "Discogs has no want-list for the user 'ghost'"
    assert failed.text.startswith("Stopped importing ghost's Discogs want-list")
    assert want_count(own.settings, user.id) == 0


async def test_a_refused_token_ends_the_import_and_the_page_says_so(
    web: Client, own: Resources, discogs: dg.FakeDiscogs, user: User
) -> None:
    discogs.route("/users/someone/wants", unauthorized())
    started = await discogs_wants.start_import(own, user.id, "someone")
    failed = await run_to_the_end(own, started.job_id)
    assert (failed.state, failed.message) == (
        ImportState.FAILED,
        "Discogs token refused: set a valid DISCOGS_TOKEN",
    )
    page = await web.get("/want-list")
    assert "Discogs refused the token" in only(page.text, "#discogs-import .form-error").text()
    # Until the token changes, a new import is refused at once, and Discogs is not asked again.
    asked = len(discogs.requests)
    with pytest.raises(InputError, match="Discogs token refused"):
        await discogs_wants.start_import(own, user.id, "someone")
    assert len(discogs.requests) == asked
    assert want_count(own.settings, user.id) == 0


async def test_a_discogs_storm_pauses_the_import_which_carries_on_where_it_stopped(
    own: Resources, discogs: dg.FakeDiscogs, user: User
) -> None:
    started = await discogs_wants.start_import(own, user.id, "someone")
    discogs.route("/releases/1002", *[storm()] * 20, Reply(200, MODERAT_II))
    paused = await discogs_wants.run_import(own, started.job_id)
    progress = paused.progress
    assert progress.state is ImportState.WAITING
    assert progress.message.startswith("Discogs: ")
    assert "carries on at" in progress.message
    assert paused.next_in_seconds is not None and paused.next_in_seconds >= 1
    assert (progress.done, progress.added) == (1, 2)  # the first release's tracks stay
    assert want_count(own.settings, user.id) == 2

    discogs.route("/releases/1002", Reply(200, MODERAT_II))
    forget_discogs_failures(own.settings)
    done = await run_to_the_end(own, started.job_id)
    assert (done.state, done.done, done.added, done.attempts) == (ImportState.DONE, 3, 4, 0)
    assert want_count(own.settings, user.id) == 4


async def test_discogs_away_for_good_ends_the_import_after_its_tries(
    own: Resources, discogs: dg.FakeDiscogs, user: User
) -> None:
    discogs.route("/users/someone/wants", storm())
    started = await discogs_wants.start_import(own, user.id, "someone")
    for _ in range(discogs_wants.MAX_ATTEMPTS):  # the breaker opens: the later ones are quick
        step = await discogs_wants.run_import(own, started.job_id)
    assert step.next_in_seconds is None
    failed = step.progress
    assert failed.state is ImportState.FAILED
    assert f"stopped after {discogs_wants.MAX_ATTEMPTS} tries. Import again later" in failed.message
    # Finished: a late message does nothing.
    late = await discogs_wants.run_import(own, started.job_id)
    assert (late.progress.state, late.next_in_seconds) == (ImportState.FAILED, None)


async def test_a_full_want_list_stops_the_import_and_adds_no_part_of_a_release(
    own: Resources, discogs: dg.FakeDiscogs, user: User
) -> None:
    with psycopg.connect(own.settings.psycopg_url) as conn:
        conn.execute(
            "INSERT INTO library_tracks (artists, title, title_base, dedupe_key, artists_key,"
            " title_key) SELECT 'A', 'T' || i, 'T' || i, 'k' || i, 'a', 't' || i"
            " FROM generate_series(1, %s) AS i",
            (WANT_LIST_MAX - 1,),
        )
        conn.execute(
            "INSERT INTO want_list (user_id, library_track_id) SELECT %s, id FROM library_tracks",
            (user.id,),
        )
    started = await discogs_wants.start_import(own, user.id, "someone")
    failed = await run_to_the_end(own, started.job_id)
    assert failed.state is ImportState.FAILED
    assert "your want-list holds 10,000 tracks, the most it can" in failed.message
    assert (failed.done, failed.added) == (0, 0)  # the 12" has two tracks: neither was added
    assert want_count(own.settings, user.id) == WANT_LIST_MAX - 1
