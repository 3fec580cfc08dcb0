"""Logging in, sessions, CSRF, the first-run setup link and route protection, through HTTP."""

from __future__ import annotations

import logging
import re

import pytest
import redis.asyncio as aioredis
from litestar import Litestar
from litestar.handlers import HTTPRouteHandler
from litestar.testing import AsyncTestClient

from domain import channels
from domain.accounts.login_throttle import LOGIN_FAILURES_ALLOWED
from domain.config import Settings
from tests.web_fixtures import (
    PASSWORD,
    USERNAME,
    Client,
    csrf_token,
    log_in_client,
    make_user,
)
from web.accounts.auth import safe_next
from web.accounts.roles import OPT_KEY, Access
from web.app import create_app


async def test_login_and_logout(anon_client: Client, user: object) -> None:
    page = await anon_client.get("/login")
    assert page.status_code == 200
    assert 'name="_csrf_token"' in page.text

    answer = await log_in_client(anon_client)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/"
    assert (await anon_client.get("/api/v1/stats")).status_code == 200

    token = await csrf_token(anon_client)
    out = await anon_client.post("/logout", headers={"x-csrftoken": token}, follow_redirects=False)
    assert out.status_code == 303
    assert out.headers["location"] == "/login"
    assert (await anon_client.get("/api/v1/stats")).status_code == 401


async def test_wrong_password_is_refused(anon_client: Client, user: object) -> None:
    answer = await log_in_client(anon_client, password="not the password")
    assert answer.status_code == 400
    assert "Wrong username or password" in answer.text
    answer = await log_in_client(anon_client, username="nobody")
    assert answer.status_code == 400
    assert (await anon_client.get("/api/v1/stats")).status_code == 401


async def test_login_returns_to_a_local_next_only(anon_client: Client, user: object) -> None:
    redirect = await anon_client.get("/loops?q=abc", follow_redirects=False)
    assert redirect.status_code == 303
    assert redirect.headers["location"] == "/login?next=/loops%3Fq%3Dabc"

    token = await csrf_token(anon_client)
    form = {"username": USERNAME, "password": PASSWORD, "_csrf_token": token}
    answer = await anon_client.post(
        "/login", data={**form, "next": "/loops?q=abc"}, follow_redirects=False
    )
    assert answer.headers["location"] == "/loops?q=abc"
    # Logged in, the session's own token is the one that counts.
    await anon_client.post("/logout", headers={"x-csrftoken": await csrf_token(anon_client)})
    form["_csrf_token"] = await csrf_token(anon_client)
    answer = await anon_client.post(
        "/login", data={**form, "next": "https://evil.example/"}, follow_redirects=False
    )
    assert answer.headers["location"] == "/"


def test_safe_next() -> None:
    assert safe_next("/loops?q=1") == "/loops?q=1"
    for bad in ("//evil.example", "https://evil.example", "/\\evil.example", "evil", "", None):
        assert safe_next(bad) == "/"
    assert safe_next("/a\r\nSet-Cookie: x=1") == "/"


async def test_login_rotates_the_session_id(anon_client: Client, user: object) -> None:
    anon_client.cookies.set("session", "a" * 64, domain="testserver.local")
    await log_in_client(anon_client)
    assert anon_client.cookies["session"] not in ("a" * 64, "null")
    assert (await anon_client.get("/api/v1/stats")).status_code == 200


async def test_session_cookie_flags(anon_client: Client, user: object) -> None:
    answer = await log_in_client(anon_client)
    cookie = next(c for c in answer.headers.get_list("set-cookie") if c.startswith("session="))
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie or "SameSite=Lax" in cookie


async def test_htmx_request_gets_hx_redirect(anon_client: Client) -> None:
    answer = await anon_client.get(
        "/loops",
        headers={"HX-Request": "true", "HX-Current-URL": "http://testserver.local/loops?q=x"},
    )
    assert answer.status_code == 401
    assert answer.headers["HX-Redirect"] == "/login?next=/loops%3Fq%3Dx"


async def test_api_without_credentials_is_401_json(anon_client: Client) -> None:
    answer = await anon_client.get("/api/v1/mappings")
    assert answer.status_code == 401
    assert answer.json()["status_code"] == 401


