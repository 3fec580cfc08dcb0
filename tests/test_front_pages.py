"""The first pages a new user meets: the login page (keeps the username after a failed login,
says how to create the first account while none exists, never showing the setup link) and the
icon browsers ask for."""

from __future__ import annotations

import pytest

from domain.models import User
from tests.test_web_pages import only, texts
from tests.web_fixtures import PASSWORD, USERNAME, Client, csrf_token


async def test_a_failed_login_keeps_the_username_and_shows_the_error(
    anon_client: Client, user: User
) -> None:
    token = await csrf_token(anon_client)
    answer = await anon_client.post(
        "/login",
        data={"username": USERNAME, "password": PASSWORD + "x", "_csrf_token": token},
    )
    assert answer.status_code == 400
    assert only(answer.text, "p.form-error[role=alert]").text() == "Wrong username or password."
    assert only(answer.text, "#username").attributes["value"] == USERNAME
    assert "value" not in only(answer.text, "#password").attributes  # the password is not kept
    assert "autofocus" in only(answer.text, "#password").attributes


async def test_the_kept_username_is_escaped(anon_client: Client, user: User) -> None:
    token = await csrf_token(anon_client)
    typed = '"><script>alert(1)</script>'
    answer = await anon_client.post(
        "/login", data={"username": typed, "password": "x", "_csrf_token": token}
    )
    assert answer.status_code == 400
    assert "<script>alert(1)" not in answer.text
    assert only(answer.text, "#username").attributes["value"] == typed


async def test_before_the_first_account_the_login_page_says_how_to_make_one(
    anon_client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    # The app logged the one-time link as it started (in anon_client's set-up).
    logged = [
        r.getMessage() for r in caplog.get_records("setup") if "setup?token=" in r.getMessage()
    ]
    assert len(logged) == 1
    token = logged[0].split("setup?token=", 1)[1].split()[0]
    html = (await anon_client.get("/login")).text
    hint = only(html, ".first-run").text()
    assert "No account exists yet" in hint
    assert "crateloop user create NAME --admin" in hint
    assert "make run" in hint
    assert token not in html


async def test_with_an_account_the_login_page_has_no_first_run_hint(
    anon_client: Client, user: User
) -> None:
    assert texts((await anon_client.get("/login")).text, ".first-run") == []


async def test_the_favicon_is_served_to_anyone(anon_client: Client) -> None:
    answer = await anon_client.get("/favicon.ico", follow_redirects=False)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("image/svg+xml")
    assert answer.content.startswith(b"<svg")
    page = (await anon_client.get("/login")).text
    assert only(page, "link[rel=icon]").attributes["href"] == "/static/favicon.svg"
