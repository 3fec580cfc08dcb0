"""The web process's limits: header size, parameters and bodies it refuses with a 4xx naming the
input, bounded mapping notes, one log line per unexpected error, and what /health tells whom."""

from __future__ import annotations

import contextlib
import logging
import socket
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from litestar import get
from litestar.testing import AsyncTestClient

from domain.config import Settings, load_settings
from domain.db import Sessions
from domain.loops.rules import NOTES_MAX
from tests.test_tracklist_drafts import hand_made
from tests.web_fixtures import Client, log_in_client, make_api_token, make_user
from web.accounts.roles import Access, declare
from web.app import create_app

MAPPING = {"artist": "Daft Punk", "title": "One More Time", "loop_path": "a.mp4"}


async def count(client: Client) -> int:
    answer = await client.get("/api/v1/mappings", params={"active": "all"})
    assert answer.status_code == 200, answer.text
    total: int = answer.json()["total"]
    return total


# Headers ------------------------------------------------------------------------------------------


def test_a_huge_header_is_refused_quickly_by_the_real_process(live_server: str) -> None:
    """256 KB of one header: uvicorn (h11, capped at 64 KB) answers 4xx before reading it all."""
    address = urlsplit(live_server)
    request = (
        b"GET /health HTTP/1.1\r\nHost: x\r\nX-Padding: "
        + b"a" * (256 * 1024)
        + b"\r\nConnection: close\r\n\r\n"
    )
    started = time.monotonic()
    with socket.create_connection((address.hostname, address.port), timeout=10) as sock:
        # Refused while we were still sending: the answer is still there to read.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            sock.sendall(request)
        answer = sock.recv(4096)
    status = int(answer.split(b" ", 2)[1])
    assert 400 <= status < 500, answer[:200]
    assert time.monotonic() - started < 5
    # Normal headers still pass.
    assert httpx.get(f"{live_server}/health", headers={"X-Padding": "a" * 8000}).status_code == 200


# Parameters ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/loops", "q"),
        ("/plays", "q"),
        ("/tracklists", "q"),
        ("/api/v1/mappings", "q"),
        ("/api/v1/resolve", "artist"),
        ("/api/v1/resolve", "title"),
    ],
)
async def test_a_nul_byte_in_a_query_parameter_is_a_400_naming_it(
    client: Client, path: str, name: str
) -> None:
    params = {"artist": "A", "title": "B"} | {name: "a\x00b"}
    answer = await client.get(path, params=params)
    assert answer.status_code == 400, answer.text
    assert f"{name} contains a NUL byte" in answer.text
    if path.startswith("/api/"):
        assert answer.json()["field"] == name


async def test_an_overlong_or_undecodable_query_is_a_400_naming_it(client: Client) -> None:
    page = await client.get("/api/v1/mappings", params={"page": "9" * 3000})
    assert (page.status_code, page.json()["field"]) == (400, "page")
    assert page.json()["detail"] == "page is longer than 2000 characters"
    listing = await client.get("/loops", params={"q": "x" * 5000})
    assert listing.status_code == 400
    assert "q is longer than 2000 characters" in listing.text
    latin1 = await client.get("/api/v1/mappings?q=caf%E9")
    assert (latin1.status_code, latin1.json()["field"]) == (400, "query")
    # A long-enough ordinary search still works.
    assert (await client.get("/loops", params={"q": "x" * 200})).status_code == 200


async def test_a_nul_byte_in_a_path_parameter_is_a_400_naming_it(anon_client: Client) -> None:
    answer = await anon_client.post("/hooks/azuracast/ma%00in?secret=s", json={})
    assert answer.status_code == 400
    assert "slug contains a NUL byte" in answer.text


