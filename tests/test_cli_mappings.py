"""`crateloop mappings import|export`, `loop resolve` and `stats`, run through the real CLI."""

from __future__ import annotations

import asyncio
import json
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner, Result

from cli.main import crateloop
from domain.loops.formats import Progress, read_csv, read_json
from domain.loops.imports import (
    CHUNK_ROWS,
    FIRST_CHUNK_ROWS,
    ImportOptions,
    RowOutcome,
    import_mappings,
)
from domain.loops.keys import azuracast_song_id
from domain.loops.mapper import TrackMapper
from tests.waiting import wait_until_async

pytestmark = pytest.mark.usefixtures("clean_db")

HEADER = "artist,title,loop_path,song_id,notes\n"


def run(app_env: dict[str, str], *args: str) -> Result:
    return CliRunner().invoke(crateloop, list(args), env=app_env, catch_exceptions=False)


def rows(database_url: str) -> list[tuple[object, ...]]:
    with psycopg.connect(database_url) as conn:
        return conn.execute(
            "SELECT track_key, artist, title, loop_file_path, azuracast_song_id, notes, is_active"
            " FROM track_mappings ORDER BY track_key"
        ).fetchall()


def count(database_url: str) -> int:
    return len(rows(database_url))


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


@pytest.fixture
def scan_dir(loops_root: Path) -> Iterator[Path]:
    """A folder of loops named in every pattern `--scan` knows, removed afterwards."""
    folder = loops_root / f"scan-{secrets.token_hex(3)}"
    for name in (
        "Daft_Punk_-_One_More_Time.mp4",
        "deep/Boards of Canada - Roygbiv.mp4",
        "track_0123abcd_loop.mp4",
        "intro.mp4",  # no pattern: skipped
        "readme.txt",  # not a loop: not even looked at
    ):
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(loops_root / "a.mp4", folder / name)
    yield folder
    shutil.rmtree(folder)


# --- importing each format ------------------------------------------------------------------------


def test_import_csv(
    app_env: dict[str, str], database_url: str, loops_root: Path, tmp_path: Path
) -> None:
    csv_file = write(
        tmp_path,
        "m.csv",
        HEADER
        + "Daft Punk,One More Time,a.mp4,,first single\n"
        + f'"Simon, Garfunkel",Boxer,{loops_root / "sub" / "c.mp4"},abc123,\n'
        + "Björk,Jóga,./b.mp4\n"
        + "\n",
    )
    result = run(app_env, "mappings", "import", "--csv", str(csv_file))
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "added 3, updated 0, skipped 0, invalid 0"
    assert rows(database_url) == [
        ("björk - jóga", "Björk", "Jóga", "b.mp4", azuracast_song_id("Björk", "Jóga"), None, True),
        (
            "daft punk - one more time",
            "Daft Punk",
            "One More Time",
            "a.mp4",
            azuracast_song_id("Daft Punk", "One More Time"),
            "first single",
            True,
        ),
        (
            "simon, garfunkel - boxer",
            "Simon, Garfunkel",
            "Boxer",
            "sub/c.mp4",
            "abc123",
            None,
            True,
        ),
    ]


def test_import_csv_columns_in_any_order_and_optional(
    app_env: dict[str, str], database_url: str, tmp_path: Path
) -> None:
    csv_file = write(tmp_path, "m.csv", "\ufefftitle,loop_path,artist\nT,a.mp4,A\n")
    result = run(app_env, "mappings", "import", "--csv", str(csv_file))
    assert result.exit_code == 0, result.output
    assert [r[0] for r in rows(database_url)] == ["a - t"]


def test_import_json(app_env: dict[str, str], database_url: str, tmp_path: Path) -> None:
    items = [
        {"artist": "Daft Punk", "title": "Aerodynamic", "loop_path": "a.mp4", "notes": "n"},
        {"artist": "Air", "title": "La Femme d'Argent", "loop_path": "sub/c.mp4", "song_id": None},
        {"artist": "Moby", "title": "Porcelain", "loop_path": "b.mp4", "song_id": "ff00"},
    ]
    json_file = write(tmp_path, "m.json", json.dumps(items))
    result = run(app_env, "mappings", "import", "--json", str(json_file))
    assert result.exit_code == 0, result.output
    assert "added 3, updated 0, skipped 0, invalid 0" in result.stdout
    got = {r[0]: (r[3], r[4], r[5]) for r in rows(database_url)}
    assert got == {
        "air - la femme d'argent": (
            "sub/c.mp4",
            azuracast_song_id("Air", "La Femme d'Argent"),
            None,
        ),
        "daft punk - aerodynamic": ("a.mp4", azuracast_song_id("Daft Punk", "Aerodynamic"), "n"),
        "moby - porcelain": ("b.mp4", "ff00", None),
    }


