"""What every benchmark shares: a scratch database, percentiles and the result row.

Each `bench/bench_*.py` module defines `run(settings: Settings) -> list[Result]` (sync or async).
`python -m bench` gives every module the same freshly migrated database (tables emptied between
modules) and writes the figures to bench/RESULTS.md.
"""

from __future__ import annotations

import asyncio
import os
import random
import secrets
import statistics
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from contextlib import ExitStack, asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx
import psycopg

from domain.accounts import users
from domain.config import Settings, load_settings
from domain.db import create_engine, create_sessionmaker
from domain.migrate import upgrade
from domain.models import Base

REPO = Path(__file__).resolve().parent.parent
USERNAME, PASSWORD = "bench", "bench-password-123"
WEB_WORKERS = 2  # one web process per core, as `WEB_CONCURRENCY=2` would run it
# Every table of the models, emptied between benchmarks.
TABLES = ", ".join(table.name for table in Base.metadata.sorted_tables)


@dataclass(frozen=True, slots=True)
class Result:
    name: str
    figure: str
    target: str
    ok: bool


def percentile(samples: Sequence[float], pct: float) -> float:
    """The `pct` percentile (0 to 100) of `samples`, by linear interpolation."""
    if len(samples) == 1:
        return samples[0]
    return statistics.quantiles(samples, n=1000, method="inclusive")[int(pct * 10) - 1]


def micros(seconds: float) -> str:
    return f"{seconds * 1e6:.2f} µs"


def millis(seconds: float) -> str:
    return f"{seconds * 1e3:.2f} ms"


@contextmanager
def bench_settings(loops_root: Path) -> Iterator[Settings]:
    """Settings on a new, migrated database (dropped afterwards); embedded servers if needed."""
    with ExitStack() as stack:
        database_url = os.environ.get("DATABASE_URL", "")
        redis_url = os.environ.get("REDIS_URL", "")
        if not database_url or not redis_url:
            from cli.embedded import start_postgres, start_redis

            if not database_url:
                server = start_postgres(REPO / "var" / "bench" / "pg")
                stack.callback(server.stop)
                database_url = server.url
            if not redis_url:
                server = start_redis(REPO / "var" / "bench" / "redis")
                stack.callback(server.stop)
                redis_url = server.url
        base = database_url.replace("postgres://", "postgresql://", 1)
        name = f"crateloop_bench_{secrets.token_hex(4)}"
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        url = urlunsplit(urlsplit(base)._replace(path=f"/{name}"))
        stack.callback(_drop_database, base, name)
        upgrade(url)
        yield load_settings(
            {
                "DATABASE_URL": url,
                "REDIS_URL": redis_url,
                "SECRET_KEY": secrets.token_urlsafe(48),
                "LOOPS_PATH": str(loops_root),
                "DEFAULT_LOOP": "default.mp4",
                "LOG_LEVEL": "WARNING",
            }
        )


def empty_tables(settings: Settings) -> None:
    with psycopg.connect(settings.psycopg_url, autocommit=True) as conn:
        conn.execute(f"TRUNCATE {TABLES} RESTART IDENTITY CASCADE")


def bench_env(settings: Settings) -> dict[str, str]:
    """The environment for a crateloop process (web, worker, CLI) a benchmark starts."""
    return {
        **os.environ,
        "DATABASE_URL": settings.database_url,
        "REDIS_URL": settings.redis_url,
        "SECRET_KEY": settings.secret_key,
        "LOOPS_PATH": str(settings.loops_path),
        "DEFAULT_LOOP": settings.default_loop,
        "LOG_LEVEL": "WARNING",
    }


def _drop_database(base: str, name: str) -> None:
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# The web server, for the benchmarks that load it -----------------------------------------------


@asynccontextmanager
async def web_server(settings: Settings, log_name: str) -> AsyncIterator[str]:
    """`crateloop web --workers 2` on a free port, with the account USERNAME/PASSWORD; yields
    its base URL once /health answers, and stops it afterwards."""
    from tests.web_fixtures import free_port

    engine = create_engine(settings, pool_size=1)
    try:
        await users.create_user(create_sessionmaker(engine), USERNAME, PASSWORD)
    finally:
        await engine.dispose()
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    log_path = settings.loops_path / log_name
    server = _start_web(settings, port, log_path)
    try:
        await _wait_healthy(base_url, server, log_path)
        yield base_url
    finally:
        server.terminate()
        server.wait(10)


def _start_web(settings: Settings, port: int, log_path: Path) -> subprocess.Popen[bytes]:
    argv = [sys.executable, "-c", "from cli.main import main; main()", "web", "--port", str(port)]
    argv += ["--workers", str(WEB_WORKERS)]
    with log_path.open("wb") as log:
        return subprocess.Popen(argv, env=bench_env(settings), stdout=log, stderr=log)


async def _wait_healthy(base_url: str, server: subprocess.Popen[bytes], log_path: Path) -> None:
    async with httpx.AsyncClient(base_url=base_url) as client:
        for _ in range(150):
            if server.poll() is not None:
                break
            try:
                if (await client.get("/health")).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.2)
    tail = await asyncio.to_thread(log_path.read_text)
    raise RuntimeError(f"web server did not start:\n{tail[-2000:]}")


async def logged_in_client(base_url: str) -> httpx.AsyncClient:
    """An HTTP client logged in through the real form as USERNAME."""
    client = httpx.AsyncClient(base_url=base_url, timeout=30)
    await client.get("/login")
    token = client.cookies["csrftoken"]
    login = await client.post(
        "/login", data={"username": USERNAME, "password": PASSWORD, "_csrf_token": token}
    )
    if login.status_code != 303:
        raise RuntimeError(f"bench login failed: {login.status_code} {login.text[:200]}")
    return client


Visit = Callable[[httpx.AsyncClient, random.Random, float], Awaitable[list[float]]]


async def load(
    clients: Sequence[httpx.AsyncClient], visit: Visit, pace: float = 0.0
) -> tuple[list[float], float]:
    """Every client runs `visit` at once (client n with random.Random(n), `pace` seconds between
    its requests): every latency, and the seconds it all took."""
    started = time.perf_counter()
    runs = await asyncio.gather(
        *(visit(client, random.Random(n), pace) for n, client in enumerate(clients))
    )
    return [sample for run in runs for sample in run], time.perf_counter() - started
