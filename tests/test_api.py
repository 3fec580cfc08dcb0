"""The JSON API under /api/v1, through HTTP with a real session or API token."""

from __future__ import annotations

from pathlib import Path

from domain.config import Settings
from domain.loops.keys import azuracast_song_id
from tests.web_fixtures import Client, make_api_token

SCRIPT = "<script>alert(1)</script>"


async def _create(
    client: Client, artist: str, title: str, loop: str = "a.mp4"
) -> dict[str, object]:
    answer = await client.post(
        "/api/v1/mappings", json={"artist": artist, "title": title, "loop_path": loop}
    )
    assert answer.status_code == 201, answer.text
    body: dict[str, object] = answer.json()
    return body


async def test_crud(client: Client) -> None:
    created = await _create(client, "Daft Punk", "One More Time")
    assert created["track_key"] == "daft punk - one more time"
    assert created["song_id"] == azuracast_song_id("Daft Punk", "One More Time")
    assert created["loop_path"] == "a.mp4"
    assert created["is_active"] is True
    mapping_id = created["id"]

    fetched = await client.get(f"/api/v1/mappings/{mapping_id}")
    assert fetched.json() == created

    changed = await client.patch(
        f"/api/v1/mappings/{mapping_id}", json={"loop_path": "sub/c.mp4", "notes": "night"}
    )
    assert changed.status_code == 200
    assert (changed.json()["loop_path"], changed.json()["notes"]) == ("sub/c.mp4", "night")
    assert changed.json()["title"] == "One More Time"

    deleted = await client.delete(f"/api/v1/mappings/{mapping_id}")
    assert deleted.status_code == 200
    assert deleted.json()["is_active"] is False
    # Soft: still there, and reactivation brings it back.
    assert (await client.get(f"/api/v1/mappings/{mapping_id}")).status_code == 200
    back = await client.post(f"/api/v1/mappings/{mapping_id}/reactivate")
    assert back.status_code == 200
    assert back.json()["is_active"] is True


async def test_list_filters_and_pages(client: Client) -> None:
    for n in range(7):
        await _create(client, f"Artist {n}", f"Song {n}")
    await _create(client, "Moderat", "Bad Kingdom")
    first = (
        await client.get("/api/v1/mappings", params={"per_page": 3, "sort": "key", "desc": "false"})
    ).json()
    assert (first["total"], first["page"], first["per_page"], first["pages"]) == (8, 1, 3, 3)
    assert [m["artist"] for m in first["items"]] == ["Artist 0", "Artist 1", "Artist 2"]
    last = await client.get(
        "/api/v1/mappings", params={"per_page": 3, "page": 3, "sort": "key", "desc": "false"}
    )
    assert [m["artist"] for m in last.json()["items"]] == ["Artist 6", "Moderat"]

    found = (await client.get("/api/v1/mappings", params={"q": "bad king"})).json()
    assert [m["title"] for m in found["items"]] == ["Bad Kingdom"]
    assert found["total"] == 1

    moderat_id = found["items"][0]["id"]
    await client.delete(f"/api/v1/mappings/{moderat_id}")
    active = (await client.get("/api/v1/mappings", params={"active": "true"})).json()
    assert active["total"] == 7
    assert (await client.get("/api/v1/mappings")).json()["total"] == 8


async def test_validation_errors_name_the_field(client: Client, loops_root: Path) -> None:
    too_many = await client.get("/api/v1/mappings", params={"per_page": 501})
    assert too_many.status_code == 400
    assert too_many.json()["field"] == "per_page"

    bad_sort = await client.get("/api/v1/mappings", params={"sort": "nonsense"})
    assert bad_sort.status_code == 400
    assert bad_sort.json()["field"] == "sort"

    missing = await client.post("/api/v1/mappings", json={"artist": "A", "title": "B"})
    assert missing.status_code == 400
    assert missing.json()["field"] == "loop_path"

    wrong_type = await client.post(
        "/api/v1/mappings", json={"artist": 1, "title": "B", "loop_path": "a.mp4"}
    )
    assert wrong_type.status_code == 400
    assert wrong_type.json()["field"] == "artist"

    no_file = await client.post(
        "/api/v1/mappings", json={"artist": "A", "title": "B", "loop_path": "nope.mp4"}
    )
    assert no_file.status_code == 400
    assert no_file.json()["field"] == "loop_path"

    outside = await client.post(
        "/api/v1/mappings", json={"artist": "A", "title": "B", "loop_path": "../x.mp4"}
    )
    assert outside.status_code == 400
    assert outside.json()["field"] == "loop_path"

    empty = await client.post(
        "/api/v1/mappings", json={"artist": " ", "title": "B", "loop_path": "a.mp4"}
    )
    assert empty.status_code == 400
    assert empty.json()["field"] == "artist"

    await _create(client, "A", "B")
    duplicate = await client.post(
        "/api/v1/mappings", json={"artist": "a", "title": "b", "loop_path": "b.mp4"}
    )
    assert duplicate.status_code == 409
    assert duplicate.json()["field"] == "title"

    unknown_field = await client.patch("/api/v1/mappings/1", json={"colour": "red"})
    assert unknown_field.status_code == 400