def test_import_scan_every_name_pattern(
    app_env: dict[str, str], database_url: str, loops_root: Path, scan_dir: Path
) -> None:
    result = run(app_env, "mappings", "import", "--scan", str(scan_dir), "--verbose")
    assert result.exit_code == 0, result.output
    assert "added 3, updated 0, skipped 1, invalid 0" in result.stdout
    assert "intro.mp4: skipped name is not" in result.stdout
    prefix = scan_dir.name
    assert rows(database_url) == [
        ("(song id) - 0123abcd", "(song id)", "0123abcd", f"{prefix}/track_0123abcd_loop.mp4",
         "0123abcd", None, True),
        ("boards of canada - roygbiv", "Boards of Canada", "Roygbiv",
         f"{prefix}/deep/Boards of Canada - Roygbiv.mp4",
         azuracast_song_id("Boards of Canada", "Roygbiv"), None, True),
        ("daft punk - one more time", "Daft Punk", "One More Time",
         f"{prefix}/Daft_Punk_-_One_More_Time.mp4",
         azuracast_song_id("Daft Punk", "One More Time"), None, True),
    ]  # fmt: skip
    # The song-id loop serves any track AzuraCast reports with that id.
    result = run(app_env, "loop", "resolve", "Some", "Track", "--song-id", "0123abcd")
    assert result.stdout.strip() == (
        f"{scan_dir.resolve() / 'track_0123abcd_loop.mp4'}  (song_id: 0123abcd)"
    )


def test_scan_outside_loops_path_is_refused(
    app_env: dict[str, str], database_url: str, tmp_path: Path
) -> None:
    result = run(app_env, "mappings", "import", "--scan", str(tmp_path))
    assert result.exit_code == 1
    assert "is outside the loops folder" in result.stderr
    assert count(database_url) == 0


def test_exactly_one_source(app_env: dict[str, str], tmp_path: Path) -> None:
    assert run(app_env, "mappings", "import").exit_code == 2
    f = write(tmp_path, "m.csv", HEADER)
    result = run(app_env, "mappings", "import", "--csv", str(f), "--json", str(f))
    assert result.exit_code == 2
    assert "exactly one of" in result.output


# --- existing keys, dry run, verbose --------------------------------------------------------------


def test_existing_keys_are_skipped_unless_update(
    app_env: dict[str, str], database_url: str, tmp_path: Path
) -> None:
    first = write(tmp_path, "1.csv", HEADER + "A,One,a.mp4,,old\nB,Two,a.mp4,,\n")
    assert run(app_env, "mappings", "import", "--csv", str(first)).exit_code == 0
    with psycopg.connect(database_url) as conn:
        conn.execute("UPDATE track_mappings SET is_active = false WHERE track_key = 'a - one'")

    second = write(tmp_path, "2.csv", HEADER + "a,ONE,b.mp4,id1,new\nC,Three,b.mp4,,\n")
    result = run(app_env, "mappings", "import", "--csv", str(second))
    assert result.exit_code == 0, result.output
    assert "added 1, updated 0, skipped 1, invalid 0" in result.stdout
    assert rows(database_url)[0][3:] == ("a.mp4", azuracast_song_id("A", "One"), "old", False)

    result = run(app_env, "mappings", "import", "--csv", str(second), "--update", "--verbose")
    assert result.exit_code == 0, result.output
    assert "added 0, updated 2, skipped 0, invalid 0" in result.stdout
    assert "line 2: updated a - one" in result.stdout
    assert rows(database_url)[0] == ("a - one", "a", "ONE", "b.mp4", "id1", "new", True)
    assert count(database_url) == 3


