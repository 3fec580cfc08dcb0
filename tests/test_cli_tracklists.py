"""`crateloop tracklists import|parse|paste|search|list` and `crateloop cue`, through the real CLI.

Imports run in the real worker process against the fake 1001tracklists site; CUE sheets written
by `crateloop cue` are read back by deflacue, an independent parser.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner, Result

from cli.main import crateloop
from domain.tracklists.exports import to_text
from domain.tracklists.model import TRACK_FIELDS, ParsedTrack
from tests.fakes.tracklist_pages import (
    Entry,
    challenge_page,
    dj_path,
    generated_rows,
    homepage,
    listing_page,
    search_page,
    source_path,
    tracklist_page,
    tracklist_path,
)
from tests.fakes.tracklists_site import FakeTracklistsSite
from tests.tracklist_seeds import PAGE_ROWS, count, mix, read_cue, serve

pytestmark = pytest.mark.usefixtures("clean_db")

TITLE = "ARTBAT @ Tomorrowland, Boom, Belgium 2023-07-21"  # the pages' default title


def run(app_env: dict[str, str], *args: str) -> Result:
    return CliRunner().invoke(crateloop, list(args), env=app_env, catch_exceptions=False)


# parse ------------------------------------------------------------------------------------------


def test_parse_prints_the_stable_json_shape(app_env: dict[str, str], tmp_path: Path) -> None:
    page = tmp_path / "saved.html"
    page.write_text(tracklist_page("2k3l4m9", "set", TITLE, rows=PAGE_ROWS), encoding="utf-8")

    result = run(app_env, "tracklists", "parse", str(page), "--json")

    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert list(data) == [
        "source_id", "url", "title", "djs", "source", "date", "genres",
        "claimed_track_count", "tracks",
    ]  # fmt: skip
    assert (data["source_id"], data["title"], data["djs"]) == ("2k3l4m9", TITLE, ["ARTBAT"])
    assert data["date"] == "2023-07-21"
    second, with_row, id_row, last = data["tracks"][1:]
    assert (second["artist"], second["title"], second["remix"]) == (
        "Tale Of Us & Mind Against", "Astral", "Afterlife Remix",
    )  # fmt: skip
    assert (with_row["position"], with_row["with_previous"], with_row["cue_seconds"]) == (
        None, True, None,
    )  # fmt: skip
    assert (id_row["artist"], id_row["title"], id_row["is_id"]) == ("ID", "ID", True)
    assert last["title"] == "<script>alert(1)</script>"  # verbatim in data
    assert last["artist"] == "Anyma ft. Chris Avantgarde"


def test_parse_prints_a_readable_list(app_env: dict[str, str], tmp_path: Path) -> None:
    page = tmp_path / "saved.html"
    page.write_text(tracklist_page("2k3l4m9", "set", TITLE, rows=PAGE_ROWS), encoding="utf-8")

    result = run(app_env, "tracklists", "parse", str(page))

    assert result.exit_code == 0, result.output
    assert TITLE in result.output
    assert " 02     3:24  Tale Of Us & Mind Against - Astral (Afterlife Remix)" in result.output
    assert " w/" in result.output


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (challenge_page().encode(), "challenge"),
        (homepage().encode(), "homepage"),
        (b"<html><body><h1>Hello</h1></body></html>", "no #tlTab"),
        (
            tracklist_page("2k3l4m9", "set", TITLE, rows=PAGE_ROWS, claimed=22).encode(),
            "while the page claims 22 tracks",
        ),
        ("<html><body>Caf\xe9</body></html>".encode("latin-1"), "UTF-8"),
    ],
    ids=["challenge", "homepage", "unknown-layout", "truncated", "not-utf8"],
)
def test_parse_refuses_pages_that_are_not_a_tracklist_with_status_2(
    app_env: dict[str, str], tmp_path: Path, content: bytes, message: str
) -> None:
    page = tmp_path / "saved.html"
    page.write_bytes(content)

    result = run(app_env, "tracklists", "parse", str(page))

    assert result.exit_code == 2
    assert message.lower() in result.output.lower()
    assert "saved.html" in result.output


# import -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example/tracklist/2k3l4m9/x.html",
        "http://10.0.0.1/tracklist/2k3l4m9/x.html",
        "file:///etc/passwd",
        "javascript:alert(1)",
    ],
)
def test_import_refuses_a_url_off_the_site_before_any_request(
    app_env: dict[str, str], database_url: str, tracklists_site: FakeTracklistsSite, url: str
) -> None:
    result = run(app_env, "tracklists", "import", url)

    assert result.exit_code == 2
    assert "crateloop:" in result.output
    assert tracklists_site.requests == []
    assert count(database_url, "tracklist_imports") == 0


def test_import_wait_json_stores_through_the_worker_and_prints_the_tracklist(
    app_env: dict[str, str],
    database_url: str,
    tracklists_site: FakeTracklistsSite,
    worker: subprocess.Popen[bytes],
) -> None:
    url = serve(tracklists_site)

    result = run(app_env, "tracklists", "import", url, "--json")

    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["title"] == TITLE
    assert [t["position"] for t in data["tracks"]] == [1, 2, None, 3, 4]
    assert count(database_url, "tracklists") == 1

    again = run(app_env, "tracklists", "import", url, "--wait")

    assert again.exit_code == 0, again.output
    assert "version 1 (unchanged)" in again.output
    assert count(database_url, "tracklists") == 1


def test_import_wait_reports_a_failure_with_its_reason(
    app_env: dict[str, str],
    tracklists_site: FakeTracklistsSite,
    worker: subprocess.Popen[bytes],
) -> None:
    url = tracklists_site.url + tracklist_path("gone1", "gone")  # 404 on the fake site

    result = run(app_env, "tracklists", "import", url, "--wait")

    assert result.exit_code == 1
    assert "failed" in result.output
    assert "404" in result.output


# search -----------------------------------------------------------------------------------------


def test_search_lists_the_site_results(
    app_env: dict[str, str], tracklists_site: FakeTracklistsSite
) -> None:
    entries = [
        Entry("tracklist", TITLE, tracklist_path("2k3l4m9", "set"), date="2023-07-21"),
        Entry("tracklist", "ARTBAT @ Awakenings", tracklist_path("3x", "aw"), date="2023-06-30"),
    ]
    tracklists_site.search(9, "artbat", search_page(entries, query="artbat"))

    result = run(app_env, "tracklists", "search", "artbat")

    assert result.exit_code == 0, result.output
    assert f"2023-07-21  {TITLE}" in result.output
    assert tracklists_site.url + tracklist_path("3x", "aw") in result.output


def test_search_for_djs_posts_the_dj_selection(
    app_env: dict[str, str], tracklists_site: FakeTracklistsSite
) -> None:
    tracklists_site.search(
        8, "artbat", search_page([Entry("dj", "ARTBAT", "/dj/artbat/index.html")])
    )

    result = run(app_env, "tracklists", "search", "artbat", "--type", "dj")

    assert result.exit_code == 0, result.output
    assert "ARTBAT" in result.output
    assert "/dj/artbat/index.html" in result.output


def test_search_while_blocked_exits_with_status_3(
    app_env: dict[str, str], tracklists_site: FakeTracklistsSite
) -> None:
    tracklists_site.search(9, "artbat", challenge_page())

    result = run(app_env, "tracklists", "search", "artbat")

    assert result.exit_code == 3
    assert "blocked by the site, retrying after" in result.output


# list -------------------------------------------------------------------------------------------


def test_list_follows_the_pages_of_a_dj(
    app_env: dict[str, str], tracklists_site: FakeTracklistsSite
) -> None:
    path = dj_path("ARTBAT")
    first = [
        Entry("tracklist", TITLE, tracklist_path("2k3l4m9", "set"), date="2023-07-21"),
        Entry("tracklist", "ARTBAT @ Awakenings", tracklist_path("3x", "aw"), date="2023-06-30"),
    ]
    second = [Entry("tracklist", "ARTBAT @ Radio", tracklist_path("5v", "radio"))]
    tracklists_site.page(f"{path}?page=2", listing_page(second))
    url = tracklists_site.page(path, listing_page(first, f"{path}?page=2"))

    result = run(app_env, "tracklists", "list", url)

    assert result.exit_code == 0, result.output
    # Printed as `tracklists search` prints: date and title, then the URL.
    assert result.output.splitlines() == [
        f"2023-07-21  {TITLE}",
        f"            {tracklists_site.url}{tracklist_path('2k3l4m9', 'set')}",
        "2023-06-30  ARTBAT @ Awakenings",
        f"            {tracklists_site.url}{tracklist_path('3x', 'aw')}",
        "            ARTBAT @ Radio",
        f"            {tracklists_site.url}{tracklist_path('5v', 'radio')}",
    ]
    assert [r.path for r in tracklists_site.page_requests()] == [path, f"{path}?page=2"]


def test_list_a_source_page(app_env: dict[str, str], tracklists_site: FakeTracklistsSite) -> None:
    listed = [Entry("tracklist", "Anyma @ Tulum", tracklist_path("7t", "tulum"), "2024-01-05")]
    url = tracklists_site.page(source_path("Afterlife"), listing_page(listed, heading="Afterlife"))

    result = run(app_env, "tracklists", "list", url)

    assert result.exit_code == 0, result.output
    assert "2024-01-05  Anyma @ Tulum" in result.output
    assert tracklists_site.url + tracklist_path("7t", "tulum") in result.output
    # Cached: asked again, the site is not; with --force it is.
    assert run(app_env, "tracklists", "list", url).output == result.output
    assert len(tracklists_site.page_requests()) == 1
    assert run(app_env, "tracklists", "list", url, "--force").output == result.output
    assert len(tracklists_site.page_requests()) == 2


def test_list_of_a_page_without_tracklists_says_so(
    app_env: dict[str, str], tracklists_site: FakeTracklistsSite
) -> None:
    url = tracklists_site.page(dj_path("Newcomer"), listing_page([], heading="Newcomer"))

    result = run(app_env, "tracklists", "list", url)

    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"no tracklists on {url}"


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example/dj/artbat/index.html",
        "http://10.0.0.1/dj/artbat/index.html",
        "file:///etc/passwd",
    ],
)
def test_list_refuses_a_url_off_the_site_with_status_2(
    app_env: dict[str, str], tracklists_site: FakeTracklistsSite, url: str
) -> None:
    result = run(app_env, "tracklists", "list", url)

    assert result.exit_code == 2
    assert result.output.startswith(f"crateloop: refused {url!r}: ")
    assert tracklists_site.requests == []


def test_list_while_blocked_exits_with_status_3(
    app_env: dict[str, str], tracklists_site: FakeTracklistsSite
) -> None:
    url = tracklists_site.page(dj_path("ARTBAT"), challenge_page())

    result = run(app_env, "tracklists", "list", url)

    assert result.exit_code == 3
    assert re.fullmatch(
        r"crateloop: blocked by the site, retrying after \d\d:\d\d UTC", result.output.strip()
    )


def test_list_of_a_missing_page_exits_with_status_1(
    app_env: dict[str, str], tracklists_site: FakeTracklistsSite
) -> None:
    url = tracklists_site.url + dj_path("Nobody")  # 404 on the fake site

    result = run(app_env, "tracklists", "list", url)

    assert result.exit_code == 1
    assert result.output.startswith(f"crateloop: could not list the tracklists of {url}: ")
    assert "404" in result.output


# cue --------------------------------------------------------------------------------------------


def import_big_mix(app_env: dict[str, str], site: FakeTracklistsSite) -> str:
    """Import a tracklist of 150 tracks over 150 minutes through the worker; returns its URL.

    Called from the test itself, not a fixture: in a full run a sync fixture here was set up while
    pytest-asyncio's event loop was running, and the CLI's asyncio.run cannot start inside it."""
    url = serve(site, "bigmix1", rows=generated_rows(150, spacing=60))
    result = run(app_env, "tracklists", "import", url, "--wait")
    assert result.exit_code == 0, result.output
    return url


def test_cue_by_url_refuses_more_than_99_tracks_unless_split(
    app_env: dict[str, str],
    tracklists_site: FakeTracklistsSite,
    worker: subprocess.Popen[bytes],
    tmp_path: Path,
) -> None:
    imported = import_big_mix(app_env, tracklists_site)

    refused = run(app_env, "cue", imported)

    assert refused.exit_code == 2
    assert "99" in refused.output

    out = tmp_path / "mix.cue"
    result = run(app_env, "cue", imported, "--split", "--file", "mix.wav", "-o", str(out))

    assert result.exit_code == 0, result.output
    parts = sorted(tmp_path.glob("*.cue"))
    assert len(parts) == 2
    tracks = [track for part in parts for track in read_cue(part.read_bytes())]
    assert [title for title, _ in tracks] == [f"Title {i}" for i in range(1, 151)]
    assert tracks[104][1] == 104 * 60  # 104:00:00, minutes beyond 99
    assert all('FILE "mix.wav" WAVE' in part.read_text(encoding="utf-8") for part in parts)


def test_cue_by_id_writes_one_sheet_to_stdout(
    app_env: dict[str, str],
    database_url: str,
    tracklists_site: FakeTracklistsSite,
    worker: subprocess.Popen[bytes],
) -> None:
    url = serve(tracklists_site)
    assert run(app_env, "tracklists", "import", url, "--wait").exit_code == 0
    with psycopg.connect(database_url) as conn:
        row = conn.execute("SELECT id FROM tracklists").fetchone()
    assert row is not None

    result = run(app_env, "cue", str(row[0]), "--type", "MP3", "--bom")

    assert result.exit_code == 0, result.output
    assert result.stdout_bytes.startswith(b"\xef\xbb\xbf")
    assert 'FILE "' in result.output and '.mp3" MP3' in result.output
    assert read_cue(result.stdout_bytes) == [
        ("Horizon", 0),
        ("Astral (Afterlife Remix) w/ Someone - Acapella", 204),
        ("ID", 600),
        ("<script>alert(1)</script>", 780),
    ]


def test_cue_of_a_url_not_imported_says_how_to_import_it(
    app_env: dict[str, str], tracklists_site: FakeTracklistsSite
) -> None:
    url = tracklists_site.url + tracklist_path("nothere", "x")

    result = run(app_env, "cue", url)

    assert result.exit_code == 1
    assert "not imported yet" in result.output
    assert "crateloop tracklists import" in result.output
    assert tracklists_site.requests == []


# paste ------------------------------------------------------------------------------------------


def stored_rows(database_url: str, tracklist_id: int) -> list[ParsedTrack]:
    """The rows of the tracklist's current version, read from the tables."""
    columns = ", ".join(f"t.{name}" for name in TRACK_FIELDS)
    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            f"SELECT {columns} FROM tracklist_tracks t"  # noqa: S608 (our own column names)
            " JOIN tracklist_versions v ON v.id = t.version_id"
            " JOIN tracklists l ON l.id = v.tracklist_id AND l.current_version = v.number"
            " WHERE l.id = %s ORDER BY t.row_index",
            (tracklist_id,),
        ).fetchall()
    return [ParsedTrack(**dict(zip(TRACK_FIELDS, row, strict=True))) for row in rows]


