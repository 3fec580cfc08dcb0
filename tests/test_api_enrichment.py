"""Enrichment's JSON API through HTTP on a real database and Redis: one item and many queued
(202, the job and where to poll it), a job's progress, coverage per kind and each API's status.
Every refusal is a 400 naming the field, and queues nothing; a read token only reads."""

from __future__ import annotations

from typing import Any

import pytest

from domain.config import Settings
from domain.enrichment.items import ItemRef
from domain.enrichment.job import run_batch
from domain.enrichment.pick import ITEMS_MAX
from domain.models import Role, TokenScope
from domain.resources import Resources
from tests.enrichment_fakes import collection_file, library_track, nothing_queued, queued
from tests.web_fixtures import Client, make_api_token, make_user

API = "/api/v1"


def said(error: dict[str, Any]) -> str:
    """An error's words: its detail and, for a body the schema refused, each message."""
    return " ".join([error["detail"], *(e["message"] for e in error.get("extra", []))])


@pytest.fixture
async def items(resources: Resources) -> dict[str, ItemRef]:
    """A library track with an ISRC, one without, and a collection file (all pending)."""
    sessions = resources.sessions
    return {
        "track": await library_track(sessions, isrc="DEU831300071", label="BPitch Control"),
        "bare": await library_track(sessions, "bicep|glue", artists="Bicep", title="Glue"),
        "file": await collection_file(sessions, isrc=None),
    }


async def test_one_item_is_queued_and_its_job_polled(
    client: Client, resources: Resources, items: dict[str, ItemRef]
) -> None:
    answer = await client.post(f"{API}/enrich", json={"item": str(items["file"])})
    assert answer.status_code == 202, answer.text
    job = answer.json()
    assert (job["state"], job["total"], job["done"], job["finished"]) == ("queued", 1, 0, False)
    assert job["status_url"] == f"{API}/enrich/jobs/{job['job_id']}"
    assert answer.headers["location"] == job["status_url"]
    assert queued(resources) == [[str(items["file"])]]

    polled = await client.get(job["status_url"])
    assert polled.status_code == 200
    assert polled.json() == job
    assert polled.json()["text"] == "Enriching: 0 / 1 items"


async def test_a_job_a_worker_took_is_running_before_its_first_item_ends(
    client: Client, resources: Resources, items: dict[str, ItemRef]
) -> None:
    """So `crateloop enrich --wait` does not say no worker took it while one is on it."""
    answer = await client.post(f"{API}/enrich", json={"item": str(items["track"])})
    job_id = answer.json()["job_id"]
    await run_batch(resources, job_id, [])  # a worker taking a batch, before any item ends
    polled = (await client.get(f"{API}/enrich/jobs/{job_id}")).json()
    assert (polled["state"], polled["done"], polled["finished"]) == ("running", 0, False)


async def test_many_items_pending_or_all(
    client: Client, resources: Resources, items: dict[str, ItemRef]
) -> None:
    named = [str(items["track"]), str(items["file"]), str(items["track"])]
    answer = await client.post(f"{API}/enrich/batch", json={"items": named})
    assert answer.status_code == 202, answer.text
    assert answer.json()["total"] == 2, "an item named twice is enriched once"
    assert sorted(queued(resources)[0]) == sorted({*named})

    async with resources.sessions.begin() as session:
        from sqlalchemy import update

        from domain.models import LibraryTrack

        await session.execute(
            update(LibraryTrack)
            .where(LibraryTrack.id == items["bare"].id)
            .values(enrichment_status="completed")
        )
    pending = await client.post(f"{API}/enrich/batch", json={"pending": True})
    assert (pending.status_code, pending.json()["total"]) == (202, 2)
    every = await client.post(f"{API}/enrich/batch", json={"all": True, "pending": False})
    assert (every.status_code, every.json()["total"]) == (202, 3)


async def test_nothing_pending_is_a_finished_job(client: Client, resources: Resources) -> None:
    answer = await client.post(f"{API}/enrich/batch", json={"pending": True})
    assert answer.status_code == 202
    assert (answer.json()["total"], answer.json()["state"]) == (0, "done")
    assert queued(resources) == []


REFUSED_ONE: list[tuple[Any, str, str]] = [
    ({"item": "12"}, "item", "'12' is no item: write library:<id> or collection:<id>"),
    ({"item": "library:999"}, "item", "there is no library:999"),
    ({"item": "collection:0"}, "item", "write library:<id> or collection:<id>"),
    ({"item": "track:1"}, "item", "write library:<id> or collection:<id>"),
    ({"item": 12}, "item", "Expected `str`, got `int`"),
    ({"item": "library:" + "1" * 100}, "item", "length <= 80"),
    ({}, "item", "missing required field `item`"),
    ({"item": "library:1", "kind": "x"}, "data", "unknown field `kind`"),
    (["library:1"], "data", "Expected `object`"),
]

