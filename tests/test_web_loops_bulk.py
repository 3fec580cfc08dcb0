"""Importing and exporting mappings on the Loops page, through HTTP: the CLI's formats and its
all-or-nothing rule (bad rows listed by line, nothing stored), a round trip of the export, and
`crateloop mappings delete`."""

from __future__ import annotations

import asyncio
import csv
import functools
import io
import json

import pytest
from click.testing import CliRunner, Result

from cli.main import crateloop
from domain.loops.mapper import MappingNotFound, TrackMapper
from tests.test_web_pages import HX, only, page, seed, texts
from tests.web_fixtures import Client

HEADER = "artist,title,loop_path,song_id,notes\n"


async def upload(
    client: Client, name: str, content: bytes, *, update: bool = False, csrf: bool = True
) -> tuple[int, str]:
    data = {"update": "on"} if update else {}
    headers = dict(HX)
    if not csrf:
        headers["x-csrftoken"] = ""
    answer = await client.post(
        "/loops/import", files={"file": (name, content)}, data=data, headers=headers
    )
    return answer.status_code, answer.text


async def test_the_loops_page_offers_import_and_export(client: Client) -> None:
    html = (await client.get("/loops")).text
    form = only(html, "form#loops-import")
    assert form.attributes["enctype"] == "multipart/form-data"
    assert form.attributes["hx-encoding"] == "multipart/form-data"
    assert only(html, "form#loops-import input[name=_csrf_token]").attributes["value"]
    assert only(html, "form#loops-import input[type=file]").attributes["name"] == "file"
    links = [a.attributes["href"] for a in page(html).css(".bulk-export a")]
    assert "/loops/export?format=csv" in links
    assert "/loops/export?format=json" in links


async def test_a_good_csv_is_imported(client: Client, mapper: TrackMapper) -> None:
    content = (HEADER + "Bicep,Glue,a.mp4,,night\nBurial,Archangel,sub/c.mp4,,\n").encode()
    status, html = await upload(client, "mine.csv", content)
    assert status == 200
    assert only(html, ".import-summary").text() == (
        "Imported: added 2, updated 0, skipped 0, invalid 0."
    )
    stored = await mapper.get_mapping_by_key("bicep - glue")
    assert stored is not None
    assert (stored.loop_file_path, stored.notes) == ("a.mp4", "night")
    # The table is read again and swapped in out of band (in a <template>, as htmx wants table
    # parts that travel beside a <div>), with its count.
    carried = html.split("<template>", 1)[1].split("</template>", 1)[0]
    assert only(carried, "tbody#loops-rows").attributes["hx-swap-oob"] == "true"
    assert sorted(texts(carried, "#loops-rows td.artist")) == ["Bicep", "Burial"]
    assert only(carried, "#loops-foot .count").text() == "2 mappings"


async def test_import_without_javascript_shows_the_page_with_the_report(client: Client) -> None:
    content = (HEADER + ",No Artist,a.mp4,,\n").encode()
    answer = await client.post("/loops/import", files={"file": ("x.csv", content)})
    assert answer.status_code == 422
    assert "<html" in answer.text
    assert texts(answer.text, ".import-problems li")[0].startswith("line 2: ")


async def test_a_bad_csv_lists_every_bad_line_and_stores_nothing(
    client: Client, mapper: TrackMapper
) -> None:
    await seed(mapper, ("Daft Punk", "One More Time", "a.mp4"))
    content = (
        HEADER
        + "Bicep,Glue,a.mp4,,\n"  # line 2: good, and still not stored
        + ",No Artist,a.mp4,,\n"  # line 3
        + "Burial,Archangel,missing.mp4,,\n"  # line 4
        + "Moderat,Bad Kingdom,../out.mp4,,\n"  # line 5
    ).encode()
    status, html = await upload(client, "bad.csv", content)
    assert status == 422
    assert only(html, ".import-summary").text().startswith("Nothing was written")
    problems = texts(html, ".import-problems li")
    assert [problem.split(":")[0] for problem in problems] == ["line 3", "line 4", "line 5"]
    assert "artist" in problems[0]
    assert "missing.mp4 does not exist" in problems[1]
    assert "outside the loops folder" in problems[2]
    assert (await mapper.get_stats()).total == 1  # nothing stored, the old one kept
    assert await mapper.get_mapping_by_key("bicep - glue") is None


