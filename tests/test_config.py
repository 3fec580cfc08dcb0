"""Settings: every bad or missing value stops start-up with one line naming the variable."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from domain.config import ConfigError, load_settings
from domain.var_dir import VAR_DIR

GOOD = {
    "DATABASE_URL": "postgres://u:p@db.example:5432/app",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "SECRET_KEY": "s" * 40,
}


def test_defaults_and_hosting_urls() -> None:
    settings = load_settings(GOOD)
    assert settings.database_url == "postgresql+psycopg://u:p@db.example:5432/app"
    assert settings.psycopg_url == "postgresql://u:p@db.example:5432/app"
    assert (settings.port, settings.cache_size, settings.cache_ttl_seconds) == (8000, 1000, 3600)
    assert settings.log_level == "INFO"
    assert settings.default_loop == "default.mp4"
    assert settings.channel("x") == "crateloop:app:x"
    url = load_settings({**GOOD, "DATABASE_URL": "postgresql://h/db"}).database_url
    assert url == "postgresql+psycopg://h/db"
    assert settings.auto_identify  # imports identify their tracks unless told not to
    assert not load_settings({**GOOD, "AUTO_IDENTIFY": "0"}).auto_identify


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("DATABASE_URL", "", "DATABASE_URL is not set"),
        ("DATABASE_URL", "mysql://h/db", "DATABASE_URL must be a PostgreSQL URL"),
        ("REDIS_URL", "", "REDIS_URL is not set"),
        ("REDIS_URL", "http://x", "REDIS_URL must be"),
        ("SECRET_KEY", "short", "SECRET_KEY must be at least 32"),
        ("PORT", "eighty", "PORT must be a whole number"),
        ("PORT", "70000", "PORT must be a whole number of at least 1 and at most 65535"),
        ("CACHE_SIZE", "0", "CACHE_SIZE must be a whole number"),
        ("CACHE_TTL_SECONDS", "-5", "CACHE_TTL_SECONDS must be"),
        ("LOG_LEVEL", "LOUD", "LOG_LEVEL must be one of DEBUG, INFO"),
        ("AUTO_IDENTIFY", "maybe", r"AUTO_IDENTIFY must be 1 \(on\) or 0 \(off\)"),
    ],
)
def test_bad_values_name_the_variable(name: str, value: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_settings({**GOOD, name: value})


def test_cli_reports_one_line_and_exits_2() -> None:
    env = {"PATH": "/usr/bin:/bin", **GOOD, "PORT": "nope"}
    result = subprocess.run(
        [sys.executable, "-m", "cli", "stats"], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    expected = "PORT must be a whole number of at least 1 and at most 65535 (got 'nope')"
    assert lines == [f"crateloop: configuration error: {expected}"]


def test_music_path_holds_one_or_more_roots(tmp_path: Path) -> None:
    default = load_settings(GOOD).collection
    assert default.music_paths == (VAR_DIR / "music",)
    assert default.scan_minutes == 15
    first, second = tmp_path / "vinyl-rips", tmp_path / "promos"
    both = load_settings({**GOOD, "MUSIC_PATH": f"{first}:{second}:{first}"}).collection
    assert both.music_paths == (first.resolve(), second.resolve())  # the same folder once
    every = load_settings({**GOOD, "COLLECTION_SCAN_MINUTES": "60"}).collection
    assert every.scan_minutes == 60


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("/music::/promos", "MUSIC_PATH must be folders separated by ':' with none empty"),
        ("/music:/music/house", "MUSIC_PATH folders must not lie inside each other"),
    ],
)
def test_a_bad_music_path_is_refused(value: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_settings({**GOOD, "MUSIC_PATH": value})


@pytest.mark.parametrize("value", ["0", "-5", "often", "100000"])
def test_a_bad_scan_interval_is_refused(value: str) -> None:
    with pytest.raises(ConfigError, match="COLLECTION_SCAN_MINUTES must be a whole number"):
        load_settings({**GOOD, "COLLECTION_SCAN_MINUTES": value})
