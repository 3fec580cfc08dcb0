"""The closed / open / half-open breaker (domain/outbound/breaker.py CircuitBreaker) against real
Redis: two clients stand for two processes sharing one breaker. The window is a second, and every
wait polls for the state instead of sleeping a guessed time.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta

import pytest
import redis.asyncio as aioredis

from domain.config import Settings
from domain.outbound import BreakerState, CircuitBreaker, CircuitOpen
from tests.waiting import wait_until_async

WINDOW = 1.0


@pytest.fixture
async def breakers(settings: Settings, key: str) -> AsyncIterator[Callable[[], CircuitBreaker]]:
    """Makes breakers on one key, each with its own Redis connection (another process's)."""
    made: list[aioredis.Redis] = []

    def breaker() -> CircuitBreaker:
        made.append(aioredis.Redis.from_url(settings.redis_url, socket_timeout=5))
        return CircuitBreaker(made[-1], f"{key}:breaker", name="test", window_seconds=WINDOW)

    yield breaker
    for each in made:
        await each.aclose()


async def _half_open(breaker: CircuitBreaker) -> bool:
    return (await breaker.status()).state is BreakerState.HALF_OPEN


async def test_five_failures_in_a_row_open_it_for_every_process(
    breakers: Callable[[], CircuitBreaker],
) -> None:
    one, other = breakers(), breakers()
    for _ in range(4):
        await one.failed()
    status = await other.status()
    assert status.state is BreakerState.CLOSED and status.failures == 4
    await other.raise_if_open()  # four are not enough

    await other.failed()
    status = await one.status()
    assert status.state is BreakerState.OPEN and status.failures == 5
    assert status.open_until is not None
    assert timedelta(0) < status.open_until - datetime.now(UTC) <= timedelta(seconds=WINDOW + 0.1)
    with pytest.raises(CircuitOpen):
        await one.raise_if_open()


async def test_a_success_between_failures_starts_the_count_again(
    breakers: Callable[[], CircuitBreaker],
) -> None:
    breaker = breakers()
    for _ in range(4):
        await breaker.failed()
    await breaker.succeeded()
    for _ in range(4):
        await breaker.failed()
    assert (await breaker.status()).state is BreakerState.CLOSED


async def test_after_the_window_it_is_half_open_and_two_successes_close_it(
    breakers: Callable[[], CircuitBreaker],
) -> None:
    one, other = breakers(), breakers()
    for _ in range(5):
        await one.failed()
    await wait_until_async(lambda: _half_open(other), 3 * WINDOW, "the breaker to turn half-open")
    await other.raise_if_open()  # half-open: requests go through

    await one.succeeded()
    assert (await other.status()).state is BreakerState.HALF_OPEN, "one success is not enough"
    await other.succeeded()
    status = await one.status()
    assert status.state is BreakerState.CLOSED and status.failures == 0


async def test_a_failure_while_half_open_opens_it_again(
    breakers: Callable[[], CircuitBreaker],
) -> None:
    breaker = breakers()
    await breaker.trip()
    assert (await breaker.status()).state is BreakerState.OPEN
    await wait_until_async(lambda: _half_open(breaker), 3 * WINDOW, "half-open")
    await breaker.succeeded()
    await breaker.failed()  # one failure is enough here, whatever the count
    status = await breaker.status()
    assert status.state is BreakerState.OPEN and status.open_until is not None


async def test_a_long_retry_after_opens_it_until_that_time(
    breakers: Callable[[], CircuitBreaker],
) -> None:
    breaker = breakers()
    later = datetime.now(UTC) + timedelta(hours=3)
    until = await breaker.trip(at_least_until=later)
    assert abs((until - later).total_seconds()) < 0.01
    status = await breakers().status()
    assert status.state is BreakerState.OPEN and status.open_until == until
    # Failures while it is open add nothing and do not shorten it.
    await breaker.failed()
    assert (await breaker.status()).open_until == until
