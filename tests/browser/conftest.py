"""Browser tests: real Chromium driven by pytest-playwright's sync fixtures (`page`, `browser`...).

Three things make that work in this suite:

1. Chromium. `playwright install` cannot download here, so when Playwright's own Chromium is
   missing we launch the system one (Debian package `chromium`). Without any Chromium the browser
   tests are skipped, except under `CI=true`, where that is a failure: CI must run them.
2. The `browser` marker is put on every test in this directory, so `pytest -m "not browser"`
   deselects them.
3. The event loop. Playwright's sync API runs its own asyncio loop in a greenlet and, between two
   calls, leaves that loop registered as the thread's *running* loop. pytest-asyncio refuses to run
   anything while a loop is running ("Runner.run() cannot be called from a running event loop"), so
   once a browser test has run, every later async test or async fixture in the session would fail.
   `PlaywrightLoopGuard` hides Playwright's loop while pytest-asyncio works (async fixtures, their
   teardown, its runners, and every test that is not a browser test) and puts it back afterwards.
   Browser tests themselves must be plain `def` tests using the sync API. In a browser test, async
   set-up belongs in an async fixture (guarded); a sync fixture must not call `asyncio.run()`.

The app server is `live_server` (tests/web_fixtures.py): `crateloop web` as a subprocess on the
suite's database and Redis, session-wide; `base_url` below points pytest-playwright at it, so tests
write `page.goto("/loops")`. Browser tests seed data through the app itself, through async fixtures
(guarded, see 3.) or through the CLI run as a subprocess.
"""

from __future__ import annotations

import asyncio
import inspect
import os
import re
import shutil
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserType

BROWSER_TESTS_DIR = Path(__file__).resolve().parent

# Names of the system Chromium on Debian/Ubuntu and of a Chrome someone may have installed.
SYSTEM_CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome-stable", "google-chrome")

# Keep a test browser quiet and offline: no update checks, no sync, no first-run UI, and no QUIC
# (a stray UDP connection attempt would only add noise and delay on a machine without internet).
CHROMIUM_ARGS = (
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
)

# pytest-asyncio's per-scope loop runners; closing one runs its loop, so they need the guard too.
ASYNCIO_RUNNER_FIXTURE = re.compile(r"_(function|class|module|package|session)_scoped_runner")


def find_system_chromium() -> str | None:
    """Path of a Chromium installed on the system (CHROMIUM_PATH wins), or None."""
    configured = os.environ.get("CHROMIUM_PATH")
    if configured:
        return configured if Path(configured).is_file() else None
    for name in SYSTEM_CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


@pytest.fixture(scope="session")
def browser_type_launch_args(
    browser_type_launch_args: dict[str, Any], browser_type: BrowserType, browser_name: str
) -> dict[str, Any]:
    """pytest-playwright's launch options, plus a system Chromium when Playwright has none."""
    launch_args = dict(browser_type_launch_args)
    if browser_name != "chromium":
        return launch_args
    if not launch_args.get("channel") and not Path(browser_type.executable_path).exists():
        system_chromium = find_system_chromium()
        if system_chromium is None:
            looked_at = os.environ.get("CHROMIUM_PATH") or ", ".join(SYSTEM_CHROMIUM_NAMES)
            message = (
                "No Chromium for the browser tests: Playwright's own browser is not installed "
                f"({browser_type.executable_path}) and no system Chromium was found "
                f"({looked_at}). Install one (apt-get install chromium) or set CHROMIUM_PATH."
            )
            if os.environ.get("CI") == "true":
                pytest.fail(f"CI=true forbids skipping browser tests. {message}", pytrace=False)
            pytest.skip(message)
        launch_args["executable_path"] = system_chromium
    launch_args["args"] = [*launch_args.get("args", []), *CHROMIUM_ARGS]
    return launch_args


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test under tests/browser with `browser`."""
    for item in items:
        if BROWSER_TESTS_DIR in item.path.parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Under CI=true a skipped browser test, for whatever reason, counts as a failure."""
    report = yield
    if (
        report.skipped
        and os.environ.get("CI") == "true"
        and item.get_closest_marker("browser") is not None
        and not hasattr(report, "wasxfail")
    ):
        # A skip's longrepr is (path, line, "Skipped: reason").
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"CI=true forbids skipping browser tests ({reason})"
    return report


@contextmanager
def playwright_loop_hidden() -> Iterator[None]:
    """Unregister the thread's running loop (Playwright's) for the block, then restore it."""
    loop = asyncio._get_running_loop()
    asyncio._set_running_loop(None)
    try:
        yield
    finally:
        asyncio._set_running_loop(loop)


def runs_on_asyncio(fixturedef: pytest.FixtureDef[Any]) -> bool:
    """Whether pytest-asyncio drives this fixture's set-up or teardown through a loop runner."""
    func = fixturedef.func
    return (
        inspect.iscoroutinefunction(func)
        or inspect.isasyncgenfunction(func)
        or ASYNCIO_RUNNER_FIXTURE.fullmatch(fixturedef.argname) is not None
    )


class PlaywrightLoopGuard:
    """Keeps Playwright's loop out of pytest-asyncio's way (see the module docstring).

    Registered as a plugin, not written as conftest hooks: conftest hooks only see tests and
    fixtures of this directory, and the clash happens in any async test or session fixture.
    """

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_fixture_setup(
        self, fixturedef: pytest.FixtureDef[Any], request: pytest.FixtureRequest
    ) -> Generator[None, object, object]:
        if not runs_on_asyncio(fixturedef):
            return (yield)
        hidden: list[asyncio.AbstractEventLoop | None] = []

        def hide() -> None:
            hidden.append(asyncio._get_running_loop())
            asyncio._set_running_loop(None)

        def restore() -> None:
            if hidden:
                asyncio._set_running_loop(hidden.pop())

        # Finalizers run last-in first-out: `restore` runs after pytest-asyncio's teardown
        # (registered while the set-up runs), `hide` right before it.
        fixturedef.addfinalizer(restore)
        with playwright_loop_hidden():
            result = yield
        fixturedef.addfinalizer(hide)
        return result

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_pyfunc_call(self, pyfuncitem: pytest.Function) -> Generator[None, object, object]:
        if pyfuncitem.get_closest_marker("browser") is not None:
            return (yield)
        with playwright_loop_hidden():
            return (yield)


def pytest_configure(config: pytest.Config) -> None:
    if not config.pluginmanager.has_plugin(PlaywrightLoopGuard.__name__):
        config.pluginmanager.register(PlaywrightLoopGuard(), PlaywrightLoopGuard.__name__)


@pytest.fixture(scope="session")
def base_url(live_server: str) -> str:
    """pytest-playwright's base URL: the live app server, so tests can `page.goto("/loops")`."""
    return live_server
