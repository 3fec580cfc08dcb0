"""Waiting in tests for a condition, never for a fixed time: the one polling loop of the suite.

A test that sleeps a guessed number of seconds is slow when the guess is generous and flaky
when the machine is busy; these return as soon as the condition holds and fail naming it.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar, cast

T = TypeVar("T")

EVERY = 0.02  # seconds between two checks: quick, and still idle most of the time


def wait_until(
    predicate: Callable[[], T],
    within: float = 5.0,
    message: str = "the condition",
    *,
    every: float = EVERY,
) -> T:
    """Call `predicate` until it returns something truthy and return that; fail naming
    `message` when it has not within `within` seconds."""
    deadline = time.monotonic() + within
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{message}: not within {within} s (last: {value!r})")
        time.sleep(every)


async def wait_until_async(
    predicate: Callable[[], T | Awaitable[T]],
    within: float = 5.0,
    message: str = "the condition",
    *,
    every: float = EVERY,
) -> T:
    """`wait_until` for async tests: the event loop runs meanwhile, and `predicate` may be a
    coroutine function (a database query, a request)."""
    deadline = time.monotonic() + within
    while True:
        answer = predicate()
        value = cast(T, await answer if inspect.isawaitable(answer) else answer)
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{message}: not within {within} s (last: {value!r})")
        await asyncio.sleep(every)
