"""What every benchmark shares: a scratch database, percentiles and the result row.

Each `bench/bench_*.py` module defines `run(settings: Settings) -> list[Result]` (sync or async).
`python -m bench` gives every module the same freshly migrated database (tables emptied between
modules) and writes the figures to bench/RESULTS.md.
"""

from __future__ import annotations

import os
import secrets
import statistics
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

from domain.config import Settings, load_settings
from domain.migrate import upgrade
from domain.models import Base

REPO = Path(__file__).resolve().parent.parent
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