REFUSED_MANY: list[tuple[Any, str, str]] = [
    ({}, "items", "send one of items (a list), pending: true or all: true"),
    ({"items": []}, "items", "name at least one item (library:<id> or collection:<id>)"),
    ({"items": ["library:1", "7"]}, "items[1]", "'7' is no item"),
    ({"items": ["library:1", "library:999"]}, "items", "there is no library:999"),
    ({"items": "library:1"}, "items", "Expected `array | null`, got `str`"),
    ({"items": ["library:1", 1]}, "items[1]", "Expected `str`, got `int`"),
    ({"items": ["library:1"] * (ITEMS_MAX + 1)}, "items", f"length <= {ITEMS_MAX}"),
    ({"pending": True, "all": True}, "all", "send one of items"),
    ({"items": ["library:1"], "pending": True}, "pending", "send one of items"),
    ({"pending": "yes"}, "pending", "Expected `bool`, got `str`"),
    ({"everything": True}, "data", "unknown field `everything`"),
]


REFUSED = [("enrich", *case) for case in REFUSED_ONE] + [
    ("enrich/batch", *case) for case in REFUSED_MANY
]


@pytest.mark.parametrize(("path", "body", "field", "message"), REFUSED)
async def test_a_refused_item_or_batch_is_a_400_naming_the_field_and_queues_nothing(
    client: Client,
    resources: Resources,
    items: dict[str, ItemRef],
    path: str,
    body: Any,
    field: str,
    message: str,
) -> None:
    answer = await client.post(f"{API}/{path}", json=body)
    assert answer.status_code == 400, answer.text
    assert answer.json()["field"] == field, answer.json()
    assert message in said(answer.json())
    nothing_queued(resources)


async def test_a_body_that_is_not_json_is_refused(client: Client, resources: Resources) -> None:
    for path in ("/enrich", "/enrich/batch"):
        answer = await client.post(
            f"{API}{path}", content=b"{item:", headers={"content-type": "application/json"}
        )
        assert answer.status_code == 400, answer.text
    nothing_queued(resources)


async def test_an_unknown_job_is_a_404(client: Client) -> None:
    for job_id in ("0123abcd", "x" * 500):
        answer = await client.get(f"{API}/enrich/jobs/{job_id}")
        assert answer.status_code == 404
        assert answer.json()["detail"].startswith("no enrichment job ")


async def test_stats_give_coverage_in_percent_per_kind(
    client: Client, items: dict[str, ItemRef]
) -> None:
    answer = await client.get(f"{API}/enrich/stats")
    assert answer.status_code == 200
    stats = answer.json()
    assert set(stats) == {"library", "collection"}
    library, collection = stats["library"], stats["collection"]
    assert (library["kind"], library["items"]) == ("library", 2)
    assert library["percent"] == {
        "isrc": 50.0, "mbid": 0.0, "bpm": 0.0, "key": 0.0, "label": 50.0, "audio_features": 0.0,
    }  # fmt: skip
    assert library["statuses"] == {
        "pending": 2, "in_progress": 0, "completed": 0, "partial": 0, "failed": 0,
    }  # fmt: skip
    assert (collection["items"], collection["percent"]["isrc"]) == (1, 0.0)


async def test_sources_say_each_api_its_setting_and_breaker(client: Client) -> None:
    answer = await client.get(f"{API}/sources")
    assert answer.status_code == 200
    found = {source["source"]: source for source in answer.json()["sources"]}
    assert list(found) == ["musicbrainz", "deezer", "discogs", "lastfm", "spotify"]
    assert {name: s["configured"] for name, s in found.items()} == {
        "musicbrainz": True, "deezer": True, "discogs": False, "lastfm": False, "spotify": False,
    }  # fmt: skip
    assert found["lastfm"]["setting"] == "LASTFM_API_KEY"
    assert found["spotify"]["setting"] == "SPOTIFY_CLIENT_ID and SPOTIFY_CLIENT_SECRET"
    assert found["deezer"]["breaker"] == {"state": "closed", "open_until": None, "failures": 0}
    assert (found["deezer"]["calls"], found["deezer"]["cache_hit_rate"]) == (0, None)
    assert found["musicbrainz"]["name"] == "MusicBrainz"


async def test_a_read_token_reads_and_queues_nothing_a_write_token_queues(
    anon_client: Client, settings: Settings, resources: Resources, items: dict[str, ItemRef]
) -> None:
    await make_user(settings, "boss", "a long enough password")
    reader = {
        "Authorization": f"Bearer {await make_api_token(settings, 'boss', scope=TokenScope.READ)}"
    }
    for path in ("/enrich/stats", "/sources"):
        assert (await anon_client.get(f"{API}{path}", headers=reader)).status_code == 200
    body = {"item": str(items["track"])}
    refused = await anon_client.post(f"{API}/enrich", json=body, headers=reader)
    assert refused.status_code == 403
    assert refused.json()["detail"] == "this token is read-only: create one with --scope write"
    batch = await anon_client.post(f"{API}/enrich/batch", json={"all": True}, headers=reader)
    assert batch.status_code == 403
    nothing_queued(resources)

    await make_user(settings, "looper", "a long enough password", roles=[Role.OPERATOR])
    operator = await make_api_token(settings, "looper", scope=TokenScope.WRITE)
    answer = await anon_client.post(
        f"{API}/enrich", json=body, headers={"Authorization": f"Bearer {operator}"}
    )
    assert answer.status_code == 403, "an operator's token is capped by the operator's roles"
    nothing_queued(resources)

    writer = await make_api_token(settings, "boss", name="w", scope=TokenScope.WRITE)
    answer = await anon_client.post(
        f"{API}/enrich", json=body, headers={"Authorization": f"Bearer {writer}"}
    )
    assert answer.status_code == 202, answer.text
    assert queued(resources) == [[str(items["track"])]]
