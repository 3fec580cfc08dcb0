"""`GET /metrics` (issue 12 §4): a real web process serves what it, a real worker, a real daemon
and this test process counted (prometheus-client's multi-process mode), to the METRICS_TOKEN
bearer only.

The exposition is read with a small parser of our own: importing prometheus-client here, before
the suite's environment names the metrics folder, would pin this process's figures elsewhere.
"""

from __future__ import annotations

import asyncio
import importlib
import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
from litestar.testing import AsyncTestClient

from daemon.loop_check_schedule import queue_daily_check
from domain import metrics
from domain.config import ConfigError, Settings, load_settings
from domain.jobs import QUEUES, JobQueue
from domain.resources import Resources
from tests.conftest import METRICS_TOKEN
from tests.daemon_process import DaemonProcess, StateDir, add_station
from tests.fakes.azuracast import FakeAzuraCast
from tests.waiting import wait_until
from tests.web_fixtures import log_in_client, make_api_token, make_user
from tests.worker_process import running_worker
from web.app import create_app

SCRAPER = {"Authorization": f"Bearer {METRICS_TOKEN}"}
_SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$")
_LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')

Figures = dict[tuple[str, frozenset[tuple[str, str]]], float]


def parse(text: str) -> Figures:
    """`{(name, labels): value}` of a Prometheus text exposition (comments skipped)."""
    found: Figures = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        match = _SAMPLE.match(line)
        assert match, f"not a sample line: {line!r}"
        name, labels, value = match.groups()
        found[(name, frozenset(_LABEL.findall(labels or "")))] = float(value)
    return found


def value(figures: Figures, name: str, **labels: str) -> float:
    """The sample `name` with exactly these labels (0 when absent: a counter not yet counted)."""
    return figures.get((name, frozenset(labels.items())), 0.0)


def scrape(base_url: str) -> Figures:
    answer = httpx.get(f"{base_url}/metrics", headers=SCRAPER, timeout=10)
    assert answer.status_code == 200, answer.text
    return parse(answer.text)


# Who may read it ---------------------------------------------------------------------------------


def test_the_scraper_reads_the_text_format(live_server: str) -> None:
    answer = httpx.get(f"{live_server}/metrics", headers=SCRAPER, timeout=10)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain; version=0.0.4")
    assert "# TYPE http_requests_total counter" in answer.text
    assert "# TYPE worker_queue_messages gauge" in answer.text


@pytest.mark.usefixtures("clean_db")
async def test_no_token_a_wrong_one_a_login_or_an_api_token_get_401_and_no_figures(
    live_server: str, live_server_log: Path, settings: Settings
) -> None:
    await make_user(settings, "boss", "a long enough password")
    api_token = await make_api_token(settings, "boss")
    async with (
        httpx.AsyncClient(base_url=live_server, timeout=10) as stranger,
        httpx.AsyncClient(base_url=live_server, timeout=10) as browser,
    ):
        assert (await log_in_client(browser, "boss", "a long enough password")).status_code == 303
        refused = {
            "no header": await stranger.get("/metrics"),
            "a login session": await browser.get("/metrics"),
            "an API token": await browser.get("/metrics", headers=_bearer(api_token)),
            "a wrong token": await browser.get("/metrics", headers=_bearer(METRICS_TOKEN + "x")),
            "a prefix": await browser.get("/metrics", headers=_bearer(METRICS_TOKEN[:-1])),
            "basic auth": await browser.get("/metrics", auth=("prometheus", METRICS_TOKEN)),
        }
    for who, answer in refused.items():
        assert answer.status_code == 401, who
        assert answer.headers["www-authenticate"] == 'Bearer realm="metrics"', who
        assert answer.text == "GET /metrics needs Authorization: Bearer <METRICS_TOKEN>\n", who
        assert "_total" not in answer.text, who
    # The scrapes above and the good ones of this module: the token never reaches the log.
    scrape(live_server)
    assert METRICS_TOKEN not in await asyncio.to_thread(live_server_log.read_text, errors="replace")


async def test_without_metrics_token_it_is_not_served(settings: Settings) -> None:
    unset = replace(settings, metrics_token="")
    async with AsyncTestClient(create_app(unset)) as client:
        for headers in ({}, SCRAPER):
            answer = await client.get("/metrics", headers=headers)
            assert answer.status_code == 404
            assert "_total" not in answer.text


