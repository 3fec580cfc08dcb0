"""The TrackMapper service against real PostgreSQL and Redis."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from domain.config import Settings
from domain.loops.cache import LoopCache
from domain.loops.cache_stats import SharedCacheStats
from domain.loops.keys import azuracast_song_id, normalize_track_key, song_id_from_text
from domain.loops.mapper import MappingError, MappingNotFound, TrackMapper, loops_service
from domain.search import search_query
from tests.web_fixtures import free_port


def test_track_key_normalisation() -> None:
    assert normalize_track_key("  Daft\tPunk ", "One   More Time ") == "daft punk - one more time"
    assert normalize_track_key("ＢＪÖＲＫ", "Straße") == "björk - strasse"


def test_azuracast_song_id_matches_azuracast() -> None:
    # AzuraCast's own id for its "Station Offline" placeholder song.
    assert song_id_from_text("Station Offline") == "5a6a865199cf5df73b1417326d2ff24f"
    assert azuracast_song_id("Station", "Offline") == "5a6a865199cf5df73b1417326d2ff24f"
    # Spaces, dashes and quotes do not matter; case does not matter.
    assert azuracast_song_id("Daft Punk", "One More Time") == song_id_from_text(
        "daftpunk-onemoretime"
    )


def test_search_query() -> None:
    assert search_query("Daft pu") == "daft:* & pu:*"
    assert search_query(" -- ") is None
    assert search_query("o'neil & co") == "o:* & neil:* & co:*"


async def test_resolution_order(mapper: TrackMapper, loops_root: Path) -> None:
    default = str(loops_root / "default.mp4")
    assert await mapper.resolve("Nobody", "Nothing") == await mapper.resolve("Nobody", "Nothing")
    res = await mapper.resolve("Nobody", "Nothing")
    assert (res.path, res.reason) == (default, "default")

    assert await mapper.add_mapping("Daft Punk", "One More Time", "a.mp4")
    res = await mapper.resolve("DAFT  punk", "one more time")
    assert (res.path, res.reason) == (str(loops_root / "a.mp4"), "mapped")

    # By song id: a source that spells the track differently but sends AzuraCast's id.
    sid = azuracast_song_id("Daft Punk", "One More Time")
    res = await mapper.resolve("Daft Punk feat. Nobody", "OMT", song_id=sid)
    assert (res.path, res.reason) == (str(loops_root / "a.mp4"), "song_id")
    # ... and without an id, the id computed from the text still finds it ("-" and spaces ignored).
    res = await mapper.resolve("Daft-Punk", "OneMoreTime")
    assert res.reason == "song_id"

    # The key wins over the song id.
    assert await mapper.add_mapping("Other", "Track", "b.mp4", song_id=sid)
    res = await mapper.resolve("Other", "Track", song_id=sid)
    assert (res.path, res.reason) == (str(loops_root / "b.mp4"), "mapped")


async def test_add_existing_key_returns_false(mapper: TrackMapper) -> None:
    assert await mapper.add_mapping("A", "B", "a.mp4")
    assert not await mapper.add_mapping(" a ", "b", "b.mp4")
    assert (await mapper.get_mapping_by_key("a - b")).loop_file_path == "a.mp4"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("loop_path", "message"),
    [
        ("missing.mp4", "does not exist"),
        ("../outside.mp4", "outside the loops folder"),
        ("sub/../../outside.mp4", "outside the loops folder"),
        ("/etc/passwd", "outside the loops folder"),
        ("notes.txt", "not an .mp4"),
        ("", "empty"),
        ("escape.mp4", "outside the loops folder"),
    ],
)
async def test_bad_loop_paths_are_refused(
    mapper: TrackMapper, loops_root: Path, tmp_path: Path, loop_path: str, message: str
) -> None:
    outside = tmp_path / "outside.mp4"
    outside.write_bytes(b"x")
    link = loops_root / "escape.mp4"
    if not link.is_symlink():
        link.symlink_to(outside)
    (loops_root / "notes.txt").write_text("not a video")
    with pytest.raises(MappingError, match=message) as error:
        await mapper.create_mapping("Bad", "Path", loop_path)
    assert error.value.field == "loop_path"
    assert (await mapper.get_stats()).total == 0


async def test_soft_delete_and_reactivate(mapper: TrackMapper, loops_root: Path) -> None:
    mapping = await mapper.create_mapping("A", "B", "a.mp4")
    assert (await mapper.resolve("A", "B")).reason == "mapped"
    await mapper.delete_mapping(mapping.id)
    assert (await mapper.resolve("A", "B")).reason == "default"
    assert (await mapper.get_mapping(mapping.id)).is_active is False
    assert await mapper.get_all_mappings(active_only=True) == []
    await mapper.reactivate_mapping(mapping.id)
    assert (await mapper.resolve("A", "B")).path == str(loops_root / "a.mp4")
    with pytest.raises(MappingNotFound):
        await mapper.delete_mapping(999_999)


async def test_update_changes_key_and_loop(mapper: TrackMapper, loops_root: Path) -> None:
    mapping = await mapper.create_mapping("A", "B", "a.mp4", notes="first")
    assert (await mapper.resolve("A", "B")).path.endswith("a.mp4")
    await mapper.update_mapping(mapping.id, loop_path="sub/c.mp4")
    assert (await mapper.resolve("A", "B")).path == str(loops_root / "sub" / "c.mp4")
    await mapper.update_mapping(mapping.id, title="C")
    assert (await mapper.resolve("A", "B")).reason == "default"
    assert (await mapper.resolve("A", "C")).reason == "mapped"
    await mapper.create_mapping("X", "Y", "a.mp4")
    with pytest.raises(MappingError, match="exists"):
        await mapper.update_mapping(mapping.id, artist="X", title="Y")


async def test_play_counting_and_stats(mapper: TrackMapper) -> None:
    await mapper.create_mapping("A", "B", "a.mp4")
    await mapper.create_mapping("C", "D", "b.mp4")
    for _ in range(5):  # many lookups, one play
        res = await mapper.resolve("A", "B")
    await mapper.record_play("radio", "A", "B", res)
    assert await mapper.increment_play_count("a - b")
    assert not await mapper.increment_play_count("nope - nope")
    default = await mapper.resolve("E", "F")
    await mapper.record_play("radio", "E", "F", default)
    await mapper.record_play("radio", "E", "F", default)

    stats = await mapper.get_stats()
    assert (stats.total, stats.active, stats.total_plays) == (2, 2, 2)
    assert stats.average_plays == 1.0
    assert stats.most_played == [("a - b", 2)]
    listing = await mapper.get_all_mappings(limit=10)
    assert [m.track_key for m in listing] == ["a - b", "c - d"]
    assert listing[0].last_played_at is not None

    [fallback] = await mapper.fallbacks()
    assert (fallback.track_key, fallback.plays, fallback.artist) == ("e - f", 2, "E")
    await mapper.create_mapping("E", "F", "a.mp4")
    assert await mapper.fallbacks() == []


async def test_search_sort_and_pages(mapper: TrackMapper) -> None:
    for i in range(30):
        await mapper.create_mapping(f"Artist {i:02d}", f"Song {i}", "a.mp4" if i % 2 else "b.mp4")
    page = await mapper.page_mappings(search="artist 1", sort="key", descending=False, per_page=5)
    assert page.total == 11  # "1" prefixes 1 and 10..19 ("01" is its own word)
    assert [m.artist for m in page.items][:2] == ["Artist 01", "Artist 10"]
    page2 = await mapper.page_mappings(sort="key", descending=False, per_page=7, page=5)
    assert (page2.total, page2.pages, len(page2.items)) == (30, 5, 2)
    by_file = await mapper.page_mappings(search="b mp4", per_page=100)
    assert by_file.total == 15


async def test_default_loop_from_config_overrides_setting(
    mapper: TrackMapper, loops_root: Path
) -> None:
    assert await mapper.get_default_loop() == str(loops_root / "default.mp4")
    await mapper.set_default_loop("b.mp4")
    assert await mapper.get_default_loop() == str(loops_root / "b.mp4")
    assert (await mapper.resolve("No", "Mapping")).path == str(loops_root / "b.mp4")
    with pytest.raises(MappingError):
        await mapper.set_default_loop("../x.mp4")


async def test_cache_hits_misses_and_expiry(settings: Settings, clean_db: None) -> None:
    from dataclasses import replace

    async with loops_service(replace(settings, cache_ttl_seconds=1, cache_size=2)) as service:
        await service.resolve("A", "B")
        await service.resolve("A", "B")
        stats = service.get_cache_stats()
        assert (stats.hits, stats.max_size, stats.ttl_seconds) == (1, 2, 1)
        await service.resolve("C", "D")
        await service.resolve("E", "F")
        assert service.get_cache_stats().size == 2  # the LRU bound
        await asyncio.sleep(1.1)  # past the 1 s TTL: the time passing is what is tested
        misses = service.get_cache_stats().misses
        await service.resolve("E", "F")
        assert service.get_cache_stats().misses == misses + 1
        service.clear_cache()
        assert service.get_cache_stats().size == 0


async def test_cache_figures_without_redis_are_this_process_own_and_say_so() -> None:
    unreachable = aioredis.Redis(host="127.0.0.1", port=free_port(), socket_connect_timeout=1)
    cache = LoopCache(max_size=10, ttl_seconds=60)
    assert cache.get(("A", "B", "")) is None  # one miss
    shared = SharedCacheStats(unreachable, "counters", "sizes", cache)
    stats = await shared.read()
    assert (stats.shared, stats.processes, stats.hits, stats.misses) == (False, 1, 0, 1)
    await shared.stop()  # the last report fails, quietly and quickly
    await unreachable.aclose()


WATCHER = """
import asyncio, json, sys, time
from domain.config import load_settings
from domain.loops.mapper import loops_service