def test_dry_run_writes_nothing(app_env: dict[str, str], database_url: str, tmp_path: Path) -> None:
    first = write(tmp_path, "1.csv", HEADER + "A,One,a.mp4,,\n")
    assert run(app_env, "mappings", "import", "--csv", str(first)).exit_code == 0
    csv_file = write(tmp_path, "2.csv", HEADER + "A,One,b.mp4,,\nB,Two,b.mp4,,\nC,Three,b.mp4,,\n")
    result = run(app_env, "mappings", "import", "--csv", str(csv_file), "--dry-run", "--verbose")
    assert result.exit_code == 0, result.output
    assert "line 2: skipped a - one (exists already)" in result.stdout
    assert "line 3: added b - two" in result.stdout
    assert "added 2, updated 0, skipped 1, invalid 0 (dry run: nothing was written)" in (
        result.stdout
    )
    result = run(app_env, "mappings", "import", "--csv", str(csv_file), "--dry-run", "--update")
    assert "added 2, updated 1, skipped 0, invalid 0 (dry run" in result.stdout
    assert rows(database_url) == [
        ("a - one", "A", "One", "a.mp4", azuracast_song_id("A", "One"), None, True)
    ]


# --- bad rows: listed by line, nothing written ----------------------------------------------------


@pytest.fixture
def escaping_link(loops_root: Path, tmp_path: Path) -> Iterator[str]:
    """`<name>.mp4` inside LOOPS_PATH, a symlink to a real MP4 outside it."""
    outside = tmp_path / "outside.mp4"
    shutil.copyfile(loops_root / "a.mp4", outside)
    link = loops_root / f"escape-{secrets.token_hex(3)}.mp4"
    link.symlink_to(outside)
    yield link.name
    link.unlink()


BAD_ROWS = {
    "missing field": ("X,,a.mp4,,", "line 3: missing title"),
    "missing column value": ("X,Y", "line 3: missing loop_path"),
    "file missing": ("X,Y,nope.mp4,,", "line 3: loop_path nope.mp4 does not exist in the loops"),
    "dot dot": ("X,Y,../a.mp4,,", "line 3: loop_path ../a.mp4 is outside the loops folder"),
    "absolute elsewhere": ("X,Y,/tmp/x.mp4,,", "line 3: loop_path /tmp/x.mp4 is outside"),
    "not mp4": ("X,Y,a.mov,,", "line 3: loop_path a.mov is not an .mp4 file"),
    "too many fields": ("X,Y,a.mp4,,,extra", "line 3: 6 fields, but the header names 5"),
    "song id too long": ("X,Y,a.mp4," + "f" * 33 + ",", "line 3: song_id is longer than 32"),
    "duplicate key": (" good ,  ROW ,b.mp4,,", "line 3: duplicate key “good - row”: line 2 has"),
    "NUL character": ("X,Y,a.mp4,,n\x00", "line 3: a NUL character in the notes value"),
}


@pytest.mark.parametrize("case", BAD_ROWS)
def test_bad_row_is_named_and_nothing_is_written(
    case: str, app_env: dict[str, str], database_url: str, tmp_path: Path
) -> None:
    bad, message = BAD_ROWS[case]
    csv_file = write(
        tmp_path, "m.csv", HEADER + "Good,Row,a.mp4,,\n" + bad + "\nLast,Row,b.mp4,,\n"
    )
    result = run(app_env, "mappings", "import", "--csv", str(csv_file))
    assert result.exit_code == 1, result.output
    assert message in result.stderr
    assert "invalid 1 (nothing was written" in result.stdout
    assert count(database_url) == 0


def test_symlink_escaping_loops_path(
    app_env: dict[str, str], database_url: str, tmp_path: Path, escaping_link: str
) -> None:
    csv_file = write(tmp_path, "m.csv", HEADER + f"Good,Row,a.mp4,,\nX,Y,{escaping_link},,\n")
    result = run(app_env, "mappings", "import", "--csv", str(csv_file))
    assert result.exit_code == 1
    assert f"line 3: loop_path {escaping_link} is outside the loops folder" in result.stderr
    assert count(database_url) == 0


