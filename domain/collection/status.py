"""A collection file's reading status and the only transitions it may take (issue 12 §1).

    PENDING → PROCESSING → COMPLETED
                         → FAILED → PENDING (reprocess)

A FAILED file keeps its reason (`error`) and how often it was retried. Reprocessing (FAILED →
PENDING) clears the reason and adds one to `retry_count`, so a file that fails again and again
shows how often it was tried; nothing resets the count but new content. A scan that finds new
content at a path starts a new reading (not a transition of the old one): its status is that
reading's, COMPLETED or FAILED, with `retry_count` 0.
"""

from __future__ import annotations

from dataclasses import dataclass

from domain.models import CollectionStatus
from domain.validation import InputError

ERROR_MAX = 2000

TRANSITIONS: dict[CollectionStatus, frozenset[CollectionStatus]] = {
    CollectionStatus.PENDING: frozenset({CollectionStatus.PROCESSING}),
    CollectionStatus.PROCESSING: frozenset({CollectionStatus.COMPLETED, CollectionStatus.FAILED}),
    CollectionStatus.COMPLETED: frozenset(),
    CollectionStatus.FAILED: frozenset({CollectionStatus.PENDING}),
}


class IllegalTransition(InputError):
    """A status change the machine does not allow; the message names both states."""

    def __init__(
        self, current: CollectionStatus, target: CollectionStatus, file_id: int | None = None
    ) -> None:
        allowed = sorted(TRANSITIONS[current])
        then = ", ".join(state.value for state in allowed) if allowed else "nothing (it is final)"
        which = f"file {file_id} is {current.value}: it" if file_id else f"a {current.value} file"
        super().__init__(
            "status",
            f"{which} cannot become {target.value}: from {current.value} it may become {then}",
        )
        self.current = current
        self.target = target


@dataclass(frozen=True, slots=True)
class StatusChange:
    """What a legal transition writes."""

    status: CollectionStatus
    error: str | None
    retry_count: int


def parse_status(field: str, raw: str | CollectionStatus) -> CollectionStatus:
    """A status named by a person or a script; refused with the four valid names."""
    text = raw.value if isinstance(raw, CollectionStatus) else raw.strip().lower()
    try:
        return CollectionStatus(text)
    except ValueError:
        valid = ", ".join(state.value for state in CollectionStatus)
        raise InputError(field, f"{field} is {raw[:40]!r}: use one of {valid}") from None


def transition(
    current: CollectionStatus,
    target: CollectionStatus,
    *,
    retry_count: int,
    error: str | None = None,
) -> StatusChange:
    """The row's status, reason and retry count after moving from `current` to `target`;
    IllegalTransition for a move the machine does not allow. FAILED needs its reason."""
    if target not in TRANSITIONS[current]:
        raise IllegalTransition(current, target)
    reason = (error or "").replace("\x00", "").strip()[:ERROR_MAX] or None
    if target is CollectionStatus.FAILED:
        if reason is None:
            raise InputError("error", "a failed file needs the reason it failed (error)")
        return StatusChange(target, reason, retry_count)
    if target is CollectionStatus.PENDING:  # reprocessing: a fresh start, counted
        return StatusChange(target, None, retry_count + 1)
    return StatusChange(target, None, retry_count)
