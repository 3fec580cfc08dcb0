"""Where essentia cannot be loaded, the worker says why once, keeps the reason for the pages,
and the scans that follow queue nothing: the key and BPM tags are what there is. (A module of
its own: no worker with essentia may run beside this one.)"""

from __future__ import annotations

import asyncio
from pathlib import Path

import redis

from domain.collection import analyse_job
from domain.config import load_settings
from domain.resources import opened
from tests.media import make_tone_track, tag
from tests.test_collection_analyse_job import A_MINOR, ANALYSIS_SECONDS, analysed, listed, run
from tests.waiting import wait_until
from tests.worker_process import running_worker


def test_without_essentia_nothing_is_queued_and_the_reason_is_kept(
    app_env: dict[str, str], tmp_path: Path, database_url: str, clean_db: None
) -> None:
    """A package named essentia that fails on import stands first on the worker's path, as on
    a platform with no wheel (nothing of ours is replaced)."""
    music = (tmp_path / "music").resolve()
    tag(make_tone_track(music / "tone.mp3", A_MINOR, bpm=124, seconds=8), key="8B", bpm="100")
    broken = tmp_path / "site" / "essentia"
    broken.mkdir(parents=True)
    (broken / "__init__.py").write_text('raise ImportError("no essentia wheel here (test)")\n')
    env = {**app_env, "MUSIC_PATH": str(music)}
    settings = load_settings(env)

    def reason() -> str | None:
        client = redis.Redis.from_url(settings.redis_url)
        try:
            raw = client.get(settings.channel("collection:analysis-off"))
        finally:
            client.close()
        return raw.decode() if isinstance(raw, bytes) else None

    with running_worker({**env, "PYTHONPATH": str(broken.parent)}):
        scanned = run(env, "collection", "scan", "--wait")
        assert scanned.exit_code == 0, scanned.output
        said = wait_until(reason, ANALYSIS_SECONDS, "analysis said to be off")
    assert "no essentia wheel here (test)" in said
    assert not analysed(database_url, "tone.mp3")  # the tags are what there is
    assert listed(env)["tone.mp3"]["key"] == "8B"

    async def queued() -> int:
        async with opened(settings) as resources:
            return await analyse_job.queue_analysis(resources)

    assert asyncio.run(queued()) == 0  # a day without queueing