async def test_csrf_is_required_for_session_posts(client: Client) -> None:
    body = {"artist": "A", "title": "B", "loop_path": "a.mp4"}
    refused = await client.post("/api/v1/mappings", json=body, headers={"x-csrftoken": ""})
    assert refused.status_code == 403
    refused = await client.post(
        "/logout", headers={"x-csrftoken": "0" * 128}, follow_redirects=False
    )
    assert refused.status_code == 403
    accepted = await client.post("/api/v1/mappings", json=body)
    assert accepted.status_code == 201


async def test_login_form_needs_csrf(anon_client: Client, user: object) -> None:
    await anon_client.get("/login")
    answer = await anon_client.post("/login", data={"username": USERNAME, "password": PASSWORD})
    assert answer.status_code == 403


async def test_login_rate_limit(anon_client: Client, user: object) -> None:
    for _ in range(LOGIN_FAILURES_ALLOWED):
        assert (await log_in_client(anon_client, password="wrong password")).status_code == 400
    blocked = await log_in_client(anon_client)  # even the right password now waits
    assert blocked.status_code == 429
    assert "Too many failed logins" in blocked.text
    assert "Try again in 15 minutes" in blocked.text
    # Another username from the same address is not affected.
    other = await log_in_client(anon_client, username="someone-else")
    assert other.status_code == 400


async def test_setup_link_is_logged_and_single_use(
    settings: Settings, clean_db: None, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="web.app")
    async with AsyncTestClient(create_app(settings)) as first:
        lines = [r.getMessage() for r in caplog.records if "/setup?token=" in r.getMessage()]
        assert len(lines) == 1
        match = re.search(r"/setup\?token=(\S+)", lines[0])
        assert match is not None
        token = match.group(1)

        assert (await first.get("/setup?token=wrong")).status_code == 404
        form = await first.get(f"/setup?token={token}")
        assert form.status_code == 200
        assert "Create the first account" in form.text

        csrf = await csrf_token(first)
        data = {"token": token, "username": "admin", "_csrf_token": csrf}
        short = await first.post("/setup", data={**data, "password": "x", "password_again": "x"})
        assert short.status_code == 400
        assert "password must be at least 8" in short.text

        strong = {"password": "a good password", "password_again": "a good password"}
        created = await first.post("/setup", data={**data, **strong}, follow_redirects=False)
        assert created.status_code == 303
        assert (await first.get("/api/v1/stats")).status_code == 200  # logged in as admin

        assert (await first.get(f"/setup?token={token}")).status_code == 404
        data["_csrf_token"] = await csrf_token(first)  # the logged-in session's own token
        again = await first.post("/setup", data={**data, **strong, "username": "second"})
        assert again.status_code == 404

    # Later starts log no setup link: an account exists.
    caplog.clear()
    async with AsyncTestClient(create_app(settings)):
        assert not [r for r in caplog.records if "/setup?token=" in r.getMessage()]


async def test_api_token_auth(anon_client: Client, settings: Settings, user: object) -> None:
    from tests.web_fixtures import make_api_token

    token = await make_api_token(settings)
    bearer = {"Authorization": f"Bearer {token}"}
    assert (await anon_client.get("/api/v1/stats", headers=bearer)).status_code == 200
    # A token needs no CSRF token: a browser cannot send this header cross-site.
    body = {"artist": "A", "title": "B", "loop_path": "a.mp4"}
    created = await anon_client.post("/api/v1/mappings", json=body, headers=bearer)
    assert created.status_code == 201

    bad = {"Authorization": "Bearer not-a-token"}
    assert (await anon_client.get("/api/v1/stats", headers=bad)).status_code == 401
    assert (
        await anon_client.get("/api/v1/stats", headers={"Authorization": "Basic x"})
    ).status_code == 401