async def main():
    async with loops_service(load_settings()) as mapper:
        await mapper.start()
        await mapper.invalidation.subscribed.wait()
        print(json.dumps(await mapper.get_loop("Watched", "Track")), flush=True)
        for line in sys.stdin:  # one line per check request
            deadline = time.monotonic() + 1.0
            while time.monotonic() < deadline:
                path = await mapper.get_loop("Watched", "Track")
                if path != line.strip():
                    break
                await asyncio.sleep(0.01)  # the watcher's own poll, up to the 1 s the test allows
            print(json.dumps(path), flush=True)

asyncio.run(main())
"""


async def test_invalidation_reaches_another_process(
    mapper: TrackMapper, app_env: dict[str, str], loops_root: Path
) -> None:
    """A write here is seen by a separate process's cache within one second."""
    watcher = subprocess.Popen(  # noqa: ASYNC220 - a long-lived peer process, not awaited
        [sys.executable, "-c", WATCHER],
        env={**os.environ, **app_env},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert watcher.stdin and watcher.stdout
    try:
        first = json.loads(await asyncio.to_thread(watcher.stdout.readline))
        assert first == str(loops_root / "default.mp4")  # now cached in the watcher
        mapping = await mapper.create_mapping("Watched", "Track", "a.mp4")
        started = time.monotonic()
        watcher.stdin.write(first + "\n")
        watcher.stdin.flush()
        seen = json.loads(await asyncio.to_thread(watcher.stdout.readline))
        assert seen == str(loops_root / "a.mp4")
        assert time.monotonic() - started < 1.0
        await mapper.update_mapping(mapping.id, loop_path="b.mp4")
        watcher.stdin.write(seen + "\n")
        watcher.stdin.flush()
        assert json.loads(await asyncio.to_thread(watcher.stdout.readline)) == str(
            loops_root / "b.mp4"
        )
    finally:
        watcher.stdin.close()
        watcher.wait(timeout=10)