async def test_with_redis_away_the_figures_are_served_without_the_queue_depths(
    settings: Settings,
) -> None:
    away = replace(settings, redis_url="redis://127.0.0.1:9/0")  # nothing listens there
    metrics.api_call("lastfm", "ok", 0.1)
    async with AsyncTestClient(create_app(away)) as client:
        answer = await client.get("/metrics", headers=SCRAPER)
    assert answer.status_code == 200
    figures = parse(answer.text)
    assert value(figures, "api_calls_total", source="lastfm", outcome="ok") >= 1
    assert not [name for name, _ in figures if name == "worker_queue_messages"]


def test_a_short_or_spaced_metrics_token_is_refused_without_echoing_it(
    app_env: dict[str, str],
) -> None:
    for bad in ("short-secret", "a token with spaces in it"):
        with pytest.raises(ConfigError) as error:
            load_settings({**app_env, "METRICS_TOKEN": bad})
        assert str(error.value).startswith("METRICS_TOKEN must be at least 16 characters")
        assert bad not in str(error.value)
    assert load_settings({**app_env, "METRICS_TOKEN": ""}).metrics_token == ""


# What the processes count -------------------------------------------------------------------------


def test_requests_count_by_route_template_not_by_path(live_server: str) -> None:
    """Anonymous, a page answers with the way to the login page: counted with that status."""
    template = "/loops/{mapping_id}/edit"
    redirected = dict(method="GET", route=template, status="303")
    unmatched = dict(method="GET", route="(unmatched)", status="404")
    before = scrape(live_server)
    answers = [httpx.get(f"{live_server}/loops/{n}/edit") for n in (7, 8)]
    assert {answer.status_code for answer in answers} == {303}
    assert httpx.get(f"{live_server}/no/such/page").status_code == 404

    # A request is counted as its answer leaves: the scrape may come a moment before.
    def counted() -> Figures | None:
        figures = scrape(live_server)
        grown = (
            _grew(figures, before, "http_requests_total", **redirected) >= 2
            and _grew(figures, before, "http_requests_total", **unmatched) >= 1
        )
        return figures if grown else None

    after = wait_until(counted, 5, "the requests counted", every=0.1)
    assert _grew(after, before, "http_requests_total", **redirected) == 2
    timed = dict(method="GET", route=template)
    assert _grew(after, before, "http_request_duration_seconds_count", **timed) == 2
    assert _grew(after, before, "http_requests_total", **unmatched) == 1
    routes = {dict(labels).get("route") for name, labels in after if name.startswith("http_")}
    assert not [route for route in routes if route and re.search(r"/(7|8|no)\b", route)], routes


