"""How a tracklist's rows first came in (`tracklists.origin`, the discovery statistics'
sources): imported from the site, pasted as text (the command or a new draft's paste box), or
typed row by row."""

from __future__ import annotations

from pathlib import Path

import psycopg
from click.testing import CliRunner

from cli.main import crateloop
from domain.db import Sessions
from domain.tracklists.drafts import (
    create_manual,
    publish_draft,
    replace_draft_rows,
    start_draft,
)
from domain.tracklists.model import ParsedTrack
from domain.tracklists.text_format import parse_text
from tests.tracklist_seeds import mix, store

ROWS = (ParsedTrack(position=1, artist="A", title="One"),)


def origin(database_url: str, tracklist_id: int) -> str:
    with psycopg.connect(database_url) as conn:
        row = conn.execute(
            "SELECT origin FROM tracklists WHERE id = %s", (tracklist_id,)
        ).fetchone()
    assert row is not None
    return str(row[0])


async def typed(sessions: Sessions, tracks: tuple[ParsedTrack, ...] = ROWS) -> int:
    return await create_manual(
        sessions, title="Set", djs="DJ", source=None, date=None, genres=(), tracks=tracks,
        user_id=None,
    )  # fmt: skip


async def test_an_import_is_imported(sessions: Sessions, database_url: str) -> None:
    stored = await store(sessions, mix("a1"))
    assert origin(database_url, stored.tracklist_id) == "import"


async def test_typed_rows_are_hand_made(sessions: Sessions, database_url: str) -> None:
    assert origin(database_url, await typed(sessions)) == "hand"


async def test_a_new_drafts_first_rows_pasted_make_it_pasted(
    sessions: Sessions, database_url: str
) -> None:
    empty = await typed(sessions, tracks=())
    await replace_draft_rows(sessions, empty, parse_text("A - One\nB - Two").tracks)
    assert origin(database_url, empty) == "paste"


async def test_a_paste_into_rows_already_typed_or_a_published_list_changes_nothing(
    sessions: Sessions, database_url: str
) -> None:
    typed_first = await typed(sessions)
    await replace_draft_rows(sessions, typed_first, parse_text("B - Two").tracks, append=True)
    assert origin(database_url, typed_first) == "hand"

    imported = (await store(sessions, mix("b2"))).tracklist_id
    await start_draft(sessions, imported, None)
    await replace_draft_rows(sessions, imported, parse_text("C - Three").tracks)
    assert origin(database_url, imported) == "import"

    published = await typed(sessions)
    await publish_draft(sessions, published, None)
    await start_draft(sessions, published, None)
    await replace_draft_rows(sessions, published, parse_text("D - Four").tracks)
    assert origin(database_url, published) == "hand"


def test_the_paste_command_makes_a_pasted_tracklist(
    app_env: dict[str, str], database_url: str, tmp_path: Path, clean_db: None
) -> None:
    text = tmp_path / "set.txt"
    text.write_text("[0:00] A - One\n[4:00] B - Two\n", encoding="utf-8")
    result = CliRunner().invoke(crateloop, ["tracklists", "paste", str(text)], env=app_env)
    assert result.exit_code == 0, result.output
    with psycopg.connect(database_url) as conn:
        rows = conn.execute("SELECT origin FROM tracklists").fetchall()
    assert rows == [("paste",)]