async def test_revoked_token_is_refused(
    anon_client: Client, settings: Settings, user: object
) -> None:
    from domain.accounts.tokens import revoke_api_tokens
    from domain.db import create_engine, create_sessionmaker
    from tests.web_fixtures import make_api_token

    token = await make_api_token(settings, name="ci")
    bearer = {"Authorization": f"Bearer {token}"}
    assert (await anon_client.get("/api/v1/stats", headers=bearer)).status_code == 200
    engine = create_engine(settings, pool_size=1)
    assert await revoke_api_tokens(create_sessionmaker(engine), USERNAME, "ci") == 1
    await engine.dispose()
    assert (await anon_client.get("/api/v1/stats", headers=bearer)).status_code == 401


async def test_bearer_header_ignores_the_session_cookie(client: Client) -> None:
    # A wrong token with a valid session is still refused: the header alone decides.
    answer = await client.get("/api/v1/stats", headers={"Authorization": "Bearer nope"})
    assert answer.status_code == 401


async def test_every_route_needs_a_login(anon_client: Client) -> None:
    """Walks every route of the app: a new unprotected route makes this fail."""
    app = anon_client.app
    assert isinstance(app, Litestar)
    checked = 0
    public: set[str] = set()
    for route in app.routes:
        path = re.sub(r"\{[^}:]+:int\}", "1", route.path)
        path = re.sub(r"\{[^}]+\}", "x", path)
        for handler in route.route_handlers:
            if handler.opt.get(OPT_KEY) is Access.PUBLIC:
                public.add(route.path)
                continue
            methods = (
                sorted(handler.http_methods) if isinstance(handler, HTTPRouteHandler) else ["GET"]
            )
            for method in methods:
                if method in ("HEAD", "OPTIONS"):
                    continue
                token = await csrf_token(anon_client)
                answer = await anon_client.request(
                    method, path, headers={"x-csrftoken": token}, follow_redirects=False
                )
                assert answer.status_code in (401, 303), f"{method} {path}: {answer.status_code}"
                if answer.status_code == 303:
                    assert answer.headers["location"].startswith("/login")
                checked += 1
    assert checked > 10
    # What anonymous callers reach is what the routes declare; a new public route is a decision
    # this list records.
    assert public == {
        "/health",
        "/favicon.ico",
        "/login",
        "/logout",
        "/setup",
        "/reset-password",
        "/static/{file_path:path}",
        "/hooks/azuracast/{slug:str}",
        "/metrics",  # its own bearer token (METRICS_TOKEN): tests/test_metrics.py
    }


async def test_public_routes(anon_client: Client) -> None:
    assert (await anon_client.get("/health")).status_code == 200
    assert (await anon_client.get("/login")).status_code == 200
    assert (await anon_client.get("/static/vendor/htmx.min.js")).status_code == 200
    assert (await anon_client.get("/setup")).status_code == 404  # no valid token


async def test_unknown_page_is_an_html_404(client: Client) -> None:
    answer = await client.get("/no-such-page")
    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("text/html")
    api = await client.get("/api/v1/no-such-thing")
    assert api.status_code == 404
    assert api.json()["status_code"] == 404


async def test_health_reports_both_services(anon_client: Client) -> None:
    answer = await anon_client.get("/health")
    assert answer.status_code == 200
    assert answer.json() == {"status": "ok"}


async def test_health_is_503_when_redis_is_down(app_env: dict[str, str], clean_db: None) -> None:
    from domain.config import load_settings

    broken = load_settings({**app_env, "REDIS_URL": "redis://127.0.0.1:1/0"})
    app = create_app(broken)
    # The app cannot start its cache listener without Redis, but /health must still answer.
    async with AsyncTestClient(app) as anon:
        answer = await anon.get("/health")
    # Anonymous: the verdict only, no error text naming hosts or ports (tests/test_web_limits.py
    # shows a logged-in caller the details).
    assert answer.status_code == 503
    assert answer.json() == {"status": "degraded"}


async def test_second_user_fixture_helper(settings: Settings, clean_db: None) -> None:
    created = await make_user(settings, "dj.two", "another password", is_admin=False)
    assert created.username == "dj.two"