def test_enrichment_functions_produce_the_named_series_for_another_process(
    live_server: str,
) -> None:
    before = scrape(live_server)
    metrics.api_call("deezer", "ok", 0.2)
    metrics.api_call("deezer", "rate_limited", 0.01)
    metrics.cache_lookup("deezer", hit=True)
    metrics.cache_lookup("deezer", hit=False)
    metrics.cache_lookup("deezer", hit=False)
    metrics.breaker_state("discogs", "half_open")
    metrics.enrichment_task("partial")
    metrics.track_enriched("collection", 3.5)
    after = scrape(live_server)

    def grew(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert grew("api_calls_total", source="deezer", outcome="ok") == 1
    assert grew("api_calls_total", source="deezer", outcome="rate_limited") == 1
    assert grew("api_response_time_seconds_count", source="deezer") == 2
    assert grew("api_response_time_seconds_sum", source="deezer") == pytest.approx(0.21)
    assert grew("api_response_time_seconds_bucket", source="deezer", le="0.25") == 2
    assert grew("enrichment_cache_hits_total", source="deezer") == 1
    assert grew("enrichment_cache_misses_total", source="deezer") == 2
    assert value(after, "circuit_breaker_state", source="discogs") == 2
    assert grew("enrichment_tasks_total", outcome="partial") == 1
    assert grew("tracks_enriched_total", kind="collection") == 1
    assert grew("enrichment_duration_seconds_count") == 1
    assert grew("enrichment_duration_seconds_bucket", le="5.0") == 1
    assert grew("enrichment_duration_seconds_bucket", le="2.5") == 0
    metrics.breaker_state("discogs", "closed")
    assert value(scrape(live_server), "circuit_breaker_state", source="discogs") == 0


def test_an_unknown_breaker_state_is_refused_naming_the_valid_ones() -> None:
    with pytest.raises(ValueError, match=r"one of closed, open, half_open \(got 'ajar'\)"):
        metrics.breaker_state("discogs", "ajar")


@pytest.mark.usefixtures("clean_db")
def test_a_worker_message_and_the_queue_depth_show_up_in_the_web_process(
    live_server: str, app_env: dict[str, str], settings: Settings
) -> None:
    succeeded = dict(actor="check_loops", outcome="succeeded")
    before = scrape(live_server)
    jobs = JobQueue(settings)
    try:
        jobs.check_loops([999_999])  # no such mapping: a quick message that succeeds
    finally:
        jobs.broker.close()
    waiting = scrape(live_server)
    assert value(waiting, "worker_queue_messages", queue="loop-checks", state="ready") == 1
    assert value(waiting, "worker_queue_messages", queue="loop-checks", state="delayed") == 0
    with running_worker(app_env):
        figures = wait_until(
            lambda: _grown(live_server, "worker_messages_total", before, **succeeded),
            60,
            "the worker's message counted in /metrics",
            every=0.2,
        )
    assert value(figures, "worker_message_duration_seconds_count", actor="check_loops") >= 1
    assert value(figures, "worker_queue_messages", queue="loop-checks", state="ready") == 0


def test_every_queue_the_worker_consumes_has_its_depth_reported(app_env: dict[str, str]) -> None:
    broker = importlib.import_module("worker.actors").broker
    assert broker.get_declared_queues() == set(QUEUES)


def test_daemon_polls_switches_and_stations_show_up_in_the_web_process(
    live_server: str,
    fake: FakeAzuraCast,
    database_url: str,
    handoff_root: Path,
    start_daemon: Callable[..., DaemonProcess],
) -> None:
    before = scrape(live_server)
    add_station(database_url, "radio", base_url=fake.url, transport="poll", poll_interval=1.0)
    daemon = start_daemon()
    StateDir(handoff_root / "radio").wait_for_title("Warm Up", within=15)
    figures = wait_until(
        lambda: _grown(live_server, "daemon_station_polls_total", before, outcome="ok"),
        15,
        "the daemon's polls counted in /metrics",
        every=0.2,
    )
    assert value(figures, "daemon_stations_watched") == 1
    switched = value(figures, "daemon_loop_switches_total", reason="default")
    assert switched >= value(before, "daemon_loop_switches_total", reason="default") + 1

    fake.fail("500")
    wait_until(
        lambda: _grown(live_server, "daemon_station_polls_total", before, outcome="failed"),
        15,
        "a failed poll counted",
        every=0.2,
    )
    # Killed outright, it cannot say it stopped: the next scrape drops its live gauge.
    daemon.kill()
    after = scrape(live_server)
    assert value(after, "daemon_stations_watched") == 0
    # Its counters stay: they are what happened.
    assert value(after, "daemon_station_polls_total", outcome="ok") >= value(
        figures, "daemon_station_polls_total", outcome="ok"
    )


async def test_the_daemons_periodic_jobs_are_counted_once_per_period(
    live_server: str, resources: Resources
) -> None:
    before = scrape(live_server)
    assert await queue_daily_check(resources)
    assert not await queue_daily_check(resources)  # this day's is queued already
    after = scrape(live_server)
    assert _grew(after, before, "daemon_jobs_queued_total", job="loop_check") == 1


def _grew(after: Figures, before: Figures, name: str, **labels: str) -> float:
    return value(after, name, **labels) - value(before, name, **labels)


def _grown(base_url: str, name: str, before: Figures, **labels: str) -> Figures | None:
    """The scrape when the sample has grown past its value in `before`, else None."""
    figures = scrape(base_url)
    return figures if value(figures, name, **labels) > value(before, name, **labels) else None


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