async def test_a_bad_json_lists_items_and_stores_nothing(
    client: Client, mapper: TrackMapper
) -> None:
    items = [
        {"artist": "Bicep", "title": "Glue", "loop_path": "a.mp4"},
        {"artist": "Burial", "title": "Archangel", "loop_path": "a.mp4", "colour": "red"},
    ]
    status, html = await upload(client, "bad.json", json.dumps(items).encode())
    assert status == 422
    (problem,) = texts(html, ".import-problems li")
    assert problem.startswith("item 2: unknown field 'colour'")
    assert (await mapper.get_stats()).total == 0


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("notes.txt", b"artist,title\n", "'notes.txt' is not a .csv or .json file"),
        ("empty.csv", b"", "'empty.csv' is empty"),
    ],
)
async def test_a_file_of_another_kind_is_refused_by_name(
    client: Client, mapper: TrackMapper, name: str, content: bytes, message: str
) -> None:
    status, html = await upload(client, name, content)
    assert status == 422
    assert only(html, "#import-file-error").text() == message
    assert (await mapper.get_stats()).total == 0


async def test_an_unreadable_file_is_named_and_stores_nothing(
    client: Client, mapper: TrackMapper
) -> None:
    status, html = await upload(client, "wrong.csv", b"name,file\nBicep,a.mp4\n")
    assert status == 422
    summary = only(html, ".import-summary").text()
    assert summary.startswith("Nothing was written:")
    assert "header" in summary
    assert (await mapper.get_stats()).total == 0


async def test_import_needs_the_csrf_token(client: Client) -> None:
    status, _ = await upload(client, "x.csv", (HEADER + "A,B,a.mp4,,\n").encode(), csrf=False)
    assert status == 403


async def test_update_replaces_existing_mappings(client: Client, mapper: TrackMapper) -> None:
    (existing,) = await seed(mapper, ("Bicep", "Glue", "a.mp4"))
    content = (HEADER + "Bicep,Glue,b.mp4,,\n").encode()
    status, html = await upload(client, "again.csv", content)
    assert "skipped 1" in only(html, ".import-summary").text()
    assert (await mapper.get_mapping(existing.id)).loop_file_path == "a.mp4"
    status, html = await upload(client, "again.csv", content, update=True)
    assert status == 200
    assert "updated 1" in only(html, ".import-summary").text()
    assert (await mapper.get_mapping(existing.id)).loop_file_path == "b.mp4"


async def test_the_export_reads_back_as_an_import(client: Client, mapper: TrackMapper) -> None:
    kept, gone = await seed(mapper, ("Bicep", "Glue", "a.mp4"), ("Burial", "Archangel", "b.mp4"))
    await mapper.delete_mapping(gone.id)

    as_csv = await client.get("/loops/export", params={"format": "csv"})
    assert as_csv.status_code == 200
    assert as_csv.headers["content-type"] == "text/csv; charset=utf-8"
    assert 'filename="mappings.csv"' in as_csv.headers["content-disposition"]
    exported = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert [(row["artist"], row["loop_path"]) for row in exported] == [("Bicep", "a.mp4")]

    everything = await client.get("/loops/export", params={"format": "json", "all": "true"})
    assert everything.headers["content-type"] == "application/json"
    items = everything.json()
    assert sorted(item["artist"] for item in items) == ["Bicep", "Burial"]

    # Deleted and imported again, the file gives the same mappings back.
    await mapper.remove_mapping(kept.id)
    await mapper.remove_mapping(gone.id)
    status, html = await upload(client, "mappings.json", everything.content)
    assert status == 200
    assert "added 2" in only(html, ".import-summary").text()

    refused = await client.get("/loops/export", params={"format": "xml"})
    assert refused.status_code == 400
    assert texts(refused.text, ".error-page p")[0] == "format is 'xml': use csv or json"


async def test_cli_deletes_a_mapping_for_good(app_env: dict[str, str], mapper: TrackMapper) -> None:
    gone, kept = await seed(mapper, ("Bicep", "Glue", "a.mp4"), ("Burial", "Archangel", "b.mp4"))

    async def delete(*args: str, answer: str | None = None) -> Result:
        argv = ["mappings", "delete", *args]
        invoke = functools.partial(CliRunner().invoke, crateloop, argv, env=app_env, input=answer)
        return await asyncio.to_thread(invoke)  # the command runs its own event loop

    asked = await delete(str(gone.id), answer="n\n")
    assert asked.exit_code == 1  # answered no: aborted, nothing deleted
    assert '"bicep - glue" for good?' in asked.output
    assert (await mapper.get_mapping(gone.id)).track_key == "bicep - glue"

    done = await delete(str(gone.id), "--yes")
    assert done.exit_code == 0, done.output
    assert done.output == f'deleted #{gone.id} "bicep - glue" -> a.mp4\n'
    with pytest.raises(MappingNotFound):
        await mapper.get_mapping(gone.id)
    assert (await mapper.get_mapping(kept.id)).track_key == "burial - archangel"

    missing = await delete(str(gone.id), "--yes")
    assert missing.exit_code == 2
    assert f"no mapping with id {gone.id}" in missing.output
