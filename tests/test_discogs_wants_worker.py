"""A Discogs want-list imported by the real worker process: started from the command line
(`crateloop want import-discogs … --json`, which follows the job to its end) and from the
Want-list page, with the fake Discogs on 127.0.0.1 answering in its real shapes."""

from __future__ import annotations

import contextlib
import json
import os
import pty
import subprocess
from collections.abc import Iterator

import psycopg
import pytest
from click.testing import CliRunner, Result

from cli.main import crateloop
from cli.processes import crateloop_argv
from domain.config import Settings, load_settings
from domain.models import User
from tests.fakes import discogs as dg
from tests.test_discogs_wants import ARCHANGEL, MODERAT_II, TOKEN
from tests.test_web_pages import only, texts
from tests.waiting import wait_until_async
from tests.web_fixtures import PASSWORD, USERNAME, logged_in
from tests.worker_process import REPO, running_worker

HTMX = {"HX-Request": "true"}
WORKER_SECONDS = 30  # a cold worker boots, then three releases at Discogs's pace


@pytest.fixture(scope="module")
def worker_discogs() -> Iterator[dg.FakeDiscogs]:
    server = dg.FakeDiscogs()
    yield server
    server.close()


@pytest.fixture(scope="module")
def worker_env(app_env: dict[str, str], worker_discogs: dg.FakeDiscogs) -> dict[str, str]:
    return {**app_env, "DISCOGS_BASE_URL": worker_discogs.url, "DISCOGS_TOKEN": TOKEN}


@pytest.fixture(scope="module")
def worker_settings(worker_env: dict[str, str]) -> Settings:
    return load_settings(worker_env)


@pytest.fixture(scope="module")
def worker(worker_env: dict[str, str]) -> Iterator[subprocess.Popen[bytes]]:
    with running_worker(worker_env) as process:
        yield process


@pytest.fixture
def discogs(
    worker_discogs: dg.FakeDiscogs, clean_db: None, worker: subprocess.Popen[bytes]
) -> dg.FakeDiscogs:
    worker_discogs.reset()
    worker_discogs.add_release(ARCHANGEL)
    worker_discogs.add_release(MODERAT_II)
    worker_discogs.wants("someone", [1001, 1002, 1003])
    return worker_discogs


def notes_on_the_list(database_url: str) -> list[str]:
    with psycopg.connect(database_url) as conn:
        rows = conn.execute("SELECT notes FROM want_list ORDER BY id").fetchall()
    return [str(notes) for (notes,) in rows]


def test_the_command_imports_a_want_list_and_prints_the_finished_import(
    worker_env: dict[str, str], discogs: dg.FakeDiscogs, user: User, database_url: str
) -> None:
    result: Result = CliRunner().invoke(
        crateloop,
        ["want", "import-discogs", "someone", "--json", "--user", USERNAME],
        env=worker_env,
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    assert (printed["state"], printed["finished"]) == ("done", True)
    assert (printed["total"], printed["done"], printed["added"], printed["empty"]) == (3, 3, 4, 1)
    assert sorted(set(notes_on_the_list(database_url))) == [
        "Discogs want: Burial - Archangel [HDB001]",
        "Discogs want: Moderat - II [MTR 002]",
    ]


def test_on_a_terminal_the_command_draws_a_progress_bar(
    worker_env: dict[str, str], discogs: dg.FakeDiscogs, user: User
) -> None:
    """With stderr on a terminal, `--wait` draws rich's bar (done/total) instead of lines."""
    main, terminal = pty.openpty()
    try:
        process = subprocess.Popen(
            [*crateloop_argv(), "want", "import-discogs", "someone", "--wait"],
            cwd=REPO,
            env={**os.environ, **worker_env, "COLUMNS": "160", "TERM": "xterm"},
            stdout=subprocess.PIPE,
            stderr=terminal,
        )
        os.close(terminal)
        drawn = b""
        with contextlib.suppress(OSError):  # EIO once the command exits and the terminal closes
            while chunk := os.read(main, 4096):
                drawn += chunk
        out, _ = process.communicate(timeout=WORKER_SECONDS)
    finally:
        os.close(main)
    assert process.returncode == 0, drawn.decode(errors="replace")
    screen = drawn.decode(errors="replace")
    assert "3/3" in screen and "━" in screen, screen
    assert "Imported someone's Discogs want-list" in screen
    assert out.decode().startswith("import ")  # stdout: only the line saying it was queued


def test_a_refused_import_exits_2_naming_the_field(
    app_env: dict[str, str], user: User, database_url: str
) -> None:
    result = CliRunner().invoke(
        crateloop, ["want", "import-discogs", "someone"], env=app_env, catch_exceptions=False
    )
    assert result.exit_code == 2
    assert "username: set DISCOGS_TOKEN to import a Discogs want-list" in result.output
    assert notes_on_the_list(database_url) == []


async def test_the_page_follows_the_worker_to_the_end(
    worker_settings: Settings, discogs: dg.FakeDiscogs, user: User
) -> None:
    async with logged_in(worker_settings, USERNAME, PASSWORD) as web:
        started = await web.post(
            "/want-list/import-discogs", data={"username": "someone"}, headers=HTMX
        )
        assert started.status_code == 200
        polled = only(started.text, "#discogs-import .identify-progress").attributes["hx-get"]
        assert polled is not None

        async def finished() -> bool:
            said[:] = texts((await web.get(polled)).text, ".import-text")
            return bool(said) and said[0].startswith("Imported")

        said: list[str] = []
        await wait_until_async(finished, WORKER_SECONDS, "the import to finish")
        assert said == [
            "Imported someone's Discogs want-list, 3 / 3 releases:"
            " 4 tracks added, 1 release without tracks."
        ]
        listed = await web.get("/api/v1/want-list")
        assert listed.json()["total"] == 4
