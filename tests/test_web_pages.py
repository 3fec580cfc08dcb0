"""The HTML pages through HTTP: Loops (list, search, sort, pages, add, edit, deactivate), the
loop-file picker, thumbnails, Fallbacks and the dashboard. Asserted on the HTML a person sees."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from selectolax.lexbor import LexborHTMLParser as HTMLParser
from selectolax.lexbor import LexborNode as Node

from domain.loops.mapper import TrackMapper
from domain.models import TrackMapping
from tests.web_fixtures import Client

HX = {"HX-Request": "true"}
HX_ROWS = {"HX-Request": "true", "HX-Target": "loops-rows"}
XSS = "<script>alert(1)</script>"
ESCAPED_XSS = "&lt;script&gt;alert(1)&lt;/script&gt;"
# A JPEG is whatever starts with these bytes, as far as the browser and this test are concerned.
JPEG = b"\xff\xd8\xff\xe0" + b"thumbnail" * 10


def page(html: str) -> HTMLParser:
    """A full page, or a table fragment (rows, row groups) put back into a table to parse it."""
    if html.lstrip().startswith(("<tbody", "<thead", "<tfoot", "<tr")):
        html = f"<table>{html}</table>"
    return HTMLParser(html)


def texts(html: str, selector: str) -> list[str]:
    return [node.text(strip=True) for node in page(html).css(selector)]


def only(html: str, selector: str) -> Node:
    nodes = page(html).css(selector)
    assert len(nodes) == 1, f"{len(nodes)} nodes match {selector!r}"
    return nodes[0]


def child(node: Node | HTMLParser, selector: str) -> Node:
    found = node.css_first(selector)
    assert found is not None, f"nothing matches {selector!r}"
    return found


async def seed(mapper: TrackMapper, *tracks: tuple[str, str, str]) -> list[TrackMapping]:
    return [await mapper.create_mapping(a, t, loop) for a, t, loop in tracks]


@pytest.fixture
async def three(mapper: TrackMapper) -> list[TrackMapping]:
    """Three mappings with 5, 1 and 0 plays."""
    mappings = await seed(
        mapper,
        ("Daft Punk", "One More Time", "a.mp4"),
        ("Bicep", "Glue", "b.mp4"),
        ("Caribou", "Can't Do Without You", "sub/c.mp4"),
    )
    for mapping, plays in zip(mappings, (5, 1, 0), strict=True):
        for _ in range(plays):
            await mapper.increment_play_count(mapping.track_key)
    return mappings


def db_execute(database_url: str, sql: str, *params: object) -> None:
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(sql, params)


# Listing ----------------------------------------------------------------------------------------


async def test_loops_page_lists_mappings_in_the_layout(
    client: Client, three: list[TrackMapping]
) -> None:
    response = await client.get("/loops")

    assert response.status_code == 200
    html = response.text
    assert texts(html, "#loops-rows td.artist") == ["Daft Punk", "Bicep", "Caribou"]  # by plays
    assert texts(html, "#loops-rows td.loop-file") == ["a.mp4", "b.mp4", "sub/c.mp4"]
    assert texts(html, "#loops-rows td.plays") == ["5", "1", "0"]
    assert texts(html, "#loops-rows td.status") == ["pending"] * 3
    assert "daft punk - one more time" in texts(html, "#loops-rows td.title .key")
    assert three[0].azuracast_song_id in texts(html, "#loops-rows td.song-id")
    assert "3 mappings" in only(html, "#loops-foot .count").text()
    # The layout: navigation with the current page marked, later pages as disabled items.
    assert only(html, ".mainnav a[aria-current=page]").text(strip=True) == "Loops"
    # Other issues enable their entries one by one: check this pages and the later ones.
    links = set(texts(html, ".mainnav a"))
    soon = {s.removesuffix("soon").strip() for s in texts(html, ".mainnav .nav-soon")}
    assert {"Dashboard", "Loops", "Fallbacks", "Tracklists", "Library", "Want-list"} <= links
    assert not links & soon
    assert only(html, ".username").text(strip=True) == "operator"
    assert page(html).css("form.logout input[name=_csrf_token]")
    assert 'hx-headers=\'{"x-csrftoken": "' in html


async def test_login_page_has_no_navigation(anon_client: Client) -> None:
    response = await anon_client.get("/login")

    assert response.status_code == 200
    assert page(response.text).css(".mainnav") == []


async def test_search_narrows_rows_and_htmx_gets_only_the_table_parts(
    client: Client, three: list[TrackMapping]
) -> None:
    response = await client.get("/loops", params={"q": "daft pu"}, headers=HX_ROWS)

    assert response.status_code == 200
    assert "<html" not in response.text
    assert texts(response.text, "#loops-rows td.artist") == ["Daft Punk"]
    # The header and pager come along out of band, carrying the search into their links.
    assert only(response.text, "thead#loops-head").attributes["hx-swap-oob"] == "true"
    assert "1 mapping matching" in only(response.text, "tfoot#loops-foot .count").text()
    sort_link = only(response.text, "#loops-head th[aria-sort] a").attributes["href"] or ""
    assert "q=daft+pu" in sort_link
    assert response.headers["hx-push-url"] == "/loops?q=daft+pu"  # the address bar's URL

    full = await client.get("/loops", params={"q": "sub c"})  # the pushed URL, loaded anew
    assert "<html" in full.text
    assert texts(full.text, "#loops-rows td.artist") == ["Caribou"]
    assert only(full.text, "#loops-q").attributes["value"] == "sub c"

    none = await client.get("/loops", params={"q": "zzz"}, headers=HX_ROWS)
    assert texts(none.text, "#loops-rows tr.empty") == ["No mapping matches “zzz”."]


async def test_sorting_by_a_column_header(client: Client, three: list[TrackMapping]) -> None:
    by_key = await client.get("/loops", params={"sort": "key", "desc": "false"}, headers=HX_ROWS)
    assert texts(by_key.text, "#loops-rows td.artist") == ["Bicep", "Caribou", "Daft Punk"]
    header = only(by_key.text, "#loops-head th[aria-sort]")
    assert header.attributes["aria-sort"] == "ascending"
    assert child(header, "a").attributes["href"] == "/loops?sort=key"  # a click flips it

    reverse = await client.get("/loops?sort=key&desc=true", headers=HX_ROWS)
    assert texts(reverse.text, "#loops-rows td.artist") == ["Daft Punk", "Caribou", "Bicep"]

    unknown = await client.get("/loops?sort=drop+table", headers=HX_ROWS)  # falls back to plays
    assert texts(unknown.text, "#loops-rows td.artist") == ["Daft Punk", "Bicep", "Caribou"]


async def test_pagination(client: Client, mapper: TrackMapper) -> None:
    await seed(mapper, *((f"Artist {n:02d}", "Track", "a.mp4") for n in range(25)))

    first = await client.get("/loops?sort=key&desc=false&per_page=10")
    assert len(texts(first.text, "#loops-rows tr")) == 10
    assert "Page 1 of 3" in first.text
    next_link = next(a for a in page(first.text).css("#loops-foot a") if "Next" in a.text())
    assert next_link.attributes["hx-get"] == "/loops?sort=key&desc=false&page=2&per_page=10"

    second = await client.get(next_link.attributes["hx-get"] or "", headers=HX_ROWS)
    assert texts(second.text, "#loops-rows td.artist")[0] == "Artist 10"
    assert "Page 2 of 3" in second.text

    last = await client.get("/loops?sort=key&desc=false&per_page=10&page=3", headers=HX_ROWS)
    assert texts(last.text, "#loops-rows td.artist") == [f"Artist {n}" for n in range(20, 25)]
    # A page past the end, however far, is the last page; the address bar gets its URL.
    for far in ("4", "99999999999999999999"):
        url = f"/loops?sort=key&desc=false&per_page=10&page={far}"
        past = await client.get(url, headers=HX_ROWS)
        assert texts(past.text, "#loops-rows td.artist") == [f"Artist {n}" for n in range(20, 25)]
        assert "Page 3 of 3" in past.text
        assert past.headers["HX-Push-Url"] == "/loops?sort=key&desc=false&page=3&per_page=10"
    # per_page is one of a few sizes, so nobody can ask for the whole table at once; another
    # size, or a page that is not a whole number from 1, is refused by name, with no rows.
    for query, message in (
        ("per_page=100000", "per_page is '100000': use 10, 25, 50 or 100"),
        ("page=0", "page is '0': use a whole number from 1, e.g. 2"),
        ("page=x&per_page=7", "page is 'x': use a whole number from 1, e.g. 2"),
    ):
        refused = await client.get(f"/loops?{query}")
        assert refused.status_code == 400
        assert message in texts(refused.text, "p.field-error[role=alert]")
        assert texts(refused.text, "#loops-rows td.artist") == []
        assert only(refused.text, "#loops-rows tr.empty").text().startswith("Nothing listed")


# Adding and editing ------------------------------------------------------------------------------


async def test_add_mapping_inline(client: Client, mapper: TrackMapper) -> None:
    form = {"artist": "Moderat", "title": "Bad Kingdom", "loop_path": "sub/c.mp4", "notes": "live"}

    response = await client.post("/loops", data=form, headers=HX)

    assert response.status_code == 200
    # The form comes back empty, with a confirmation; the new row goes on top of the table.
    assert only(response.text, "#loops-add input[name=artist]").attributes["value"] == ""
    added = "Added Moderat \N{EN DASH} Bad Kingdom → sub/c.mp4"
    assert added in only(response.text, "tr.flash").text()
    new_rows = page(response.text).css("tbody[hx-swap-oob='afterbegin:#loops-rows'] tr")
    assert [child(row, "td.artist").text() for row in new_rows] == ["Moderat"]
    stored = await mapper.get_mapping_by_key("moderat - bad kingdom")
    assert stored is not None
    assert (stored.loop_file_path, stored.notes) == ("sub/c.mp4", "live")


@pytest.mark.parametrize(
    ("loop_path", "field", "message"),
    [
        ("missing.mp4", "loop_path", "missing.mp4 does not exist"),
        ("../outside.mp4", "loop_path", "is outside the loops folder"),
        ("/etc/passwd", "loop_path", "is outside the loops folder"),
        ("default.mp4", "title", "a mapping for “bicep - glue” exists already"),
    ],
)
async def test_add_mapping_error_is_shown_next_to_the_field(
    client: Client,
    mapper: TrackMapper,
    three: list[TrackMapping],
    loop_path: str,
    field: str,
    message: str,
) -> None:
    form = {"artist": "Bicep", "title": "Glue", "loop_path": loop_path}

    response = await client.post("/loops", data=form, headers=HX)

    assert response.status_code == 422
    field_input = only(response.text, f"#loops-add [name={field}]")
    assert field_input.attributes["aria-invalid"] == "true"
    error = only(response.text, ".field-error")
    assert error.attributes["id"] == field_input.attributes["aria-describedby"]
    assert error.parent is not None and error.parent == field_input.parent  # same cell
    assert message in error.text()
    # What was typed stays in the form; nothing new was written.
    assert only(response.text, "#loops-add [name=loop_path]").attributes["value"] == loop_path
    assert (await mapper.get_stats()).total == 3


async def test_add_without_javascript_redirects_or_shows_the_page(client: Client) -> None:
    good = {"artist": "A", "title": "B", "loop_path": "a.mp4"}
    response = await client.post("/loops", data=good, follow_redirects=False)
    assert response.status_code in (302, 303)
    assert response.headers["location"] == "/loops"

    bad = {"artist": "C", "title": "D", "loop_path": "nope.mp4"}
    response = await client.post("/loops", data=bad)
    assert response.status_code == 422
    assert "<html" in response.text
    assert "nope.mp4 does not exist" in only(response.text, "#loops-add .field-error").text()


async def test_edit_a_row_inline(client: Client, mapper: TrackMapper) -> None:
    (mapping,) = await seed(mapper, ("Four Tet", "Baby", "a.mp4"))

    edit = await client.get(f"/loops/{mapping.id}/edit", headers=HX)
    assert edit.status_code == 200
    row = only(edit.text, f"tr#mapping-{mapping.id}.editing")
    assert child(row, "input[name=title]").attributes["value"] == "Baby"
    assert child(row, "input[name=title]").attributes["form"] == f"edit-{mapping.id}"

    form = {"artist": "Four Tet", "title": "Baby (Edit)", "loop_path": "b.mp4", "song_id": ""}
    saved = await client.post(f"/loops/{mapping.id}", data=form, headers=HX)
    assert saved.status_code == 200
    assert texts(saved.text, "td.title .key") == ["four tet - baby (edit)"]
    assert texts(saved.text, "td.loop-file") == ["b.mp4"]
    assert (await mapper.get_mapping(mapping.id)).loop_file_path == "b.mp4"

    form["loop_path"] = "../../etc/hosts.mp4"
    failed = await client.post(f"/loops/{mapping.id}", data=form, headers=HX)
    assert failed.status_code == 422
    error = only(failed.text, f"#edit-{mapping.id}-loop_path-error")
    assert "outside the loops folder" in error.text()
    assert (await mapper.get_mapping(mapping.id)).loop_file_path == "b.mp4"

    cancel = await client.get(f"/loops/{mapping.id}/row", headers=HX)
    assert texts(cancel.text, "td.loop-file") == ["b.mp4"]
    for unknown in (
        await client.get("/loops/999999/edit"),
        await client.get("/loops/999999/row", headers=HX),
        await client.post("/loops/999999", data=form, headers=HX),
        await client.post("/loops/999999/deactivate", headers=HX),
    ):
        assert unknown.status_code == 404
        assert texts(unknown.text, ".error-page p")[0] == "no mapping with id 999999"


async def test_deactivate_and_reactivate(client: Client, three: list[TrackMapping]) -> None:
    target = three[1]

    off = await client.post(f"/loops/{target.id}/deactivate", headers=HX)
    assert off.status_code == 200
    row = only(off.text, f"tr#mapping-{target.id}")
    assert row.attributes["class"] == "inactive"
    assert "Reactivate" in child(row, "td.actions").text()

    active = await client.get("/loops", headers=HX_ROWS)
    assert texts(active.text, "#loops-rows td.artist") == ["Daft Punk", "Caribou"]
    everything = await client.get("/loops?show=all", headers=HX_ROWS)
    assert texts(everything.text, "#loops-rows td.artist") == ["Daft Punk", "Bicep", "Caribou"]

    on = await client.post(f"/loops/{target.id}/reactivate", headers=HX)
    assert on.status_code == 200
    assert "inactive" not in (
        only(on.text, f"tr#mapping-{target.id}").attributes.get("class") or ""
    )
    active = await client.get("/loops", headers=HX_ROWS)
    assert "Bicep" in texts(active.text, "#loops-rows td.artist")


async def test_user_text_is_escaped(client: Client, mapper: TrackMapper) -> None:
    await mapper.create_mapping(XSS, XSS, "a.mp4", notes=XSS)

    for url in ("/loops", f"/loops?q={XSS}"):
        html = (await client.get(url)).text
        assert XSS not in html
        assert ESCAPED_XSS in html
    rows = (await client.get("/loops", params={"q": "script alert"}, headers=HX_ROWS)).text
    assert XSS not in rows
    assert texts(rows, "#loops-rows td.artist") == [XSS]  # shown as text, exactly as typed


# Thumbnails and the loop-file picker --------------------------------------------------------------


async def test_thumbnail_is_served_from_the_database(
    client: Client, mapper: TrackMapper, database_url: str
) -> None:
    (mapping,) = await seed(mapper, ("Jon Hopkins", "Emerald Rush", "a.mp4"))

    # Before the worker's check, the preview is made from the loop file itself.
    unchecked = await client.get(f"/loops/{mapping.id}/thumbnail.jpg")
    assert unchecked.status_code == 200
    assert unchecked.content.startswith(b"\xff\xd8")
    assert unchecked.content != JPEG
    assert (await client.get("/loops/424242/thumbnail.jpg")).status_code == 404

    db_execute(
        database_url,
        "UPDATE track_mappings SET thumbnail = %s, loop_status = 'ok', loop_checked_at = now()"
        " WHERE id = %s",
        JPEG,
        mapping.id,
    )
    found = await client.get(f"/loops/{mapping.id}/thumbnail.jpg")
    assert found.status_code == 200
    assert found.headers["content-type"] == "image/jpeg"
    assert found.content == JPEG

    image = only((await client.get("/loops")).text, f"#mapping-{mapping.id} td.thumb img")
    assert image.attributes["src"].startswith(f"/loops/{mapping.id}/thumbnail.jpg")  # type: ignore[union-attr]
    assert image.attributes["loading"] == "lazy"


async def test_status_shows_the_reason_of_a_bad_loop(
    client: Client, mapper: TrackMapper, database_url: str
) -> None:
    (mapping,) = await seed(mapper, ("Burial", "Archangel", "a.mp4"))
    db_execute(
        database_url,
        "UPDATE track_mappings SET loop_status = 'invalid', loop_status_reason = %s WHERE id = %s",
        "no video stream",
        mapping.id,
    )

    status = only((await client.get("/loops")).text, f"#mapping-{mapping.id} td.status")

    assert child(status, ".badge").text() == "invalid"
    assert child(status, ".badge").attributes["title"] == "no video stream"
    assert child(status, ".reason").text() == "no video stream"


@pytest.fixture
def escaping_link(loops_root: Path, tmp_path: Path) -> Iterator[Path]:
    """A symlink inside the loops folder that points at an .mp4 outside it."""
    outside = tmp_path / "elsewhere.mp4"
    outside.write_bytes(b"not ours")
    link = loops_root / "escaping-link.mp4"
    os.symlink(outside, link)
    try:
        yield link
    finally:
        link.unlink()


async def test_loop_file_picker_lists_files_inside_the_loops_folder(
    client: Client, escaping_link: Path
) -> None:
    everything = await client.get("/loops/files", headers=HX)
    assert everything.status_code == 200
    values = [o.attributes["value"] for o in page(everything.text).css("option")]
    assert values == ["a.mp4", "b.mp4", "default.mp4", "sub/c.mp4"]
    assert escaping_link.name not in everything.text

    typed = await client.get("/loops/files", params={"loop_path": "SUB c"}, headers=HX)
    assert [o.attributes["value"] for o in page(typed.text).css("option")] == ["sub/c.mp4"]

    loops = (await client.get("/loops")).text
    picker = only(loops, "#loops-add input[name=loop_path]")
    assert picker.attributes["list"] == "loop-files"
    assert picker.attributes["hx-get"] == "/loops/files"
    assert page(loops).css("datalist#loop-files")


# Fallbacks ----------------------------------------------------------------------------------------


async def play_default(mapper: TrackMapper, artist: str, title: str, times: int) -> None:
    for _ in range(times):
        await mapper.record_play("radio", artist, title, await mapper.resolve(artist, title))


async def test_fallbacks_are_grouped_by_track_most_frequent_first(
    client: Client, mapper: TrackMapper
) -> None:
    await play_default(mapper, "Overmono", "So U Kno", 1)
    await play_default(mapper, "Floating Points", "LesAlpx", 3)
    await play_default(mapper, XSS, "Title", 2)
    await seed(mapper, ("Mapped", "Track", "a.mp4"))
    await play_default(mapper, "Mapped", "Track", 4)  # resolves to its mapping: no fallback

    html = (await client.get("/fallbacks")).text

    assert texts(html, "table.fallbacks td.plays") == ["3", "2", "1"]
    assert texts(html, "table.fallbacks td.title .key") == [
        "floating points - lesalpx",
        f"{XSS.casefold()} - title",
        "overmono - so u kno",
    ]
    assert XSS not in html
    assert ESCAPED_XSS in html
    form = page(html).css("form.map-it")[0]
    assert form.attributes["hx-post"] == "/fallbacks/map"
    assert child(form, "input[name=artist]").attributes["value"] == "Floating Points"
    assert child(form, "input[name=loop_path]").attributes["list"] == "loop-files"


async def test_map_it_creates_the_mapping_and_confirms_in_the_row(
    client: Client, mapper: TrackMapper
) -> None:
    await play_default(mapper, "Floating Points", "LesAlpx", 2)
    song_id = (await mapper.resolve("Floating Points", "LesAlpx")).song_id
    form = {"artist": "Floating Points", "title": "LesAlpx", "song_id": song_id, "row": "1"}

    failed = await client.post("/fallbacks/map", data={**form, "loop_path": "gone.mp4"}, headers=HX)
    assert failed.status_code == 422
    assert "gone.mp4 does not exist" in only(failed.text, "#map-1-loop_path-error").text()

    mapped = await client.post("/fallbacks/map", data={**form, "loop_path": "b.mp4"}, headers=HX)
    assert mapped.status_code == 200
    assert mapped.headers["hx-retarget"] == "closest tr"
    assert "mapped → b.mp4" in " ".join(only(mapped.text, "tr.mapped").text().split())
    stored = await mapper.get_mapping_by_key("floating points - lesalpx")
    assert stored is not None and stored.azuracast_song_id == song_id
    assert "lesalpx" not in (await client.get("/fallbacks")).text


# Dashboard ----------------------------------------------------------------------------------------


async def test_dashboard_shows_mapping_and_cache_stats(
    client: Client, three: list[TrackMapping]
) -> None:
    html = (await client.get("/")).text

    assert only(html, ".mainnav a[aria-current=page]").text(strip=True) == "Dashboard"
    assert only(html, ".stat-total").text() == "3"
    assert only(html, ".stat-plays-recorded").text() == "0"  # counted on mappings, no play rows
    assert only(html, ".stat-average").text() == "2.0"
    assert only(html, ".cache-size").text() == "0 / 1000"
    assert only(html, ".cache-ttl").text() == "3600 s"
    assert texts(html, ".most-played .key")[0] == "daft punk - one more time"

    panel = await client.get("/stats", headers=HX)
    assert panel.status_code == 200
    assert "<html" not in panel.text
    assert only(panel.text, "#stats-panel").attributes["hx-get"] == "/stats"


async def test_default_loop_form(client: Client, mapper: TrackMapper) -> None:
    html = (await client.get("/")).text
    assert only(html, "#default-loop input[name=loop_path]").attributes["value"] == "default.mp4"

    saved = await client.post("/default-loop", data={"loop_path": "sub/c.mp4"}, headers=HX)
    assert saved.status_code == 200
    assert only(saved.text, ".saved").text() == "Saved."
    html = (await client.get("/")).text
    assert only(html, "#default-loop input[name=loop_path]").attributes["value"] == "sub/c.mp4"

    failed = await client.post("/default-loop", data={"loop_path": "../x.mp4"}, headers=HX)
    assert failed.status_code == 422
    assert "outside the loops folder" in only(failed.text, ".field-error").text()