def test_live_server(live_server: str) -> None:
    """`crateloop web` itself serves the app: health, login page, and pages behind login."""
    import httpx

    assert httpx.get(f"{live_server}/health").json() == {"status": "ok"}
    assert httpx.get(f"{live_server}/login").status_code == 200
    home = httpx.get(f"{live_server}/", follow_redirects=False)
    assert (home.status_code, home.headers["location"]) == (303, "/login")


async def test_cookies_are_secure_over_https(settings: Settings, user: object) -> None:
    async with AsyncTestClient(create_app(settings), base_url="https://testserver.local") as tls:
        answer = await log_in_client(tls)
    cookies = answer.headers.get_list("set-cookie")
    assert cookies
    assert all("Secure" in cookie for cookie in cookies)


async def test_login_page_shows_no_navigation(anon_client: Client, client: Client) -> None:
    page = (await anon_client.get("/login")).text
    assert 'aria-label="Main"' not in page
    assert "Log out" not in page
    home = (await client.get("/")).text
    assert "Log out" in home
    assert USERNAME in home


async def _session_keys(settings: Settings) -> int:
    redis = aioredis.Redis.from_url(settings.redis_url)
    try:
        return len([k async for k in redis.scan_iter(f"{channels.web_sessions(settings)}:*")])
    finally:
        await redis.aclose()


async def test_anonymous_requests_store_no_session(
    anon_client: Client, user: object, settings: Settings
) -> None:
    for _ in range(20):
        assert (await anon_client.get("/login")).status_code == 200
        assert (await anon_client.get("/setup?token=x")).status_code == 404
        hook = await anon_client.post("/hooks/azuracast/nowhere?secret=x", json={})
        assert hook.status_code == 404
        assert (await anon_client.get("/loops", follow_redirects=False)).status_code == 303
    assert (await log_in_client(anon_client, password="wrong password")).status_code == 400
    assert await _session_keys(settings) == 0
    assert "session" not in anon_client.cookies

    assert (await log_in_client(anon_client)).status_code == 303
    assert await _session_keys(settings) == 1
    assert (await anon_client.get("/api/v1/stats")).status_code == 200
    token = await csrf_token(anon_client)
    await anon_client.post("/logout", headers={"x-csrftoken": token})
    assert await _session_keys(settings) == 0
    assert (await anon_client.get("/api/v1/stats")).status_code == 401


async def test_a_csrf_token_is_good_in_its_own_session_only(
    client: Client, settings: Settings
) -> None:
    async with AsyncTestClient(create_app(settings)) as other:
        assert (await log_in_client(other)).status_code == 303
        theirs = await csrf_token(other)
        page = await other.get("/loops")
        assert f'"x-csrftoken": "{theirs}"' in page.text  # the token the pages send
    body = {"artist": "A", "title": "B", "loop_path": "a.mp4"}
    refused = await client.post("/api/v1/mappings", json=body, headers={"x-csrftoken": theirs})
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]
    # A double-submit token (what anonymous forms use) is no good to a logged-in session either.
    await client.get("/login")
    async with AsyncTestClient(create_app(settings)) as anonymous:
        anonymous_token = await csrf_token(anonymous)
    client.cookies.set("csrftoken", anonymous_token, domain="testserver.local")
    refused = await client.post(
        "/api/v1/mappings", json=body, headers={"x-csrftoken": anonymous_token}
    )
    assert refused.status_code == 403
    assert (await client.get("/api/v1/mappings")).json()["items"] == []  # nothing changed

    own = await csrf_token(client)
    assert own != theirs
    accepted = await client.post("/api/v1/mappings", json=body, headers={"x-csrftoken": own})
    assert accepted.status_code == 201


async def test_a_new_login_gets_a_new_csrf_token(anon_client: Client, user: object) -> None:
    await log_in_client(anon_client)
    first = await csrf_token(anon_client)
    await anon_client.post("/logout", headers={"x-csrftoken": first})
    login_form = await anon_client.get("/login")
    assert first not in login_form.text  # the ended session's token is not reused
    await log_in_client(anon_client)
    second = await csrf_token(anon_client)
    assert second != first
    stale = await anon_client.post("/logout", headers={"x-csrftoken": first})
    assert stale.status_code == 403
    assert (await anon_client.get("/api/v1/stats")).status_code == 200  # still logged in