async def test_a_huge_loop_path_is_refused_naming_it_without_a_huge_log(
    client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    huge = "a/" * 50_000 + "x.mp4"
    with caplog.at_level(logging.DEBUG):
        answer = await client.post("/api/v1/mappings", json=MAPPING | {"loop_path": huge})
        page = await client.post("/loops", data=MAPPING | {"loop_path": huge})
    assert (answer.status_code, answer.json()["field"]) == (400, "loop_path")
    assert answer.json()["detail"] == "loop file path is longer than 4096 characters"
    assert page.status_code == 422
    assert "loop file path is longer than 4096 characters" in page.text
    assert await count(client) == 0
    assert all(len(record.getMessage()) < 10_000 for record in caplog.records)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_a_path_outside_the_loops_folder_does_not_name_the_folder(
    client: Client, loops_root: Path
) -> None:
    for loop in ("../elsewhere.mp4", "/etc/passwd", "missing.mp4", f"{loops_root}/missing.mp4"):
        answer = await client.post("/api/v1/mappings", json=MAPPING | {"loop_path": loop})
        assert (answer.status_code, answer.json()["field"]) == (400, "loop_path")
        assert str(loops_root) not in answer.text
        assert "LOOPS_PATH" in answer.json()["detail"]
    assert await count(client) == 0


async def test_deeply_nested_json_is_a_400_not_a_crash(
    client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    deep = "[" * 100_000
    with caplog.at_level(logging.ERROR):
        answer = await client.post(
            "/api/v1/mappings", content=deep, headers={"content-type": "application/json"}
        )
    assert answer.status_code == 400, answer.text
    assert answer.json()["field"] == "body"
    assert "nested too deeply" in answer.json()["detail"]
    assert not caplog.records
    assert await count(client) == 0


async def test_a_bad_draft_date_without_htmx_is_a_422_page_and_nothing_saved(
    client: Client, sessions: Sessions
) -> None:
    tracklist_id = await hand_made(sessions)
    started = await client.post(f"/tracklists/{tracklist_id}/draft", follow_redirects=False)
    assert started.status_code == 303
    meta = {"title": "Changed", "djs": "Djane", "source": "", "date": "2024-13-45", "genres": ""}
    answer = await client.post(f"/tracklists/{tracklist_id}/draft/meta", data=meta)
    assert answer.status_code == 422, answer.text[:500]
    assert "is not a date" in answer.text
    editor = await client.get(f"/tracklists/{tracklist_id}/draft")
    assert "Warm-up at Club X" in editor.text and "Changed" not in editor.text


# Bounded fields -----------------------------------------------------------------------------------


async def test_huge_notes_are_refused_naming_notes_and_nothing_stored(client: Client) -> None:
    huge = "n" * (9 * 1024 * 1024)
    answer = await client.post("/api/v1/mappings", json=MAPPING | {"notes": huge})
    assert (answer.status_code, answer.json()["field"]) == (400, "notes")
    assert answer.json()["detail"].startswith(f"notes are longer than {NOTES_MAX} characters")
    assert await count(client) == 0

    page = await client.post("/loops", data=MAPPING | {"notes": "n" * (NOTES_MAX + 1)})
    assert page.status_code == 422
    assert f"notes are longer than {NOTES_MAX} characters" in page.text
    assert await count(client) == 0

    created = await client.post("/api/v1/mappings", json=MAPPING | {"notes": "n" * NOTES_MAX})
    assert created.status_code == 201, created.text
    mapping = created.json()
    changed = await client.patch(
        f"/api/v1/mappings/{mapping['id']}", json={"notes": "n" * (NOTES_MAX + 1)}
    )
    assert (changed.status_code, changed.json()["field"]) == (400, "notes")
    assert (await client.get(f"/api/v1/mappings/{mapping['id']}")).json() == mapping


# Unexpected errors --------------------------------------------------------------------------------


@get("/api/v1/test-boom", sync_to_thread=False, opt=declare(Access.PUBLIC))
def boom() -> None:
    """A route that fails the way a bug would, carrying a caller's long value in its message."""
    raise RuntimeError("boom " + "v" * 100_000)


@get("/test-boom", sync_to_thread=False, opt=declare(Access.PUBLIC))
def page_boom() -> None:
    raise RuntimeError("boom")


async def test_an_unexpected_error_is_one_log_line_with_the_request_id(
    settings: Settings, user: object, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(settings)
    app.register(boom)
    app.register(page_boom)
    token = await make_api_token(settings)
    async with AsyncTestClient(app) as client:
        with caplog.at_level(logging.INFO, logger="web.app"):
            answer = await client.get(
                "/api/v1/test-boom", headers={"Authorization": f"Bearer {token}"}
            )
            assert (await log_in_client(client)).status_code == 303
            page = await client.get("/test-boom")
    assert answer.status_code == 500
    request_id = answer.json()["request_id"]
    assert request_id in answer.json()["detail"]
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 2
    line = errors[0].getMessage()
    assert request_id in line and "RuntimeError: boom" in line
    assert len(line) < 1000
    assert errors[0].exc_info is None
    assert page.status_code == 500
    assert "request id" in page.text
    assert errors[1].getMessage().split()[1].rstrip(":") in page.text


# /health ------------------------------------------------------------------------------------------


async def test_health_tells_anyone_the_verdict_and_a_logged_in_user_the_details(
    anon_client: Client, client: Client
) -> None:
    anonymous = await anon_client.get("/health")
    assert (anonymous.status_code, anonymous.json()) == (200, {"status": "ok"})
    logged_in = await client.get("/health")
    assert logged_in.json() == {"status": "ok", "database": "ok", "redis": "ok"}


async def test_a_degraded_health_hides_the_error_from_anonymous_callers(
    app_env: dict[str, str], settings: Settings, clean_db: None
) -> None:
    await make_user(settings)
    token = await make_api_token(settings)
    broken = load_settings({**app_env, "REDIS_URL": "redis://127.0.0.1:1/0"})
    async with AsyncTestClient(create_app(broken)) as anon:
        anonymous = await anon.get("/health")
        # An API token is for /api/v1 only: on /health it is ignored, not an error.
        with_token = await anon.get("/health", headers={"Authorization": f"Bearer {token}"})
    for answer in (anonymous, with_token):
        assert (answer.status_code, answer.json()) == (503, {"status": "degraded"})
        assert "127.0.0.1" not in answer.text


@pytest.mark.parametrize(
    ("path", "field"),
    [
        (f"/loops/{2**63}/edit", "mapping_id"),
        (f"/stations/{2**63}/edit", "station_id"),
        (f"/tracklists/{2**63}", "tracklist_id"),
        (f"/tracklists/1/versions/{2**31}", "number"),
    ],
)
async def test_a_row_id_past_its_column_is_400_naming_it_on_pages(
    client: Client, path: str, field: str
) -> None:
    """Found by the API fuzzer on the API; the pages take the same ids through the same check."""
    answer = await client.get(path)
    assert answer.status_code == 400, answer.text[:300]
    assert field in answer.text
