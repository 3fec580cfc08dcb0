"""`crateloop want add|list|set|export` through the real CLI and the real database: the shapes
scripts rely on, refusals that exit 2 with the domain's message and change nothing, and how a
command picks whose want-list it acts on (`--user`, CRATELOOP_USER, or the only DJ account)."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner, Result

from cli.main import crateloop
from cli.processes import crateloop_argv
from domain.tracklists.text_format import parse_text

pytestmark = pytest.mark.usefixtures("clean_db")


def run(app_env: dict[str, str], *args: str, **env: str) -> Result:
    return CliRunner().invoke(crateloop, list(args), env=app_env | env, catch_exceptions=False)


def make_user(database_url: str, name: str, roles: str = "{dj}") -> int:
    with psycopg.connect(database_url) as conn:
        row = conn.execute(
            "INSERT INTO users (username, password_hash, roles) VALUES (%s, 'x', %s) RETURNING id",
            (name, roles),
        ).fetchone()
    assert row is not None
    return int(row[0])


def make_track(
    database_url: str, artists: str, title_base: str, version: str = "", label: str | None = None
) -> int:
    kind = "remix" if version else "original"
    title = f"{title_base} ({version})" if version else title_base
    with psycopg.connect(database_url) as conn:
        row = conn.execute(
            "INSERT INTO library_tracks (artists, primary_artists, title, title_base,"
            " version_kind, version_text, label, dedupe_key, artists_key, title_key)"
            " VALUES (%s, ARRAY[%s], %s, %s, %s, %s, %s, %s, lower(%s), lower(%s)) RETURNING id",
            (artists, artists, title, title_base, kind, version, label, title, artists, title),
        ).fetchone()
    assert row is not None
    return int(row[0])


def want_rows(database_url: str) -> list[tuple[object, ...]]:
    with psycopg.connect(database_url) as conn:
        return conn.execute(
            "SELECT id, user_id, library_track_id, status, priority, notes FROM want_list"
            " ORDER BY id"
        ).fetchall()


@pytest.fixture
def astral(database_url: str) -> int:
    return make_track(
        database_url, "Tale Of Us & Mind Against", "Astral", "Afterlife Remix", "AFTERLIFE"
    )


def test_add_list_set_and_export(
    app_env: dict[str, str], database_url: str, astral: int, tmp_path: Path
) -> None:
    make_user(database_url, "spinner")
    sly = make_track(database_url, "=HYPERLINK(1)", "=1+1")

    added = run(app_env, "want", "add", str(astral), "--priority", "1", "--notes", "opener")
    assert added.exit_code == 0, added.output
    assert "Tale Of Us & Mind Against - Astral (Afterlife Remix)" in added.output
    assert run(app_env, "want", "add", str(sly)).exit_code == 0

    listed = run(app_env, "want", "list", "--json")
    assert listed.exit_code == 0, listed.output
    items = json.loads(listed.output)
    assert [item["library_track_id"] for item in items] == [sly, astral]  # newest first
    first_added = items[1]
    assert {"id", "library_track_id", "artist", "title", "status", "priority"} <= set(first_added)
    assert (first_added["artist"], first_added["title"]) == ("Tale Of Us & Mind Against", "Astral")
    assert (first_added["status"], first_added["priority"], first_added["notes"]) == (
        "wanted", 1, "opener",
    )  # fmt: skip

    changed = run(app_env, "want", "set", str(first_added["id"]), "--status", "purchased")
    assert changed.exit_code == 0, changed.output
    assert "purchased" in changed.output
    bought = json.loads(run(app_env, "want", "list", "--status", "purchased", "--json").output)
    assert [item["id"] for item in bought] == [first_added["id"]]
    readable = run(app_env, "want", "list")
    assert f"#{first_added['id']}\tpurchased\tP1\tTale Of Us" in readable.output

    written = tmp_path / "wants.csv"
    exported = run(app_env, "want", "export", "--format", "csv", "-o", str(written))
    assert exported.exit_code == 0, exported.output
    assert written.read_bytes().count(b"\r\n") == 3  # header and two rows, as written
    rows = list(csv.DictReader(io.StringIO(written.read_text(encoding="utf-8"))))
    guarded = next(row for row in rows if row["library_track_id"] == str(sly))
    assert (guarded["artist"], guarded["title"]) == ("'=HYPERLINK(1)", "'=1+1")

    as_json = run(app_env, "want", "export", "--format", "json")
    assert json.loads(as_json.output) == [items[0], bought[0]]
    as_txt = run(app_env, "want", "export", "--format", "txt")
    assert "Tale Of Us & Mind Against - Astral (Afterlife Remix) [AFTERLIFE]" in as_txt.output
    assert len(parse_text(as_txt.output).tracks) == 2


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (("add", "999999"), "library_track_id: there is no library track 999999"),
        (("add", "ASTRAL"), "is already on your want-list"),
        (("add", "ASTRAL", "--priority", "9"), "priority: priority is '9': use a whole number"),
        (("add", "ASTRAL", "--notes", "x" * 2001), "notes: notes is 2001 characters long"),
        (("add", str(2**64)), "library_track_id: library_track_id must be at most"),
        (("set", "WANT", "--status", "sold"), "status: status is 'sold': use one of wanted"),
        (
            ("set", "WANT", "--status", "found"),
            "status cannot go from unavailable to found",
        ),
        (("set", "WANT"), "give --status, --priority or --notes"),
        (("set", "999999", "--priority", "2"), "no item 999999 on your want-list"),
        (("set", "THEIRS", "--priority", "2"), "no item THEIRS on your want-list"),
        (("list", "--status", "lost"), "status: status is 'lost'"),
        (("export", "--status", "lost"), "status: status is 'lost'"),
        (
            ("export", "--format", "rekordbox", "--status", "wanted"),
            "status: an owned-files playlist holds in_library items only",
        ),
    ],
)
def test_refused_input_exits_2_with_the_message_and_changes_nothing(
    app_env: dict[str, str],
    database_url: str,
    astral: int,
    args: tuple[str, ...],
    said: str,
) -> None:
    mine = make_user(database_url, "spinner")
    other = make_user(database_url, "someone")
    # Mine is unavailable (it may only go back to wanted, or be owned), theirs wanted.
    with psycopg.connect(database_url) as conn:
        row = conn.execute(
            "INSERT INTO want_list (user_id, library_track_id, status)"
            " VALUES (%s, %s, 'unavailable'), (%s, %s, 'wanted') RETURNING id",
            (mine, astral, other, astral),
        ).fetchall()
    want, theirs = row[0][0], row[1][0]
    names = {"ASTRAL": str(astral), "WANT": str(want), "THEIRS": str(theirs)}
    said = said.replace("THEIRS", names["THEIRS"])
    before = want_rows(database_url)

    result = run(app_env, "want", *(names.get(arg, arg) for arg in args), "--user", "spinner")

    assert result.exit_code == 2, result.output
    assert said in result.output
    assert want_rows(database_url) == before


def test_whose_want_list(app_env: dict[str, str], database_url: str, astral: int) -> None:
    make_user(database_url, "boss", "{admin}")
    make_user(database_url, "desk", "{operator}")  # keeps no want-list
    spinner = make_user(database_url, "spinner")

    open_choice = run(app_env, "want", "add", str(astral))
    assert open_choice.exit_code == 2
    assert "several accounts keep a want-list (boss, spinner): name one with --user" in (
        open_choice.output
    )
    refused = run(app_env, "want", "list", "--user", "desk")
    assert refused.exit_code == 2
    assert "desk may not keep a want-list: it needs the dj role" in refused.output
    unknown = run(app_env, "want", "list", "--user", "nobody")
    assert (unknown.exit_code, "there is no account named 'nobody'" in unknown.output) == (2, True)
    assert want_rows(database_url) == []

    assert run(app_env, "want", "add", str(astral), CRATELOOP_USER="spinner").exit_code == 0
    assert [row[1] for row in want_rows(database_url)] == [spinner]
    assert json.loads(run(app_env, "want", "list", "--json", "--user", "boss").output) == []

    with psycopg.connect(database_url) as conn:
        conn.execute("UPDATE users SET enabled = false WHERE username = 'boss'")
    alone = run(app_env, "want", "list", "--json")  # spinner is the only one left
    assert [item["library_track_id"] for item in json.loads(alone.output)] == [astral]


def test_the_real_command_prints_json_and_exits_2_on_refusal(
    app_env: dict[str, str], database_url: str, astral: int
) -> None:
    make_user(database_url, "spinner")
    env = os.environ | app_env
    added = subprocess.run(
        [*crateloop_argv(), "want", "add", str(astral), "--priority", "2"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert added.returncode == 0, added.stderr
    listed = subprocess.run(
        [*crateloop_argv(), "want", "list", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert [(i["library_track_id"], i["priority"]) for i in json.loads(listed.stdout)] == [
        (astral, 2)
    ]
    again = subprocess.run(
        [*crateloop_argv(), "want", "add", str(astral)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert again.returncode == 2
    assert "is already on your want-list" in again.stderr