async def test_unknown_id_is_404_json(client: Client) -> None:
    for answer in (
        await client.get("/api/v1/mappings/999"),
        await client.patch("/api/v1/mappings/999", json={"notes": "x"}),
        await client.delete("/api/v1/mappings/999"),
        await client.post("/api/v1/mappings/999/reactivate"),
    ):
        assert answer.status_code == 404
        assert answer.json()["detail"] == "no mapping with id 999"


async def test_resolve(client: Client, loops_root: Path) -> None:
    await _create(client, "Daft Punk", "One More Time", "b.mp4")
    mapped = (
        await client.get(
            "/api/v1/resolve", params={"artist": "DAFT PUNK", "title": "one more time"}
        )
    ).json()
    assert (mapped["path"], mapped["reason"]) == (str(loops_root / "b.mp4"), "mapped")

    by_id = await client.get(
        "/api/v1/resolve",
        params={
            "artist": "x",
            "title": "y",
            "song_id": azuracast_song_id("Daft Punk", "One More Time"),
        },
    )
    assert by_id.json()["reason"] == "song_id"

    default = (await client.get("/api/v1/resolve", params={"artist": "No", "title": "One"})).json()
    assert (default["path"], default["reason"]) == (str(loops_root / "default.mp4"), "default")
    assert default["mapping_id"] is None

    missing = await client.get("/api/v1/resolve", params={"artist": "x"})
    assert missing.status_code == 400
    assert missing.json()["field"] == "title"


async def test_stats(client: Client) -> None:
    await _create(client, "A", "B")
    await client.get("/api/v1/resolve", params={"artist": "A", "title": "B"})
    body = (await client.get("/api/v1/stats")).json()
    assert body["mappings"]["total"] == 1
    assert body["mappings"]["active"] == 1
    assert set(body["cache"]) == {"size", "max_size", "ttl_seconds", "hits", "misses"}
    assert body["cache"]["max_size"] == 1000


async def test_markup_in_titles_comes_back_as_plain_json(client: Client) -> None:
    created = await _create(client, "Band", SCRIPT)
    answer = await client.get(f"/api/v1/mappings/{created['id']}")
    assert answer.headers["content-type"].startswith("application/json")
    assert answer.json()["title"] == SCRIPT


async def test_token_client_works_without_csrf(
    anon_client: Client, settings: Settings, user: object
) -> None:
    token = await make_api_token(settings)
    headers = {"Authorization": f"Bearer {token}"}
    created = await anon_client.post(
        "/api/v1/mappings",
        json={"artist": "T", "title": "U", "loop_path": "a.mp4"},
        headers=headers,
    )
    assert created.status_code == 201
    mapping_id = created.json()["id"]
    assert (
        await anon_client.patch(
            f"/api/v1/mappings/{mapping_id}", json={"notes": "n"}, headers=headers
        )
    ).status_code == 200
    assert (
        await anon_client.delete(f"/api/v1/mappings/{mapping_id}", headers=headers)
    ).status_code == 200


async def test_openapi_schema_is_served_behind_login(client: Client, anon_client: Client) -> None:
    schema = await client.get("/schema/openapi.json")
    assert schema.status_code == 200
    assert "/api/v1/mappings" in schema.json()["paths"]
    assert (await anon_client.get("/schema/openapi.json", follow_redirects=False)).status_code in (
        303,
        401,
    )


# Input the database could not hold, and filters that were read wrongly (issue 8) ------------------


async def test_a_song_id_longer_than_its_column_is_refused_and_nothing_stored(
    client: Client,
) -> None:
    answer = await client.post(
        "/api/v1/mappings",
        json={"artist": "A", "title": "B", "loop_path": "a.mp4", "song_id": "f" * 40},
    )
    assert answer.status_code == 400
    assert answer.json()["field"] == "song_id"
    assert answer.json()["detail"] == "song_id is longer than 32 characters"
    assert (await client.get("/api/v1/mappings")).json()["total"] == 0

    created = await _create(client, "A", "B")
    changed = await client.patch(f"/api/v1/mappings/{created['id']}", json={"song_id": "f" * 40})
    assert (changed.status_code, changed.json()["field"]) == (400, "song_id")
    assert (await client.get(f"/api/v1/mappings/{created['id']}")).json() == created


