"""The account pages through HTTP: one's own password (a change ends the account's other
sessions) and API tokens (listed, made and shown once, revoked; an admin sees everyone's)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import psycopg
import pytest
from litestar.testing import AsyncTestClient

from domain.config import Settings
from domain.models import Role, TokenScope
from tests.waiting import wait_until_async
from tests.web_fixtures import (
    PASSWORD,
    USERNAME,
    Client,
    log_in_client,
    logged_in,
    make_api_token,
    make_user,
)
from web.accounts.auth import USER_CACHE_SECONDS, session_generation
from web.app import create_app

NEW_PASSWORD = "a brand new passphrase"


def _rows(database_url: str, query: str) -> list[tuple[object, ...]]:
    with psycopg.connect(database_url) as conn:
        return conn.execute(query).fetchall()  # type: ignore[arg-type]


def _user_row(database_url: str, username: str = USERNAME) -> tuple[object, ...]:
    rows = _rows(
        database_url,
        f"SELECT password_hash, session_generation FROM users WHERE username = '{username}'",  # noqa: S608
    )
    return rows[0]


@pytest.fixture
async def dj(settings: Settings, client: Client) -> AsyncIterator[Client]:
    """A second account, "spinner", with only the dj role, logged in (besides the admin)."""
    await make_user(settings, "spinner", PASSWORD, roles=[Role.DJ])
    async with logged_in(settings, "spinner", PASSWORD) as spinner:
        yield spinner


def _password_form(current: str, new: str, again: str | None = None) -> dict[str, str]:
    return {"current_password": current, "password": new, "password_again": again or new}


# Own password -------------------------------------------------------------------------------------


async def test_the_password_page_has_the_form_and_a_csrf_field(client: Client) -> None:
    page = await client.get("/account/password")
    assert page.status_code == 200
    assert 'name="current_password"' in page.text
    assert 'name="_csrf_token"' in page.text
    # The username in the top bar leads to the Account page, which links here.
    assert 'class="username" href="/account"' in page.text
    assert 'href="/account/password"' in (await client.get("/account")).text


async def test_a_wrong_current_password_is_refused_and_changes_nothing(
    client: Client, database_url: str
) -> None:
    before = _user_row(database_url)
    answer = await client.post("/account/password", data=_password_form("wrong!!!!", NEW_PASSWORD))
    assert answer.status_code == 400
    assert "the current password is wrong" in answer.text
    assert 'id="current_password"' in answer.text and 'aria-invalid="true"' in answer.text
    assert _user_row(database_url) == before
    # This session goes on, and the old password still logs in.
    assert (await client.get("/account/password")).status_code == 200
    async with AsyncTestClient(create_app(client.app.state.resources.settings)) as other:
        assert (await log_in_client(other, USERNAME, PASSWORD)).status_code == 303


@pytest.mark.parametrize(
    ("new", "again", "message"),
    [
        ("short", "short", "password must be at least 8 characters long"),
        (NEW_PASSWORD, NEW_PASSWORD + "x", "the new passwords differ"),
    ],
)
async def test_a_bad_new_password_is_refused_naming_it(
    client: Client, database_url: str, new: str, again: str, message: str
) -> None:
    before = _user_row(database_url)
    answer = await client.post("/account/password", data=_password_form(PASSWORD, new, again))
    assert answer.status_code == 400
    assert message in answer.text
    assert 'id="password-form-password-error"' in answer.text
    assert _user_row(database_url) == before


async def test_a_password_change_ends_the_other_sessions_only(
    settings: Settings, client: Client, database_url: str
) -> None:
    async with logged_in(settings, USERNAME, PASSWORD) as elsewhere:
        assert (await elsewhere.get("/account/tokens")).status_code == 200

        changed = await client.post(
            "/account/password",
            data=_password_form(PASSWORD, NEW_PASSWORD),
            follow_redirects=False,
        )
        assert changed.status_code == 303
        assert changed.headers["location"] == "/account/password?changed=true"
        assert _user_row(database_url)[1] == 1

        # The other session (another web process, whose user cache may hold the account a few
        # seconds more) is sent to the login page.
        async def logged_out() -> bool:
            answer = await elsewhere.get("/account/tokens", follow_redirects=False)
            return answer.status_code == 303 and answer.headers["location"].startswith("/login")

        await wait_until_async(logged_out, USER_CACHE_SECONDS + 5, "the other session ended")
        # Nor does its CSRF token or cookie still do anything.
        refused = await elsewhere.post(
            "/account/tokens", data={"name": "x"}, follow_redirects=False
        )
        assert refused.status_code in (303, 403)
        assert _rows(database_url, "SELECT count(*) FROM api_tokens") == [(0,)]

    # The session that changed it goes on, under a new CSRF token it was given.
    client.headers["x-csrftoken"] = client.cookies["csrftoken"]
    page = await client.get("/account/password?changed=true")
    assert page.status_code == 200
    assert "Password changed" in page.text
    made = await client.post("/account/tokens", data={"name": "still here", "scope": "read"})
    assert made.status_code == 201, made.text
    # The new password logs in, the old one no more.
    async with AsyncTestClient(create_app(settings)) as fresh:
        assert (await log_in_client(fresh, USERNAME, PASSWORD)).status_code == 400
        assert (await log_in_client(fresh, USERNAME, NEW_PASSWORD)).status_code == 303


# Tokens -----------------------------------------------------------------------------------------


async def test_a_new_token_is_shown_once_and_works_on_the_api(
    client: Client, database_url: str
) -> None:
    made = await client.post("/account/tokens", data={"name": "backup script", "scope": "read"})
    assert made.status_code == 201
    assert "shown this once only" in made.text
    token = made.text.split('readonly value="', 1)[1].split('"', 1)[0]
    assert token.startswith("cl_")
    assert _rows(database_url, "SELECT name, scope FROM api_tokens") == [("backup script", "read")]

    api = await client.get("/api/v1/stats", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 200
    listing = await client.get("/account/tokens")
    assert "backup script" in listing.text
    assert token not in listing.text  # never again
    assert "never" not in listing.text  # it has been used: its last use is listed


@pytest.mark.parametrize(
    ("form", "field", "message"),
    [
        (
            {"name": "x", "scope": "admin"},
            "scope",
            "no token scope 'admin': choose from read, write",
        ),
        ({"name": "   ", "scope": "read"}, "name", "token name must be 1 to 100 characters"),
        ({"name": "n" * 101, "scope": "write"}, "name", "token name must be 1 to 100 characters"),
    ],
)
async def test_a_bad_token_form_is_refused_naming_the_field(
    client: Client, database_url: str, form: dict[str, str], field: str, message: str
) -> None:
    answer = await client.post("/account/tokens", data=form)
    assert answer.status_code == 400
    assert message in answer.text.replace("&#39;", "'")
    assert f'id="token-form-{field}-error"' in answer.text
    assert _rows(database_url, "SELECT count(*) FROM api_tokens") == [(0,)]


async def test_a_user_sees_only_their_own_tokens_an_admin_everyones(
    settings: Settings, client: Client, dj: Client
) -> None:
    await make_api_token(settings, USERNAME, "admins-token", TokenScope.WRITE)
    await make_api_token(settings, "spinner", "djs-token", TokenScope.READ)
    mine = (await dj.get("/account/tokens")).text
    assert "djs-token" in mine and "admins-token" not in mine
    assert "Owner" not in mine
    everyone = (await client.get("/account/tokens")).text
    assert "djs-token" in everyone and "admins-token" in everyone
    assert "<td>spinner</td>" in everyone


async def test_revoking_ones_own_token(
    settings: Settings, client: Client, dj: Client, database_url: str
) -> None:
    await make_api_token(settings, "spinner", "djs-token", TokenScope.READ)
    [(token_id,)] = _rows(database_url, "SELECT id FROM api_tokens")
    answer = await dj.post(f"/account/tokens/{token_id}/revoke", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/account/tokens?revoked=djs-token"
    assert _rows(database_url, "SELECT count(*) FROM api_tokens") == [(0,)]
    page = await dj.get(answer.headers["location"])
    assert "Revoked the token djs-token." in page.text
    missing = await dj.post(f"/account/tokens/{token_id}/revoke", follow_redirects=False)
    assert missing.status_code == 404
    assert f"no token with id {token_id}" in missing.text


async def test_a_user_cannot_revoke_anothers_token_but_an_admin_can(
    settings: Settings, client: Client, dj: Client, database_url: str
) -> None:
    token = await make_api_token(settings, USERNAME, "admins-token", TokenScope.WRITE)
    await make_api_token(settings, "spinner", "djs-token", TokenScope.READ)
    ids = dict(_rows(database_url, "SELECT name, id FROM api_tokens"))

    refused = await dj.post(f"/account/tokens/{ids['admins-token']}/revoke")
    assert refused.status_code == 403
    assert "this token belongs to another account" in refused.text
    assert sorted(ids) == sorted(n for (n,) in _rows(database_url, "SELECT name FROM api_tokens"))
    assert (
        await client.get("/api/v1/stats", headers={"Authorization": f"Bearer {token}"})
    ).status_code == 200

    revoked = await client.post(
        f"/account/tokens/{ids['djs-token']}/revoke", follow_redirects=False
    )
    assert revoked.status_code == 303
    assert _rows(database_url, "SELECT name FROM api_tokens") == [("admins-token",)]


async def test_a_revoke_without_the_csrf_token_is_refused(
    settings: Settings, dj: Client, database_url: str
) -> None:
    await make_api_token(settings, "spinner", "djs-token", TokenScope.READ)
    [(token_id,)] = _rows(database_url, "SELECT id FROM api_tokens")
    answer = await dj.post(f"/account/tokens/{token_id}/revoke", headers={"x-csrftoken": "forged"})
    assert answer.status_code == 403
    assert _rows(database_url, "SELECT count(*) FROM api_tokens") == [(1,)]


async def test_the_tokens_link_is_in_every_roles_navigation(client: Client, dj: Client) -> None:
    for viewer in (client, dj):
        assert 'href="/account/tokens"' in (await viewer.get("/account/password")).text


# Users (admins) ---------------------------------------------------------------------------------


def _user_id(database_url: str, username: str) -> int:
    [(found,)] = _rows(database_url, f"SELECT id FROM users WHERE username = '{username}'")  # noqa: S608
    assert isinstance(found, int)
    return found


def _accounts(database_url: str) -> list[tuple[object, ...]]:
    return _rows(database_url, "SELECT username, roles, enabled FROM users ORDER BY username")


async def test_the_users_page_lists_accounts_with_their_roles(client: Client, dj: Client) -> None:
    page = await client.get("/users")
    assert page.status_code == 200
    assert "<td>spinner</td>" in page.text and f"<td>{USERNAME}</td>" in page.text
    assert 'name="role" value="dj" checked' in page.text
    assert 'href="/users"' in page.text  # in the admin's navigation
    assert 'href="/users"' not in (await dj.get("/account/tokens")).text


async def test_an_admin_creates_a_user_with_roles(
    settings: Settings, client: Client, database_url: str
) -> None:
    form = {"username": "newbie", "password": "long enough pw", "role": ["operator"]}
    answer = await client.post("/users", data=form, follow_redirects=False)
    assert answer.status_code == 303
    assert ("newbie", ["operator"], True) in _accounts(database_url)
    assert "Created newbie." in (await client.get(answer.headers["location"])).text
    async with logged_in(settings, "newbie", "long enough pw") as newbie:
        assert (await newbie.get("/loops")).status_code == 200


@pytest.mark.parametrize(
    ("form", "field", "message"),
    [
        ({"username": "Bad Name", "password": "long enough pw"}, "username", "username must be"),
        ({"username": "newbie", "password": "short"}, "password", "at least 8 characters"),
        ({"username": USERNAME, "password": "long enough pw"}, "username", "is taken"),
    ],
)
async def test_a_bad_new_user_is_refused_naming_the_field(
    client: Client, database_url: str, form: dict[str, str], field: str, message: str
) -> None:
    before = _accounts(database_url)
    answer = await client.post("/users", data=form)
    assert answer.status_code == 400
    assert f'id="user-form-{field}-error"' in answer.text
    assert message in answer.text
    assert _accounts(database_url) == before


async def test_an_unknown_role_is_refused_and_changes_nothing(
    client: Client, dj: Client, database_url: str
) -> None:
    before = _accounts(database_url)
    spinner = _user_id(database_url, "spinner")
    answer = await client.post(f"/users/{spinner}/roles", data={"role": ["dj", "root"]})
    assert answer.status_code == 400
    assert "no role &#39;root&#39;: choose from admin, operator, dj" in answer.text
    created = await client.post(
        "/users", data={"username": "x", "password": "p" * 9, "role": "god"}
    )
    assert created.status_code == 400
    assert _accounts(database_url) == before


async def test_setting_roles_and_keeping_the_last_admin(
    client: Client, dj: Client, database_url: str
) -> None:
    spinner = _user_id(database_url, "spinner")
    answer = await client.post(
        f"/users/{spinner}/roles", data={"role": ["operator", "dj"]}, follow_redirects=False
    )
    assert answer.status_code == 303
    assert ("spinner", ["operator", "dj"], True) in _accounts(database_url)
    assert (
        await dj.get("/loops")
    ).status_code == 200  # its first request since login reads the account

    before = _accounts(database_url)
    me = _user_id(database_url, USERNAME)
    for path, data in [
        (f"/users/{me}/roles", {"role": ["operator"]}),
        (f"/users/{me}/disable", {}),
        (f"/users/{me}/delete", {}),
    ]:
        refused = await client.post(path, data=data)
        assert refused.status_code == 400, path
        assert "this is the last enabled admin: make another admin first" in refused.text
        assert _accounts(database_url) == before, path

    # With a second admin, the first may step down.
    await client.post(f"/users/{spinner}/roles", data={"role": ["admin"]})
    stepped = await client.post(f"/users/{me}/roles", data={"role": ["dj"]}, follow_redirects=False)
    assert stepped.status_code == 303
    assert (USERNAME, ["dj"], True) in _accounts(database_url)


async def test_a_disabled_user_is_logged_out_cannot_log_in_nor_use_tokens(
    settings: Settings, client: Client, dj: Client, database_url: str
) -> None:
    token = await make_api_token(settings, "spinner", "djs-token", TokenScope.READ)
    bearer = {"Authorization": f"Bearer {token}"}
    assert (await dj.get("/api/v1/tracklists", headers=bearer)).status_code == 200
    spinner = _user_id(database_url, "spinner")
    answer = await client.post(f"/users/{spinner}/disable", follow_redirects=False)
    assert answer.status_code == 303
    assert ("spinner", ["dj"], False) in _accounts(database_url)

    async def logged_out() -> bool:
        page = await dj.get("/account/tokens", follow_redirects=False)
        return page.status_code == 303 and page.headers["location"].startswith("/login")

    await wait_until_async(logged_out, USER_CACHE_SECONDS + 5, "the disabled user's session ended")
    async with AsyncTestClient(create_app(settings)) as fresh:
        assert (await log_in_client(fresh, "spinner", PASSWORD)).status_code == 400
        assert (await fresh.get("/api/v1/tracklists", headers=bearer)).status_code == 401

    assert (await client.post(f"/users/{spinner}/enable")).status_code == 200
    async with logged_in(settings, "spinner", PASSWORD) as again:
        assert (await again.get("/tracklists")).status_code == 200


async def test_deleting_a_user_takes_their_tokens(
    settings: Settings, client: Client, dj: Client, database_url: str
) -> None:
    await make_api_token(settings, "spinner", "djs-token", TokenScope.READ)
    spinner = _user_id(database_url, "spinner")
    answer = await client.post(f"/users/{spinner}/delete", follow_redirects=False)
    assert answer.status_code == 303
    assert [name for name, *_ in _accounts(database_url)] == [USERNAME]
    assert _rows(database_url, "SELECT count(*) FROM api_tokens") == [(0,)]
    missing = await client.post(f"/users/{spinner}/delete")
    assert missing.status_code == 404
    assert f"no user with id {spinner}" in missing.text


async def test_a_password_reset_link_works_once(
    settings: Settings, client: Client, dj: Client, database_url: str
) -> None:
    spinner = _user_id(database_url, "spinner")
    made = await client.post(f"/users/{spinner}/reset-link")
    assert made.status_code == 201
    link = made.text.split('readonly value="', 1)[1].split('"', 1)[0]
    path = link[link.index("/reset-password") :]
    token = path.split("token=", 1)[1]

    async with AsyncTestClient(create_app(settings)) as anon:
        page = await anon.get(path)
        assert page.status_code == 200
        csrf = anon.cookies["csrftoken"]
        form = {"token": token, "password": "new pw 12345", "_csrf_token": csrf}
        differ = await anon.post("/reset-password", data={**form, "password_again": "other pw 1"})
        assert differ.status_code == 400
        assert "the passwords differ" in differ.text
        done = await anon.post(
            "/reset-password",
            data={**form, "password_again": "new pw 12345"},
            follow_redirects=False,
        )
        assert done.status_code == 303
        assert done.headers["location"] == "/login"
        again = await anon.post("/reset-password", data={**form, "password_again": "new pw 12345"})
        assert again.status_code == 404
        assert "this password reset link is no longer valid" in again.text
        assert (await anon.get(path)).status_code == 404
        assert (await anon.get("/reset-password?token=made-up")).status_code == 404
        assert (await log_in_client(anon, "spinner", "new pw 12345")).status_code == 303

    async def logged_out() -> bool:
        answer = await dj.get("/account/tokens", follow_redirects=False)
        return answer.status_code == 303

    await wait_until_async(logged_out, USER_CACHE_SECONDS + 5, "the reset ended old sessions")


def test_a_session_stored_before_generations_counts_as_generation_0() -> None:
    """Sessions from before migration 0005 stay valid until the account's first password change;
    a session with a generation of the wrong type matches no account."""
    assert session_generation({"user_id": 1}) == 0
    assert session_generation({"user_id": 1, "generation": 3}) == 3
    assert session_generation({"user_id": 1, "generation": "3"}) == -1


async def test_health_details_end_with_the_account(
    client: Client, dj: Client, database_url: str
) -> None:
    """/health reads the session itself: a disabled account gets the verdict alone, at once
    (no page request has cleared its session yet)."""
    assert set((await dj.get("/health")).json()) == {"status", "database", "redis"}
    spinner = _user_id(database_url, "spinner")
    assert (
        await client.post(f"/users/{spinner}/disable", follow_redirects=False)
    ).status_code == 303
    assert (await dj.get("/health")).json() == {"status": "ok"}