def new_tracklist_id(output: str) -> int:
    found = re.search(r"tracklist #(\d+)", output)
    assert found is not None, output
    return int(found.group(1))


def test_paste_stores_what_the_txt_export_wrote_row_for_row(
    app_env: dict[str, str], database_url: str, tmp_path: Path
) -> None:
    original = mix(title="Sunrise set")
    exported = tmp_path / "sunrise.txt"
    exported.write_text(to_text(original), encoding="utf-8")  # what the TXT download writes

    result = run(
        app_env, "tracklists", "paste", str(exported), "--title", "Sunrise set (pasted)",
        "--dj", "ARTBAT", "--dj", "Guest", "--date", "2023-07-21",
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    assert "version 1" in result.output
    tracklist_id = new_tracklist_id(result.output)
    assert stored_rows(database_url, tracklist_id) == list(original.tracks)
    with psycopg.connect(database_url) as conn:
        title, day, version = conn.execute(
            "SELECT title, set_date, current_version FROM tracklists WHERE id = %s",
            (tracklist_id,),
        ).fetchone()  # type: ignore[misc]
        djs = conn.execute(
            "SELECT d.name FROM tracklist_djs t JOIN djs d ON d.id = t.dj_id"
            " WHERE t.tracklist_id = %s ORDER BY t.position",
            (tracklist_id,),
        ).fetchall()
    assert (title, day.isoformat(), version) == ("Sunrise set (pasted)", "2023-07-21", 1)
    assert [name for (name,) in djs] == ["ARTBAT", "Guest"]


def test_paste_as_a_draft_takes_its_title_from_the_file(
    app_env: dict[str, str], database_url: str, tmp_path: Path
) -> None:
    text = tmp_path / "warm-up.txt"
    text.write_text("[0:00] A - One\n[4:00] B - Two (Dub) [LBL]\n", encoding="utf-8")

    result = run(app_env, "tracklists", "paste", str(text), "--draft")

    assert result.exit_code == 0, result.output
    assert "a draft" in result.output
    tracklist_id = new_tracklist_id(result.output)
    assert count(database_url, "tracklist_versions") == 0
    assert count(database_url, "tracklist_draft_rows") == 2
    with psycopg.connect(database_url) as conn:
        row = conn.execute("SELECT title FROM tracklists WHERE id = %s", (tracklist_id,)).fetchone()
    assert row == ("warm-up",)


@pytest.mark.parametrize(
    ("text", "args", "messages"),
    [
        (
            "[0:00] A - One\njust words\n\n[1:75:00] B - Two\n",
            (),
            [
                'paste.txt:2: "just words" has no " - " between artist and title',
                'paste.txt:4: cue "[1:75:00]" is not a time',
                "paste.txt: 2 lines not read: nothing stored",
            ],
        ),
        (
            f"A - One\n\nB - {'x' * 501}\n",
            (),
            [
                "paste.txt:3: title is 501 characters long: refused, the limit is 500",
                "paste.txt: 1 line not read: nothing stored",
            ],
        ),
        ("\n\n", (), ["paste.txt: no line with a track: nothing stored"]),
        ("A - One\n", ("--date", "21.07.2023"), ["date: '21.07.2023' is not a date"]),
        ("A - One\n", ("--title", "x" * 301), ["title: title is 301 characters long: refused"]),
    ],
    ids=["bad-lines", "long-row", "empty", "bad-date", "long-title"],
)
def test_paste_refuses_with_status_2_naming_the_line_and_stores_nothing(
    app_env: dict[str, str],
    database_url: str,
    tmp_path: Path,
    text: str,
    args: tuple[str, ...],
    messages: list[str],
) -> None:
    pasted = tmp_path / "paste.txt"
    pasted.write_text(text, encoding="utf-8")

    result = run(app_env, "tracklists", "paste", str(pasted), *args)

    assert result.exit_code == 2, result.output
    for message in messages:
        assert message in result.output
    assert "line 2: line 2" not in result.output
    assert count(database_url, "tracklists") == 0
    assert count(database_url, "tracklist_draft_rows") == 0
