"""What a row of the Plays page shows: the station's name (not its slug) and the loop's path
relative to LOOPS_PATH (not the server's absolute path)."""

from __future__ import annotations

from domain.config import Settings
from tests.daemon_process import add_station
from tests.test_dashboard import XSS, add_play
from tests.test_web_pages import texts
from tests.web_fixtures import Client


async def test_rows_show_station_names_and_relative_loop_paths(
    client: Client, database_url: str, settings: Settings
) -> None:
    add_station(database_url, "radio-one", "Radio One")
    add_station(database_url, "radio-xss", XSS)
    add_play(database_url, "A", "Nested", loop_path=str(settings.loops_path / "sub" / "c.mp4"))
    add_play(database_url, "B", "Escaped", station="radio-xss")
    # A station deleted since keeps its slug; a path outside the folder is shown as stored.
    add_play(database_url, "C", "Gone", station="radio-gone", loop_path="/elsewhere/x.mp4")
    answer = await client.get("/plays")
    assert answer.status_code == 200
    assert texts(answer.text, "tr.play .station") == ["radio-gone (deleted)", XSS, "Radio One"]
    assert texts(answer.text, "tr.play .loop-file") == [
        "/elsewhere/x.mp4",
        "/loops/a.mp4",
        "sub/c.mp4",
    ]
    assert XSS not in answer.text  # the name is escaped
    assert str(settings.loops_path) not in answer.text