def test_every_bad_row_is_listed_with_physical_lines(
    app_env: dict[str, str], database_url: str, tmp_path: Path
) -> None:
    csv_file = write(
        tmp_path,
        "m.csv",
        HEADER
        + 'A,"multi\nline title",a.mp4,,\n'  # lines 2-3
        + "B,,a.mp4,,\n"  # line 4
        + "A,Multi Line Title,b.mp4,,\n"  # line 5: the key of lines 2-3
        + "C,D,missing.mp4,,\n",  # line 6
    )
    result = run(app_env, "mappings", "import", "--csv", str(csv_file))
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "line 4: missing title",
        "line 5: duplicate key “a - multi line title”: line 2 has it already",
        "line 6: loop_path missing.mp4 does not exist in the loops folder (LOOPS_PATH)",
    ]
    assert count(database_url) == 0


def test_non_utf8_csv(app_env: dict[str, str], database_url: str, tmp_path: Path) -> None:
    content = (HEADER + "Good,Row,a.mp4,,\n").encode() + "Bj\xf6rk,Joga,a.mp4,,\n".encode("latin-1")
    csv_file = write(tmp_path, "m.csv", content)
    result = run(app_env, "mappings", "import", "--csv", str(csv_file))
    assert result.exit_code == 1
    assert "line 3: not UTF-8: byte 0xf6 in the artist value" in result.stderr
    assert count(database_url) == 0

    result = run(app_env, "mappings", "import", "--csv", str(csv_file), "--skip-invalid")
    assert result.exit_code == 0
    assert "added 1, updated 0, skipped 0, invalid 1" in result.stdout
    assert count(database_url) == 1


def test_non_utf8_json(app_env: dict[str, str], database_url: str, tmp_path: Path) -> None:
    content = b'[\n{"artist": "Bj\xf6rk", "title": "J", "loop_path": "a.mp4"}\n]'
    result = run(app_env, "mappings", "import", "--json", str(write(tmp_path, "m.json", content)))
    assert result.exit_code == 1
    assert "line 2: not UTF-8: byte 0xf6 at byte offset 16" in result.stderr
    assert count(database_url) == 0


def test_skip_invalid_writes_the_good_rows(
    app_env: dict[str, str], database_url: str, tmp_path: Path
) -> None:
    csv_file = write(
        tmp_path, "m.csv", HEADER + "A,One,a.mp4,,\nB,,a.mp4,,\nC,Three,../x.mp4,,\na,one,b.mp4,,\n"
    )
    result = run(app_env, "mappings", "import", "--csv", str(csv_file), "--skip-invalid")
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == [
        "line 3: missing title",
        "line 4: loop_path ../x.mp4 is outside the loops folder (LOOPS_PATH)",
        "line 5: duplicate key “a - one”: line 2 has it already",
    ]
    assert result.stdout.strip() == "added 1, updated 0, skipped 0, invalid 3"
    assert [(r[0], r[3]) for r in rows(database_url)] == [("a - one", "a.mp4")]


def test_bad_json_items(app_env: dict[str, str], database_url: str, tmp_path: Path) -> None:
    items = [
        {"artist": "A", "title": "T", "loop_path": "a.mp4"},
        "just a string",
        {"artist": "B", "title": "T", "loop": "a.mp4"},
        {"artist": "C", "title": 5, "loop_path": "a.mp4"},
        {"artist": "a", "title": "t", "loop_path": "b.mp4"},
    ]
    result = run(
        app_env, "mappings", "import", "--json", str(write(tmp_path, "m.json", json.dumps(items)))
    )
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "item 2: expected an object {artist, title, loop_path, song_id?, notes?}, got str",
        "item 3: unknown field 'loop' (valid: artist, title, loop_path, song_id, notes)",
        "item 4: title must be a string, not int",
        "item 5: duplicate key “a - t”: item 1 has it already",
    ]
    assert count(database_url) == 0


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("m.json", '[{"artist": "A",\n "title": }]', "line 2 column 11: malformed JSON"),
        ("m.json", '{"artist": "A"}', "expected a JSON list of objects"),
        ("m.csv", "artist,name,loop_path\nA,T,a.mp4\n", "line 1: unknown column 'name'"),
        ("m.csv", "artist,title\nA,T\n", "line 1: no loop_path column"),
        ("m.csv", "", "the file is empty"),
        ("m.csv", HEADER + 'A,"T,a.mp4\n', "line 2: malformed CSV: unexpected end of data"),
        ("m.csv", HEADER + 'A,"T"x,a.mp4\n', "line 2: malformed CSV: ',' expected after '\"'"),
    ],
)
def test_malformed_files(
    name: str,
    content: str,
    message: str,
    app_env: dict[str, str],
    database_url: str,
    tmp_path: Path,
) -> None:
    path = write(tmp_path, name, content)
    option = "--json" if name.endswith(".json") else "--csv"
    result = run(app_env, "mappings", "import", option, str(path), "--skip-invalid")
    assert result.exit_code == 1
    assert f"{path}: {message}" in result.stderr
    assert count(database_url) == 0


