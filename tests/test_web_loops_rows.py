"""The Loops page's rows after a change, through HTTP: adding keeps the count and the empty state
true, an edited row shows its new loop's preview, every field error is shown at once, a search
for `%` or `_` finds only what holds them, and a mapping can be deleted for good."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from domain.loops import rules
from domain.loops.mapper import MappingNotFound, TrackMapper
from domain.models import Reason
from tests.test_web_pages import HX, HX_ROWS, only, page, seed, texts
from tests.waiting import wait_until_async
from tests.web_fixtures import Client


def at(url: str) -> dict[str, str]:
    """The headers htmx sends from a page at `url`."""
    return HX | {"HX-Current-URL": f"http://testserver{url}"}


# Adding: the count and the empty state ------------------------------------------------------------


async def test_the_first_mapping_replaces_the_empty_state_and_counts(client: Client) -> None:
    empty = await client.get("/loops")
    assert only(empty.text, "#loops-rows tr.empty").text().startswith("No mappings yet")
    assert only(empty.text, "#loops-foot .count").text() == "0 mappings"

    form = {"artist": "Moderat", "title": "Bad Kingdom", "loop_path": "a.mp4"}
    added = await client.post("/loops", data=form, headers=at("/loops"))

    assert added.status_code == 200
    # htmx removes the empty row and swaps in the footer with the new count, out of band.
    assert only(added.text, "tbody[hx-swap-oob='delete:#loops-empty']") is not None
    foot = only(added.text, "tfoot#loops-foot")
    assert foot.attributes["hx-swap-oob"] == "true"
    assert only(added.text, "#loops-foot .count").text() == "1 mapping"


async def test_the_count_after_adding_follows_the_listing_shown(
    client: Client, mapper: TrackMapper
) -> None:
    await seed(mapper, ("Bicep", "Glue", "a.mp4"), ("Burial", "Archangel", "b.mp4"))
    form = {"artist": "Bicep", "title": "Atlas", "loop_path": "a.mp4"}
    added = await client.post("/loops", data=form, headers=at("/loops?q=bicep"))
    assert only(added.text, "#loops-foot .count").text() == "2 mappings matching “bicep”"


# Editing: the new loop's preview ---------------------------------------------------------------


async def test_an_edited_row_shows_the_new_loops_preview(
    client: Client, mapper: TrackMapper, other_loop: str
) -> None:
    (mapping,) = await seed(mapper, ("Four Tet", "Baby", "a.mp4"))
    before = await client.get(f"/loops/{mapping.id}/thumbnail.jpg")

    form = {"artist": "Four Tet", "title": "Baby", "loop_path": other_loop}
    saved = await client.post(f"/loops/{mapping.id}", data=form, headers=HX)

    assert saved.status_code == 200
    status = only(saved.text, f"#mapping-{mapping.id} td.status").text(strip=True)
    assert status == "pending"  # the old loop's check no longer describes the row
    src = only(saved.text, f"#mapping-{mapping.id} td.thumb img").attributes["src"] or ""
    assert src.startswith(f"/loops/{mapping.id}/thumbnail.jpg?v=")
    after = await client.get(src)
    assert after.status_code == 200
    assert after.content.startswith(b"\xff\xd8")
    assert after.content != before.content  # made from the new file, not the old one

    # Back to the first loop: another address, so the browser cannot reuse the second preview.
    form["loop_path"] = "a.mp4"
    again = await client.post(f"/loops/{mapping.id}", data=form, headers=HX)
    src_again = only(again.text, f"#mapping-{mapping.id} td.thumb img").attributes["src"]
    assert src_again != src
    assert (await client.get(src_again or "")).content == before.content


# Errors: every field at once --------------------------------------------------------------------


async def test_the_empty_form_reports_every_missing_field_at_once(
    client: Client, mapper: TrackMapper
) -> None:
    refused = await client.post("/loops", data={}, headers=HX)
    assert refused.status_code == 422
    for field, message in (
        ("artist", "missing artist"),
        ("title", "missing title"),
        ("loop_path", "loop file path is empty"),
    ):
        error = only(refused.text, f"#add-mapping-{field}-error")
        assert error.text() == message
        field_input = only(refused.text, f"#loops-add [name={field}]")
        assert field_input.attributes["aria-describedby"] == f"add-mapping-{field}-error"
        assert error.parent == field_input.parent  # beside its own field
    assert (await mapper.get_stats()).total == 0


async def test_a_long_title_is_named_with_its_own_limit(
    client: Client, mapper: TrackMapper
) -> None:
    form = {
        "artist": "A",
        "title": "t" * 5000,
        "loop_path": "nope.mp4",
        "song_id": "f" * 40,
    }
    refused = await client.post("/loops", data=form, headers=HX)
    assert refused.status_code == 422
    title = only(refused.text, "#add-mapping-title-error").text()
    assert title == f"title is longer than {rules.PART_MAX} characters (5000)"
    assert "nope.mp4 does not exist" in only(refused.text, "#add-mapping-loop_path-error").text()
    assert "song_id is longer than" in only(refused.text, "#add-mapping-song_id-error").text()
    assert page(refused.text).css("#add-mapping-artist-error") == []
    # What was typed stays, nothing was written.
    assert only(refused.text, "#loops-add [name=loop_path]").attributes["value"] == "nope.mp4"
    assert (await mapper.get_stats()).total == 0


async def test_the_edit_form_reports_every_error_at_once(
    client: Client, mapper: TrackMapper
) -> None:
    (mapping,) = await seed(mapper, ("Four Tet", "Baby", "a.mp4"))
    form = {"artist": "a" * 300, "title": "Baby", "loop_path": "../x.mp4", "notes": "n" * 3000}
    refused = await client.post(f"/loops/{mapping.id}", data=form, headers=HX)
    assert refused.status_code == 422
    prefix = f"#edit-{mapping.id}"
    assert "artist is longer than" in only(refused.text, f"{prefix}-artist-error").text()
    assert "outside the loops folder" in only(refused.text, f"{prefix}-loop_path-error").text()
    assert "notes are longer than" in only(refused.text, f"{prefix}-notes-error").text()
    kept = await mapper.get_mapping(mapping.id)
    assert (kept.artist, kept.loop_file_path, kept.notes) == ("Four Tet", "a.mp4", None)


async def test_the_api_names_every_field_at_fault(client: Client) -> None:
    body = {"artist": " ", "title": "t" * 600, "loop_path": "a.mp4"}
    answer = await client.post("/api/v1/mappings", json=body)
    assert answer.status_code == 400
    assert answer.json()["field"] == "artist"
    assert answer.json()["errors"] == [
        {"field": "artist", "detail": "missing artist"},
        {"field": "title", "detail": f"title is longer than {rules.PART_MAX} characters (600)"},
    ]


# Search: % and _ are characters ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ("%", ["Crystal Waters"]),
        ("_", ["Coder"]),
        ("100%", ["Crystal Waters"]),
        ("&", ["Salt & Pepper"]),
        ("pure %", ["Crystal Waters"]),
        ("\\", []),
        ("Bicep - Glue", ["Bicep"]),  # a pasted "Artist - Title" still finds its track
    ],
)
async def test_percent_and_underscore_in_a_search_are_literal(
    client: Client, mapper: TrackMapper, search: str, expected: list[str]
) -> None:
    await seed(
        mapper,
        ("Crystal Waters", "100% Pure Love", "a.mp4"),
        ("Coder", "snake_case", "a.mp4"),
        ("Salt & Pepper", "Push It", "a.mp4"),
        ("Bicep", "Glue", "a.mp4"),
    )
    rows = await client.get(f"/loops?q={quote(search)}", headers=HX_ROWS)
    assert texts(rows.text, "#loops-rows td.artist") == expected
    api = await client.get("/api/v1/mappings", params={"q": search})
    assert [item["artist"] for item in api.json()["items"]] == expected


# Deleting ---------------------------------------------------------------------------------------


async def test_delete_removes_the_row_and_forgets_the_mapping_everywhere(
    client: Client, mapper: TrackMapper
) -> None:
    gone, kept = await seed(mapper, ("Bicep", "Glue", "a.mp4"), ("Burial", "Archangel", "b.mp4"))
    resolved = await mapper.resolve("Bicep", "Glue")
    assert resolved.mapping_id == gone.id  # cached in this process now

    row = only((await client.get("/loops")).text, f"#mapping-{gone.id} button.danger")
    assert row.attributes["hx-post"] == f"/loops/{gone.id}/delete"
    assert "for good" in (row.attributes["hx-confirm"] or "")

    deleted = await client.post(f"/loops/{gone.id}/delete", headers=at("/loops"))
    assert deleted.status_code == 200
    assert page(deleted.text).css("tr[id^=mapping-]") == []  # the row is swapped for nothing
    assert only(deleted.text, "#loops-foot .count").text() == "1 mapping"

    with pytest.raises(MappingNotFound):
        await mapper.get_mapping(gone.id)
    assert (await mapper.get_mapping(kept.id)).track_key == "burial - archangel"

    # The cache heard of it: the track falls back to the default loop again.
    async def forgotten() -> bool:
        return (await mapper.resolve("Bicep", "Glue")).reason == Reason.DEFAULT

    await wait_until_async(forgotten, message="the deleted mapping leaves the cache")
    again = await client.post(f"/loops/{gone.id}/delete", headers=HX)
    assert again.status_code == 404


async def test_deleting_the_last_row_shows_the_empty_state(
    client: Client, mapper: TrackMapper
) -> None:
    (only_one,) = await seed(mapper, ("Bicep", "Glue", "a.mp4"))
    deleted = await client.post(f"/loops/{only_one.id}/delete", headers=at("/loops"))
    empty = only(deleted.text, "tbody[hx-swap-oob='beforeend:#loops-rows'] tr#loops-empty")
    assert empty.text().startswith("No mappings yet")
    assert only(deleted.text, "#loops-foot .count").text() == "0 mappings"


async def test_the_api_deletes_for_good_only_when_asked(
    client: Client, mapper: TrackMapper
) -> None:
    soft, hard, kept = await seed(
        mapper, ("A", "One", "a.mp4"), ("B", "Two", "a.mp4"), ("C", "Three", "a.mp4")
    )
    deactivated = await client.delete(f"/api/v1/mappings/{soft.id}")
    assert (deactivated.status_code, deactivated.json()["is_active"]) == (200, False)
    assert (await mapper.get_mapping(soft.id)).is_active is False

    removed = await client.delete(f"/api/v1/mappings/{hard.id}", params={"permanent": "true"})
    assert (removed.status_code, removed.json()["id"]) == (200, hard.id)
    assert (await client.get(f"/api/v1/mappings/{hard.id}")).status_code == 404
    resolved = await client.get("/api/v1/resolve", params={"artist": "B", "title": "Two"})
    assert resolved.json()["reason"] == "default"
    assert (await client.get(f"/api/v1/mappings/{kept.id}")).status_code == 200
    again = await client.delete(f"/api/v1/mappings/{hard.id}", params={"permanent": "true"})
    assert again.status_code == 404