async def test_a_title_too_long_for_the_key_is_refused_and_the_mapping_unchanged(
    client: Client,
) -> None:
    created = await _create(client, "Daft Punk", "One More Time")
    answer = await client.patch(f"/api/v1/mappings/{created['id']}", json={"title": "t" * 600})
    assert answer.status_code == 400
    assert answer.json()["field"] == "title"
    assert answer.json()["detail"] == "title is longer than 254 characters (600)"
    assert (await client.get(f"/api/v1/mappings/{created['id']}")).json() == created
    resolved = await client.get(
        "/api/v1/resolve", params={"artist": "Daft Punk", "title": "One More Time"}
    )
    assert resolved.json()["mapping_id"] == created["id"]

    too_long = await client.post(
        "/api/v1/mappings", json={"artist": "A", "title": "t" * 600, "loop_path": "a.mp4"}
    )
    assert (too_long.status_code, too_long.json()["field"]) == (400, "title")
    assert (await client.get("/api/v1/mappings")).json()["total"] == 1


async def test_the_active_filter_lists_what_it_says(client: Client) -> None:
    kept = [await _create(client, f"Kept {n}", "Song") for n in range(3)]
    gone = [await _create(client, f"Gone {n}", "Song") for n in range(2)]
    for mapping in gone:
        await client.delete(f"/api/v1/mappings/{mapping['id']}")

    async def listed(**params: str) -> set[object]:
        answer = await client.get("/api/v1/mappings", params=params)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["total"] == len(body["items"])
        return {item["id"] for item in body["items"]}

    active, inactive = {m["id"] for m in kept}, {m["id"] for m in gone}
    for value in ("false", "0", "no", "False"):
        assert await listed(active=value) == inactive
    for value in ("true", "1", "yes"):
        assert await listed(active=value) == active
    assert await listed() == active | inactive  # no parameter: all, as before
    assert await listed(active="all") == active | inactive

    bad = await client.get("/api/v1/mappings", params={"active": "maybe"})
    assert (bad.status_code, bad.json()["field"]) == (400, "active")
    assert "use true, false or all" in bad.json()["detail"]


async def test_a_page_past_the_end_is_the_last_page(client: Client) -> None:
    for n in range(5):
        await _create(client, f"Artist {n}", "Song")
    params = {"per_page": "2", "sort": "key", "desc": "false"}
    for page in ("3", "4", "1000", "99999999999999999999"):
        answer = await client.get("/api/v1/mappings", params=params | {"page": page})
        assert answer.status_code < 500, answer.text
        if answer.status_code == 200:
            body = answer.json()
            assert (body["page"], body["pages"]) == (3, 3)
            assert [m["artist"] for m in body["items"]] == ["Artist 4"]
        else:
            assert (answer.status_code, answer.json()["field"]) == (400, "page")
    searched = await client.get("/api/v1/mappings", params={"q": "artist", "page": "9", **params})
    assert (searched.json()["page"], len(searched.json()["items"])) == (3, 1)
    zero = await client.get("/api/v1/mappings", params={"page": "0"})
    assert (zero.status_code, zero.json()["field"]) == (400, "page")


async def test_an_id_past_the_database_range_is_400_naming_it_and_nothing_changes(
    client: Client,
) -> None:
    # Found by tests/test_fuzz_api.py: a number past bigint was a 500 from PostgreSQL.
    created = await _create(client, "Daft Punk", "Aerodynamic")
    huge = 67904555656788099072
    for method, path in (
        ("GET", f"/api/v1/mappings/{huge}"),
        ("PATCH", f"/api/v1/mappings/{huge}"),
        ("DELETE", f"/api/v1/mappings/{huge}"),
        ("POST", f"/api/v1/mappings/{huge}/reactivate"),
    ):
        body = {"notes": "changed"} if method == "PATCH" else None
        answer = await client.request(method, path, json=body)
        assert answer.status_code == 400, (method, answer.text)
        assert answer.json()["field"] == "mapping_id", answer.text
        assert "9223372036854775807" in answer.text
    unchanged = await client.get(f"/api/v1/mappings/{created['id']}")
    assert unchanged.json() == created
