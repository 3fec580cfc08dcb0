"""Asking outside services politely: the rules every outbound HTTP client composes.

One module per concern: `backoff` (exponential, jittered), `body` (the capped read), `retry`
(which answers to try again, Retry-After), `pace` (one request in flight per service and a
jittered gap, shared through Redis), `breaker` (stop every process at once: doubling, or
closed/open/half-open), and `policy`, which puts them together for one service; `user_agent`,
the header every client sends.
Nothing here creates a Redis or HTTP client: they are passed in.
"""

from domain.outbound.backoff import Backoff
from domain.outbound.body import BodyTooLarge, read_capped
from domain.outbound.breaker import (
    Breaker,
    BreakerState,
    BreakerStatus,
    CircuitBreaker,
    CircuitOpen,
)
from domain.outbound.pace import Pace, Turn, spacing
from domain.outbound.policy import Answer, OutboundPolicy, RequestFailed
from domain.outbound.retry import Retries, retry_after_seconds

__all__ = [
    "Answer",
    "Backoff",
    "BodyTooLarge",
    "Breaker",
    "BreakerState",
    "BreakerStatus",
    "CircuitBreaker",
    "CircuitOpen",
    "OutboundPolicy",
    "Pace",
    "RequestFailed",
    "Retries",
    "Turn",
    "read_capped",
    "retry_after_seconds",
    "spacing",
]
