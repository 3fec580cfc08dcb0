"""Fixtures for web tests: a user, HTTP clients over the real app, a live server, a browser login.

Registered through `pytest_plugins` in tests/conftest.py. Everything is real: the app runs with
the suite's PostgreSQL database and Redis, and `live_server` is a `crateloop web` subprocess.
"""

from __future__ import annotations

import os
import socket
import subprocess
from collections.abc import AsyncIterator, Collection, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from cli.processes import crateloop_argv
from domain.accounts import tokens, users
from domain.config import Settings
from domain.db import create_engine, create_sessionmaker
from domain.models import Role, TokenScope, User
from tests.waiting import wait_until
from web.app import create_app

if TYPE_CHECKING:
    from playwright.sync_api import Page

USERNAME = "operator"
PASSWORD = "correct horse battery staple"
LIVE_SERVER_START_SECONDS = 30.0

Client = AsyncTestClient[Litestar]


async def make_user(
    settings: Settings,
    username: str = USERNAME,
    password: str = PASSWORD,
    *,
    is_admin: bool = True,
    roles: Collection[Role] | None = None,
) -> User:
    """Create an account directly in the test database: an admin, unless `is_admin=False` (then
    `roles`, default operator and dj; the first account of a database is always admin)."""
    engine = create_engine(settings, pool_size=1)
    try:
        return await users.create_user(
            create_sessionmaker(engine),
            username,
            password,
            is_admin=is_admin and roles is None,
            roles=roles,
        )
    finally:
        await engine.dispose()


async def make_api_token(
    settings: Settings,
    username: str = USERNAME,
    name: str = "test",
    scope: TokenScope = TokenScope.WRITE,
) -> str:
    """A fresh API token for `username` (the plain token, as `crateloop token create` prints);
    `write` unless asked, since most tests drive the API with it."""
    engine = create_engine(settings, pool_size=1)
    try:
        return await tokens.create_api_token(create_sessionmaker(engine), username, name, scope)
    finally:
        await engine.dispose()


async def csrf_token(client: httpx.AsyncClient) -> str:
    """The client's CSRF cookie value, fetching the login page first when it has none yet."""
    if "csrftoken" not in client.cookies:
        await client.get("/login")
    return client.cookies["csrftoken"]


async def log_in_client(
    client: httpx.AsyncClient, username: str = USERNAME, password: str = PASSWORD
) -> httpx.Response:
    """Log in through the real form (with its CSRF token); returns the POST /login answer."""
    token = await csrf_token(client)
    return await client.post(
        "/login",
        data={"username": username, "password": password, "_csrf_token": token},
        follow_redirects=False,
    )


@pytest.fixture
async def user(settings: Settings, clean_db: None) -> User:
    """The account "operator" (password `PASSWORD`, admin) in an otherwise empty database."""
    return await make_user(settings)


@pytest.fixture
async def anon_client(settings: Settings, clean_db: None) -> AsyncIterator[Client]:
    """An HTTP client over `create_app(settings)` that is not logged in (empty database).

    Like every Litestar test client it follows redirects unless told `follow_redirects=False`."""
    async with AsyncTestClient(create_app(settings)) as client:
        yield client


@pytest.fixture
async def client(settings: Settings, user: User) -> AsyncIterator[Client]:
    """An HTTP client logged in as "operator", sending the CSRF header on every request (as
    the pages do through htmx's hx-headers), so unsafe requests pass the CSRF check."""
    async with AsyncTestClient(create_app(settings)) as client:
        response = await log_in_client(client)
        assert response.status_code == 303, response.text
        client.headers["x-csrftoken"] = client.cookies["csrftoken"]
        yield client


@asynccontextmanager
async def logged_in(settings: Settings, username: str, password: str) -> AsyncIterator[Client]:
    """A client over its own app (as another web process would be), logged in as `username`,
    sending the CSRF header as the pages do."""
    async with AsyncTestClient(create_app(settings)) as other:
        answer = await log_in_client(other, username, password)
        assert answer.status_code == 303, answer.text
        other.headers["x-csrftoken"] = other.cookies["csrftoken"]
        yield other


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on (for a server a test starts)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_healthy(base_url: str, process: subprocess.Popen[bytes], within: float) -> None:
    """Wait until the web server `process` answers GET /health with 200; fail at once if it
    exits first."""

    def healthy() -> bool:
        assert process.poll() is None, f"it exited with {process.returncode} before serving"
        try:
            return httpx.get(f"{base_url}/health", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    wait_until(healthy, within, f"{base_url}/health answering 200", every=0.2)


@pytest.fixture(scope="session")
def live_server_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where `live_server` writes its output (uvicorn's access log and the app's log lines)."""
    return tmp_path_factory.mktemp("live_server") / "web.log"


@pytest.fixture(scope="session")
def live_server(app_env: dict[str, str], live_server_log: Path) -> Iterator[str]:
    """`crateloop web` as a subprocess on a free port (the suite's database and Redis); yields
    its base URL once /health answers 200, and stops it at the end of the session."""
    port = free_port()
    log_path = live_server_log
    env = {**os.environ, **app_env, "PORT": str(port), "PYTHONUNBUFFERED": "1"}
    base_url = f"http://127.0.0.1:{port}"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [*crateloop_argv(), "web", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        try:
            try:
                wait_healthy(base_url, process, LIVE_SERVER_START_SECONDS)
            except AssertionError as error:
                tail = log_path.read_text(errors="replace")[-3000:]
                pytest.fail(f"crateloop web did not become healthy: {error}\n{tail}", pytrace=False)
            yield base_url
        finally:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def log_in(page: Page, username: str = USERNAME, password: str = PASSWORD) -> None:
    """Log a Playwright page in through the login form (needs `base_url`, e.g. the live
    server, and the `user` fixture or another existing account); ends on the start page."""
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)
