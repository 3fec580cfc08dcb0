"""`crateloop enrich [--pending|--all|ITEM…] [--wait] [--json]`, `enrich stats` and `enrich
sources` through the real CLI on the real database and Redis; `--wait` against the real worker
enriching from the fake music databases. The JSON shapes are the API's (issue 12 §6)."""

from __future__ import annotations

import asyncio
import json
import subprocess
from collections.abc import Iterator

import pytest
from click.testing import CliRunner, Result

from cli.main import crateloop
from domain.enrichment.items import ItemRef
from domain.resources import Resources
from tests.enrichment_fakes import Fakes, collection_file, library_track, nothing_queued, queued
from tests.worker_process import running_worker

JOB = {
    "job_id", "state", "total", "done", "completed", "partial", "failed", "skipped", "finished",
    "text",
}  # fmt: skip


def run(env: dict[str, str], *args: str) -> Result:
    return CliRunner().invoke(crateloop, ["enrich", *args], env=env, catch_exceptions=False)


@pytest.fixture
async def items(resources: Resources) -> dict[str, ItemRef]:
    """A library track with an ISRC and label, and a collection file without either."""
    sessions = resources.sessions
    return {
        "track": await library_track(sessions, isrc="DEU831300071", label="BPitch Control"),
        "file": await collection_file(sessions, isrc=None),
    }


def test_items_are_queued_and_the_job_printed(
    app_env: dict[str, str], resources: Resources, items: dict[str, ItemRef]
) -> None:
    track, file = str(items["track"]), str(items["file"])
    plain = run(app_env, track, file)
    assert plain.exit_code == 0, plain.output
    assert plain.stdout.startswith("enrichment ")
    assert plain.stdout.rstrip().endswith("queued: Enriching: 0 / 2 items")

    shown = run(app_env, "--pending", "--json")
    assert shown.exit_code == 0, shown.output
    job = json.loads(shown.stdout)
    assert set(job) == JOB
    assert (job["state"], job["total"], job["finished"]) == ("queued", 2, False)
    assert sorted(sorted(batch) for batch in queued(resources)) == [sorted([track, file])] * 2

    every = json.loads(run(app_env, "--all", "--json").stdout)
    assert every["total"] == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["12"], "item: '12' is no item: write library:<id> or collection:<id>"),
        (["library:1", "collection:999"], "items: there is no collection:999"),
        (["library:1", "track:1"], "item: 'track:1' is no item"),
        ([], "items: name ITEMs (library:N or collection:N), --pending or --all, not nothing"),
        (["--pending", "--all"], "not --pending and --all"),
        (["library:1", "--all"], "not ITEM and --all"),
    ],
)
def test_refused_input_exits_2_with_the_reason_and_queues_nothing(
    app_env: dict[str, str],
    resources: Resources,
    items: dict[str, ItemRef],
    args: list[str],
    message: str,
) -> None:
    refused = run(app_env, *args)
    assert refused.exit_code == 2, refused.output
    assert message in refused.stderr
    assert refused.stderr.startswith("crateloop: ")
    nothing_queued(resources)


def test_stats_as_a_table_and_as_json(app_env: dict[str, str], items: dict[str, ItemRef]) -> None:
    shown = run(app_env, "stats", "--json")
    assert shown.exit_code == 0, shown.output
    stats = json.loads(shown.stdout)
    assert set(stats) == {"library", "collection"}
    assert stats["library"]["items"] == 1
    assert stats["library"]["percent"]["isrc"] == 100.0
    assert stats["collection"]["percent"]["label"] == 0.0
    assert stats["collection"]["statuses"]["pending"] == 1

    table = run(app_env, "stats").stdout.splitlines()
    assert table[0].split() == ["library", "collection"]
    assert table[2].split() == ["ISRC", "100.0", "%", "0.0", "%"]
    assert "pending" in table[-5] and table[-5].split()[1:] == ["1", "1"]


def test_sources_as_a_table_and_as_json(app_env: dict[str, str], resources: Resources) -> None:
    shown = run(app_env, "sources", "--json")
    assert shown.exit_code == 0, shown.output
    found = json.loads(shown.stdout)
    assert [s["source"] for s in found] == ["musicbrainz", "deezer", "discogs", "lastfm", "spotify"]
    assert found[3]["configured"] is False and found[3]["setting"] == "LASTFM_API_KEY"
    table = run(app_env, "sources").stdout
    assert "Last.fm" in table and "no: set LASTFM_API_KEY" in table
    assert "closed" in table.splitlines()[1]


# Last in the module: the worker takes what is queued.


@pytest.fixture(scope="module")
def enrich_worker(enrich_env: dict[str, str]) -> Iterator[subprocess.Popen[bytes]]:
    with running_worker(enrich_env) as process:
        yield process


async def test_wait_follows_the_job_in_the_worker(
    enrich_env: dict[str, str],
    enrich_resources: Resources,
    fakes: Fakes,
    enrich_worker: subprocess.Popen[bytes],
) -> None:
    fakes.know_the_track()
    file = await collection_file(enrich_resources.sessions)
    waited = await asyncio.to_thread(run, enrich_env, str(file), "--wait", "--json")
    assert waited.exit_code == 0, waited.output
    job = json.loads(waited.stdout)
    assert (job["state"], job["done"], job["completed"]) == ("done", 1, 1), job
    assert job["text"] == "Enriched 1 items: 1 completed"

    again = await asyncio.to_thread(run, enrich_env, str(file), "--wait")
    assert again.exit_code == 0, again.output
    lines = again.stdout.splitlines()
    assert lines[0].endswith("queued: Enriching: 0 / 1 items")
    assert lines[-1] == "Enriched 1 items: 1 completed"
