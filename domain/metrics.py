"""The figures an operator graphs (issue 12 §4): what the enrichment waterfall counts.

The enrichment code calls these functions; they record into prometheus-client metrics shared by
the web, worker and daemon processes (multi-process mode), served by `GET /metrics`.
"""

from __future__ import annotations


def api_call(source: str, outcome: str, seconds: float) -> None:
    """One request to an outside API (`source` "musicbrainz", "deezer"…): `outcome` is "ok",
    "not_found", "error", "rate_limited" or "circuit_open"; `seconds` how long it took.
    Feeds `api_calls_total{source,outcome}` and `api_response_time_seconds{source}`."""


def cache_lookup(source: str, *, hit: bool) -> None:
    """One read of the API answer cache: `enrichment_cache_hits_total{source}` or
    `enrichment_cache_misses_total{source}`."""


def breaker_state(source: str, state: str) -> None:
    """A breaker's state now ("closed", "open", "half_open"): `circuit_breaker_state{source}`
    (0 closed, 1 open, 2 half-open)."""


def enrichment_task(outcome: str) -> None:
    """One item's enrichment ended: `enrichment_tasks_total{outcome}` with "completed",
    "partial", "failed" or "skipped"."""


def track_enriched(kind: str, seconds: float) -> None:
    """One item (`kind` "library" or "collection") came out of the waterfall with something new:
    `tracks_enriched_total{kind}`; `seconds` the whole waterfall took for it:
    `enrichment_duration_seconds`."""