def test_a_bad_row_after_many_written_chunks_rolls_everything_back(
    app_env: dict[str, str], database_url: str, tmp_path: Path
) -> None:
    # More rows than one chunk: the first chunks are written before the bad rows are read.
    lines = [f"Artist {i},Title {i},a.mp4,," for i in range(CHUNK_ROWS + 2000)]
    lines[CHUNK_ROWS + 500] = "Artist 7,Title 7,b.mp4,,"  # a repeat of line 9, one chunk later
    lines.append("Late,Row,missing.mp4,,")
    csv_file = write(tmp_path, "big.csv", HEADER + "\n".join(lines) + "\n")
    result = run(app_env, "mappings", "import", "--csv", str(csv_file))
    assert result.exit_code == 1
    assert result.stderr.splitlines()[:2] == [
        f"line {CHUNK_ROWS + 502}: duplicate key “artist 7 - title 7”: line 9 has it already",
        f"line {CHUNK_ROWS + 2002}: loop_path missing.mp4 does not exist in the loops folder"
        " (LOOPS_PATH)",
    ]
    assert count(database_url) == 0

    result = run(app_env, "mappings", "import", "--csv", str(csv_file), "--skip-invalid")
    assert result.exit_code == 0
    assert f"added {CHUNK_ROWS + 1999}, updated 0, skipped 0, invalid 2" in result.stdout
    assert count(database_url) == CHUNK_ROWS + 1999


async def test_import_invalidates_caches_and_queues_loop_checks(
    mapper: TrackMapper, tmp_path: Path
) -> None:
    queued: list[list[int]] = []
    mapper.on_loop_changed = lambda ids: queued.append(list(ids))
    before = await mapper.resolve("Artist 1", "Title 1")
    assert before.reason == "default"

    csv_file = write(
        tmp_path, "m.csv", HEADER + "".join(f"Artist {i},Title {i},a.mp4,,\n" for i in range(2500))
    )
    report = await import_mappings(mapper, read_csv(csv_file, Progress()), ImportOptions())
    assert (report.ok, report.summary()) == (True, "added 2500, updated 0, skipped 0, invalid 0")
    # The cached default loop is gone: the next lookup sees the new mapping.
    after = await mapper.resolve("Artist 1", "Title 1")
    assert (after.reason, after.path) == ("mapped", str(mapper.loops_root() / "a.mp4"))
    assert [len(ids) for ids in queued] == [1000, 1000, 500]
    assert sorted(i for ids in queued for i in ids) == list(range(1, 2501))

    # An update queues only the rows it changed; a dry run queues nothing.
    queued.clear()
    csv_file = write(tmp_path, "u.csv", HEADER + "Artist 3,Title 3,b.mp4,,\nNew,One,b.mp4,,\n")
    options = ImportOptions(update=True, dry_run=True)
    report = await import_mappings(mapper, read_csv(csv_file, Progress()), options)
    assert (report.summary(), report.written, queued) == (
        "added 1, updated 1, skipped 0, invalid 0",
        False,
        [],
    )
    report = await import_mappings(
        mapper, read_csv(csv_file, Progress()), ImportOptions(update=True)
    )
    assert report.summary() == "added 1, updated 1, skipped 0, invalid 0"
    changed = [await mapper.get_mapping_by_key(key) for key in ("artist 3 - title 3", "new - one")]
    assert queued == [sorted(m.id for m in changed if m is not None)]


