"""The collection status machine, every pair of states: only the four transitions of issue 12 §1
are allowed, and a refusal names both states."""

from __future__ import annotations

import pytest

from domain.collection.status import IllegalTransition, parse_status, transition
from domain.models import CollectionStatus
from domain.validation import InputError

P, R, C, F = (
    CollectionStatus.PENDING,
    CollectionStatus.PROCESSING,
    CollectionStatus.COMPLETED,
    CollectionStatus.FAILED,
)
ALLOWED = {(P, R), (R, C), (R, F), (F, P)}
PAIRS = [(current, target) for current in CollectionStatus for target in CollectionStatus]


@pytest.mark.parametrize(("current", "target"), PAIRS, ids=[f"{a}-{b}" for a, b in PAIRS])
def test_every_pair_of_states(current: CollectionStatus, target: CollectionStatus) -> None:
    if (current, target) in ALLOWED:
        change = transition(current, target, retry_count=2, error="boom")
        assert change.status is target
        return
    with pytest.raises(IllegalTransition) as refused:
        transition(current, target, retry_count=2, error="boom")
    assert refused.value.field == "status"
    assert f"{current.value} file cannot become {target.value}" in str(refused.value)


def test_failing_keeps_the_reason_and_the_count() -> None:
    change = transition(R, F, retry_count=1, error="  permission denied  ")
    assert (change.error, change.retry_count) == ("permission denied", 1)


def test_failing_needs_a_reason() -> None:
    with pytest.raises(InputError) as refused:
        transition(R, F, retry_count=0, error="  ")
    assert refused.value.field == "error"


def test_reprocessing_clears_the_reason_and_counts_the_retry() -> None:
    change = transition(F, P, retry_count=1, error="ignored")
    assert (change.status, change.error, change.retry_count) == (P, None, 2)


def test_completing_clears_the_reason() -> None:
    assert transition(R, C, retry_count=3).error is None


def test_a_status_name_is_checked() -> None:
    assert parse_status("status", " Failed ") is F
    with pytest.raises(InputError) as refused:
        parse_status("status", "done")
    assert str(refused.value) == (
        "status is 'done': use one of pending, processing, completed, failed"
    )
