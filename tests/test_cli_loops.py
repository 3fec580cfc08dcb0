"""`crateloop loops validate`: listings, exit status, --fix-missing, on a real database."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.loops import loops_group
from domain.config import Settings, get_settings
from domain.loops.mapper import TrackMapper, loops_service
from domain.models import Reason
from tests.media import make_corrupt_mp4, make_mp4
from tests.waiting import wait_until_async


@pytest.fixture
def cli_loops(tmp_path: Path) -> Path:
    root = tmp_path / "loops"
    make_mp4(root / "default.mp4", width=320, height=180, seconds=1)
    make_mp4(root / "hd.mp4", width=640, height=360, seconds=1)
    make_mp4(root / "gone.mp4", width=320, height=180, seconds=1)
    make_corrupt_mp4(root / "corrupt.mp4")
    return root


@pytest.fixture
async def cli_mapper(
    settings: Settings, clean_db: None, cli_loops: Path
) -> AsyncIterator[TrackMapper]:
    async with loops_service(dataclasses.replace(settings, loops_path=cli_loops)) as service:
        await service.start()
        await service.invalidation.subscribed.wait()
        yield service


async def validate(app_env: dict[str, str], loops: Path, *args: str) -> tuple[int, str, str]:
    """Run `crateloop loops validate ARGS`; (status, stdout, stderr).

    In a thread of its own, as from a terminal: the command runs its own event loop.
    """
    env = {**app_env, "LOOPS_PATH": str(loops)}
    get_settings.cache_clear()  # the command reads the settings from this environment
    try:
        result = await asyncio.to_thread(
            CliRunner().invoke, loops_group, ["validate", *args], env=env, prog_name="loops"
        )
    finally:
        get_settings.cache_clear()
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


async def test_everything_fine_exits_0(
    cli_mapper: TrackMapper, cli_loops: Path, app_env: dict[str, str]
) -> None:
    await cli_mapper.create_mapping("A", "One", "default.mp4")
    await cli_mapper.create_mapping("A", "Two", "default.mp4")
    status, out, _ = await validate(app_env, cli_loops)
    assert status == 0
    assert out.strip() == "2 active mapping(s), 1 loop file(s): 0 missing; all good"


async def test_missing_files_are_listed_and_exit_1(
    cli_mapper: TrackMapper, cli_loops: Path, app_env: dict[str, str]
) -> None:
    await cli_mapper.create_mapping("A", "Fine", "default.mp4")
    gone = await cli_mapper.create_mapping("B", "Gone", "gone.mp4")
    (cli_loops / "gone.mp4").unlink()
    status, out, _ = await validate(app_env, cli_loops)
    assert status == 1
    lines = out.strip().splitlines()
    assert lines[0] == (
        f"missing  #{gone.id} b - gone -> gone.mp4  (file not found: {cli_loops / 'gone.mp4'})"
    )
    assert lines[-1] == "2 active mapping(s), 2 loop file(s): 1 missing; 1 problem(s) remain"


async def test_fix_missing_deactivates_and_every_cache_follows(
    cli_mapper: TrackMapper, cli_loops: Path, app_env: dict[str, str]
) -> None:
    await cli_mapper.create_mapping("A", "Fine", "default.mp4")
    gone = await cli_mapper.create_mapping("B", "Gone", "gone.mp4")
    assert (await cli_mapper.resolve("B", "Gone")).reason == Reason.MAPPED  # now cached here
    (cli_loops / "gone.mp4").unlink()

    status, out, _ = await validate(app_env, cli_loops, "--fix-missing")
    assert status == 0
    assert out.strip().splitlines()[-1] == (
        "2 active mapping(s), 2 loop file(s): 1 missing; deactivated 1; all good"
    )
    mapping = await cli_mapper.get_mapping(gone.id)
    assert not mapping.is_active
    assert mapping.loop_status == "missing"

    async def resolves_the_default() -> bool:
        return (await cli_mapper.resolve("B", "Gone")).reason == Reason.DEFAULT

    await wait_until_async(
        resolves_the_default, 1, "this process still resolves the deactivated mapping"
    )

    status, out, _ = await validate(app_env, cli_loops)
    assert status == 0  # nothing left to fix
    assert "1 active mapping(s)" in out


async def test_check_format_lists_unreadable_loops(
    cli_mapper: TrackMapper, cli_loops: Path, app_env: dict[str, str]
) -> None:
    await cli_mapper.create_mapping("A", "Fine", "default.mp4")
    bad = await cli_mapper.create_mapping("B", "Broken", "corrupt.mp4")
    status, out, _ = await validate(app_env, cli_loops)
    assert status == 0  # without --check-format only presence is checked

    status, out, _ = await validate(app_env, cli_loops, "--check-format", "--verbose")
    assert status == 1
    assert "ok       default.mp4  (h264, 320x180, 1.0 s)" in out
    assert (
        f"invalid  #{bad.id} b - broken -> corrupt.mp4"
        "  (ffprobe could not read the file: moov atom not found)"
    ) in out
    assert out.strip().splitlines()[-1] == (
        "2 active mapping(s), 2 loop file(s): 0 missing, 1 invalid; 1 problem(s) remain"
    )


async def test_resolution_lists_loops_of_another_size(
    cli_mapper: TrackMapper, cli_loops: Path, app_env: dict[str, str]
) -> None:
    await cli_mapper.create_mapping("A", "Small", "default.mp4")
    hd = await cli_mapper.create_mapping("B", "Big", "hd.mp4")
    status, out, _ = await validate(app_env, cli_loops, "--resolution", "320x180")
    assert status == 1
    assert f"size     #{hd.id} b - big -> hd.mp4  (640x360, expected 320x180)" in out
    assert out.strip().splitlines()[-1].endswith("0 invalid, 1 not 320x180; 1 problem(s) remain")

    status, out, _ = await validate(app_env, cli_loops, "--resolution", "640x360")
    assert status == 1
    assert "#1 a - small -> default.mp4  (320x180, expected 640x360)" in out


async def test_a_bad_resolution_is_a_usage_error(
    cli_mapper: TrackMapper, cli_loops: Path, app_env: dict[str, str]
) -> None:
    status, out, err = await validate(app_env, cli_loops, "--resolution", "1080p")
    assert status == 2
    assert out == ""
    assert "Invalid value for '--resolution': '1080p' is not a resolution: use WIDTHxHEIGHT" in err