async def test_values_with_copy_format_special_characters_round_trip(
    mapper: TrackMapper, database_url: str, tmp_path: Path
) -> None:
    # COPY's text format gives backslash, tab, newline and carriage return a meaning.
    items = [
        {"artist": "Back\\slash", "title": "Tab\there", "loop_path": "a.mp4", "notes": "a\nb\rc"},
        {"artist": "Plain", "title": "Row", "loop_path": "b.mp4"},
    ]
    json_file = write(tmp_path, "m.json", json.dumps(items))
    told: list[RowOutcome] = []
    report = await import_mappings(
        mapper, read_json(json_file, Progress()), ImportOptions(), on_row=told.append
    )
    assert report.summary() == "added 2, updated 0, skipped 0, invalid 0"
    assert [(r[0], r[1], r[2], r[5]) for r in rows(database_url)] == [
        ("back\\slash - tab here", "Back\\slash", "Tab\there", "a\nb\rc"),
        ("plain - row", "Plain", "Row", None),
    ]
    assert [(o.where, o.outcome, o.detail) for o in told] == [
        ("item 1", "added", "back\\slash - tab here"),
        ("item 2", "added", "plain - row"),
    ]


async def test_existing_keys_in_a_later_chunk(
    mapper: TrackMapper, database_url: str, tmp_path: Path
) -> None:
    # The first chunks are copied in without looking keys up; the chunk that meets an existing
    # key is written again after a look-up, and so is every chunk after it.
    total = FIRST_CHUNK_ROWS + CHUNK_ROWS + 500
    existing = [FIRST_CHUNK_ROWS + 10, FIRST_CHUNK_ROWS + CHUNK_ROWS + 7]  # 0-based rows
    first = write(
        tmp_path, "1.csv", HEADER + "".join(f"Artist {i},Title {i},a.mp4,,\n" for i in existing)
    )
    assert (await import_mappings(mapper, read_csv(first, Progress()), ImportOptions())).ok
    csv_file = write(
        tmp_path,
        "2.csv",
        HEADER + "".join(f"Artist {i},Title {i},b.mp4,,\n" for i in range(total)),
    )
    dry = await import_mappings(mapper, read_csv(csv_file, Progress()), ImportOptions(dry_run=True))
    assert dry.summary() == f"added {total - 2}, updated 0, skipped 2, invalid 0"

    queued: list[int] = []
    mapper.on_loop_changed = queued.extend
    told: list[RowOutcome] = []
    report = await import_mappings(
        mapper, read_csv(csv_file, Progress()), ImportOptions(update=True), on_row=told.append
    )
    assert report.summary() == f"added {total - 2}, updated 2, skipped 0, invalid 0"
    assert [o.where for o in told] == [f"line {i + 2}" for i in range(total)]
    assert {o.detail for o in told if o.outcome == "updated"} == {
        f"artist {i} - title {i}" for i in existing
    }
    assert count(database_url) == total
    with psycopg.connect(database_url) as conn:
        ids = [r[0] for r in conn.execute("SELECT id FROM track_mappings ORDER BY id")]
        loops = conn.execute("SELECT DISTINCT loop_file_path FROM track_mappings").fetchall()
    assert queued == ids  # every row written, in order
    assert loops == [("b.mp4",)]


async def test_a_key_another_session_adds_meanwhile_is_skipped(
    mapper: TrackMapper, database_url: str, tmp_path: Path
) -> None:
    first = write(tmp_path, "1.csv", HEADER + "A,One,a.mp4,,\n")
    assert (await import_mappings(mapper, read_csv(first, Progress()), ImportOptions())).ok
    csv_file = write(tmp_path, "2.csv", HEADER + "A,One,b.mp4,,\nX,Two,b.mp4,,\nB,Three,b.mp4,,\n")
    insert = (
        "INSERT INTO track_mappings (track_key, artist, title, azuracast_song_id, loop_file_path)"
        " VALUES ('x - two', 'X', 'Two', 'x2', 'a.mp4')"
    )
    waiting = "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
    async with await psycopg.AsyncConnection.connect(database_url) as other:
        await other.execute(insert)  # not committed yet: the import cannot see it, only wait
        task = asyncio.create_task(
            import_mappings(mapper, read_csv(csv_file, Progress()), ImportOptions())
        )
        async with await psycopg.AsyncConnection.connect(database_url, autocommit=True) as watch:

            async def import_waits() -> bool:
                row = await (await watch.execute(waiting)).fetchone()
                return row is not None and row[0] > 0

            await wait_until_async(import_waits, 10, "the import waiting for the other session")
        await other.commit()
        report = await asyncio.wait_for(task, 30)
    assert report.summary() == "added 1, updated 0, skipped 2, invalid 0"
    assert [(r[0], r[3]) for r in rows(database_url)] == [
        ("a - one", "a.mp4"),
        ("b - three", "b.mp4"),
        ("x - two", "a.mp4"),
    ]


