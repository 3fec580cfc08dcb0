"""The figures an operator graphs (issue 12 §4): what the enrichment waterfall, the web requests,
the worker's messages and the daemon's stations count.

Fronts and the enrichment code call these functions; they record into prometheus-client metrics
shared by the web, worker and daemon processes (multi-process mode, `domain/metrics_dir.py`),
served by `GET /metrics` (`domain/metrics_scrape.py`). The metrics are made on first use, once
the folder is chosen: prometheus-client decides where values live when it is imported.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from domain import metrics_dir

if TYPE_CHECKING:
    from prometheus_client import Counter, Gauge, Histogram

BREAKER_STATES = {"closed": 0, "open": 1, "half_open": 2}
# Seconds: one outside request; one item through the whole waterfall; one worker message.
API_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
WATERFALL_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0)
MESSAGE_BUCKETS = (0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0)
REQUEST_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


@dataclass(frozen=True, slots=True)
class Figures:
    """Every metric, made once per process."""

    api_calls: Counter
    api_response_time: Histogram
    cache_hits: Counter
    cache_misses: Counter
    breaker_state: Gauge
    enrichment_tasks: Counter
    tracks_enriched: Counter
    enrichment_duration: Histogram
    http_requests: Counter
    http_request_duration: Histogram
    worker_messages: Counter
    worker_message_duration: Histogram
    station_polls: Counter
    loop_switches: Counter
    stations_watched: Gauge
    jobs_queued: Counter


@cache
def figures() -> Figures:
    """This process's metrics, writing to the shared folder."""
    metrics_dir.use()
    from prometheus_client import Counter, Gauge, Histogram, values

    if not values.ValueClass._multiprocess:
        raise RuntimeError(
            "prometheus_client was imported before domain.metrics_dir.use() chose its folder:"
            " this process's figures would not reach /metrics"
        )
    return Figures(
        api_calls=Counter(
            "api_calls", "Requests to outside APIs, by outcome", ["source", "outcome"]
        ),
        api_response_time=Histogram(
            "api_response_time_seconds",
            "Outside API response time",
            ["source"],
            buckets=API_BUCKETS,
        ),
        cache_hits=Counter("enrichment_cache_hits", "API answers read from the cache", ["source"]),
        cache_misses=Counter("enrichment_cache_misses", "API answers not in the cache", ["source"]),
        # The breakers are shared through Redis: the latest state any process saw is the state.
        breaker_state=Gauge(
            "circuit_breaker_state",
            "Circuit breaker: 0 closed, 1 open, 2 half-open",
            ["source"],
            multiprocess_mode="mostrecent",
        ),
        enrichment_tasks=Counter(
            "enrichment_tasks", "Items whose enrichment ended, by outcome", ["outcome"]
        ),
        tracks_enriched=Counter(
            "tracks_enriched", "Items the waterfall found something new for", ["kind"]
        ),
        enrichment_duration=Histogram(
            "enrichment_duration_seconds", "One item's whole waterfall", buckets=WATERFALL_BUCKETS
        ),
        http_requests=Counter(
            "http_requests", "Web requests answered", ["method", "route", "status"]
        ),
        http_request_duration=Histogram(
            "http_request_duration_seconds",
            "Web request duration",
            ["method", "route"],
            buckets=REQUEST_BUCKETS,
        ),
        worker_messages=Counter(
            "worker_messages", "Worker messages processed, by outcome", ["actor", "outcome"]
        ),
        worker_message_duration=Histogram(
            "worker_message_duration_seconds",
            "Worker message duration",
            ["actor"],
            buckets=MESSAGE_BUCKETS,
        ),
        station_polls=Counter(
            "daemon_station_polls", "Now-playing polls of stations, by outcome", ["outcome"]
        ),
        loop_switches=Counter(
            "daemon_loop_switches", "Loops handed to the encoder, by how chosen", ["reason"]
        ),
        stations_watched=Gauge(
            "daemon_stations_watched",
            "Stations the running daemons lead",
            multiprocess_mode="livesum",
        ),
        jobs_queued=Counter(
            "daemon_jobs_queued", "Periodic jobs the daemon queued for the worker", ["job"]
        ),
    )


# Enrichment -------------------------------------------------------------------------------------


def api_call(source: str, outcome: str, seconds: float) -> None:
    """One request to an outside API (`source` "musicbrainz", "deezer"…): `outcome` is "ok",
    "not_found", "error", "rate_limited" or "circuit_open"; `seconds` how long it took.
    Feeds `api_calls_total{source,outcome}` and `api_response_time_seconds{source}`."""
    found = figures()
    found.api_calls.labels(source, outcome).inc()
    found.api_response_time.labels(source).observe(seconds)


def cache_lookup(source: str, *, hit: bool) -> None:
    """One read of the API answer cache: `enrichment_cache_hits_total{source}` or
    `enrichment_cache_misses_total{source}`."""
    found = figures()
    (found.cache_hits if hit else found.cache_misses).labels(source).inc()


def breaker_state(source: str, state: str) -> None:
    """A breaker's state now ("closed", "open", "half_open"): `circuit_breaker_state{source}`
    (0 closed, 1 open, 2 half-open)."""
    if state not in BREAKER_STATES:
        raise ValueError(
            f"breaker state must be one of {', '.join(BREAKER_STATES)} (got {state!r})"
        )
    figures().breaker_state.labels(source).set(BREAKER_STATES[state])


def enrichment_task(outcome: str) -> None:
    """One item's enrichment ended: `enrichment_tasks_total{outcome}` with "completed",
    "partial", "failed" or "skipped"."""
    figures().enrichment_tasks.labels(outcome).inc()


def track_enriched(kind: str, seconds: float) -> None:
    """One item (`kind` "library" or "collection") came out of the waterfall with something new:
    `tracks_enriched_total{kind}`; `seconds` the whole waterfall took for it:
    `enrichment_duration_seconds`."""
    found = figures()
    found.tracks_enriched.labels(kind).inc()
    found.enrichment_duration.observe(seconds)


# Web, worker, daemon ----------------------------------------------------------------------------


def http_request(method: str, route: str, status: int, seconds: float) -> None:
    """One web request answered: `route` is the route's template ("/loops/{mapping_id}"), never
    the path asked for, so the series stay as few as the routes."""
    found = figures()
    found.http_requests.labels(method, route, str(status)).inc()
    found.http_request_duration.labels(method, route).observe(seconds)


def worker_message(actor: str, outcome: str, seconds: float) -> None:
    """One worker message processed: `outcome` "succeeded", "failed" or "skipped"."""
    found = figures()
    found.worker_messages.labels(actor, outcome).inc()
    found.worker_message_duration.labels(actor).observe(seconds)


def station_poll(*, answered: bool) -> None:
    """One now-playing poll of a station: `daemon_station_polls_total{outcome}` "ok" or
    "failed"."""
    figures().station_polls.labels("ok" if answered else "failed").inc()


def loop_switch(reason: str) -> None:
    """One loop handed to the encoder, `reason` how it was chosen (mapped, default, manual…)."""
    figures().loop_switches.labels(reason).inc()


def stations_watched(count: int) -> None:
    """How many stations this daemon leads now (summed over the running daemons)."""
    figures().stations_watched.set(count)


def job_queued(job: str) -> None:
    """The daemon queued a periodic job (`job` "loop_check", "collection_scan"…)."""
    figures().jobs_queued.labels(job).inc()