# --- export ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_export_round_trips(
    fmt: str, app_env: dict[str, str], database_url: str, tmp_path: Path, scan_dir: Path
) -> None:
    csv_file = write(
        tmp_path,
        "in.csv",
        HEADER
        + 'Daft Punk,One More Time,a.mp4,,"notes, with ""quotes"""\n'
        + "Sigur Rós,Hoppípolla,sub/c.mp4,deadbeef,\n"
        + "Old,Gone,b.mp4,,\n",
    )
    assert run(app_env, "mappings", "import", "--csv", str(csv_file)).exit_code == 0
    assert run(app_env, "mappings", "import", "--scan", str(scan_dir)).exit_code == 0
    with psycopg.connect(database_url) as conn:
        conn.execute("UPDATE track_mappings SET is_active = false WHERE track_key = 'old - gone'")
    before = rows(database_url)

    out = tmp_path / f"out.{fmt}"
    result = run(app_env, "mappings", "export", f"--{fmt}", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert "exported 4 mappings" in result.stderr
    everything = run(app_env, "mappings", "export", f"--{fmt}", "--all")
    assert "Old" in everything.stdout and "Old" not in out.read_text(encoding="utf-8")

    with psycopg.connect(database_url) as conn:
        conn.execute("TRUNCATE track_mappings")
    result = run(app_env, "mappings", "import", f"--{fmt}", str(out))
    assert result.exit_code == 0, result.output
    assert "added 4, updated 0, skipped 0, invalid 0" in result.stdout
    assert rows(database_url) == [r for r in before if r[0] != "old - gone"]


def test_export_needs_a_format(app_env: dict[str, str]) -> None:
    assert run(app_env, "mappings", "export").exit_code == 2


def test_export_of_nothing(app_env: dict[str, str]) -> None:
    assert json.loads(run(app_env, "mappings", "export", "--json").stdout) == []
    assert run(app_env, "mappings", "export", "--csv").stdout == HEADER


# --- resolve and stats ----------------------------------------------------------------------------


def test_resolve(app_env: dict[str, str], loops_root: Path, tmp_path: Path) -> None:
    csv_file = write(tmp_path, "m.csv", HEADER + "Daft Punk,One More Time,a.mp4,,\n")
    assert run(app_env, "mappings", "import", "--csv", str(csv_file)).exit_code == 0
    root = loops_root.resolve()

    result = run(app_env, "loop", "resolve", "DAFT PUNK", " One  More Time")
    assert result.exit_code == 0, result.output
    assert result.stdout == f'{root / "a.mp4"}  (mapped: "daft punk - one more time")\n'

    sid = azuracast_song_id("Daft Punk", "One More Time")
    result = run(app_env, "loop", "resolve", "Daft Punk & Friends", "OMT", "--song-id", sid)
    assert result.stdout == f"{root / 'a.mp4'}  (song_id: {sid})\n"

    result = run(app_env, "loop", "resolve", "Nobody", "Nothing")
    other = azuracast_song_id("Nobody", "Nothing")
    assert result.stdout == (
        f'{root / "default.mp4"}  (default: no mapping for "nobody - nothing" or song id {other})\n'
    )


def test_stats(app_env: dict[str, str], database_url: str, tmp_path: Path) -> None:
    csv_file = write(tmp_path, "m.csv", HEADER + "A,One,a.mp4,,\nB,Two,b.mp4,,\nC,Three,a.mp4,,\n")
    assert run(app_env, "mappings", "import", "--csv", str(csv_file)).exit_code == 0
    with psycopg.connect(database_url) as conn:
        conn.execute("UPDATE track_mappings SET play_count = 7 WHERE track_key = 'b - two'")
        conn.execute("UPDATE track_mappings SET play_count = 2, is_active = false"
                     " WHERE track_key = 'a - one'")  # fmt: skip
    result = run(app_env, "stats")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "mappings: 3 total, 2 active",
        "plays recorded: 0, 0 of them with a mapped loop",
        "plays counted on mappings: 9, 3.00 per mapping on average",
        "most played:",
        "         7  b - two",
        "         2  a - one",
        "cache (1 process(es)): 0 entries (at most 1000 each), TTL 3600 s, 0 hits, 0 misses",
    ]
