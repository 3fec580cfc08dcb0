"""Which items enrichment takes: by reference, every pending one, every one, or those due again
(the daemon's pick: pending, failed fewer than MAX_RETRIES times, partial and last tried more
than RETRY_PARTIAL_AFTER ago, or left `in_progress` by a worker that died)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Literal

from sqlalchemy import ColumnElement, and_, or_, select

from domain.db import Sessions
from domain.enrichment.items import CLAIM_SECONDS, MODELS, ItemKind, ItemRef
from domain.models import CollectionFile, EnrichmentStatus, LibraryTrack
from domain.validation import InputError

MAX_RETRIES = 3
RETRY_PARTIAL_AFTER = timedelta(hours=24)
DUE_LIMIT = 100
ITEMS_MAX = 10_000  # items named in one request (API, CLI); "pending" and "all" have no limit

Which = Sequence[ItemRef] | Sequence[str] | Literal["pending", "all"]


async def items_of(sessions: Sessions, which: Which) -> list[ItemRef]:
    """The items `which` names: refs (or their text), "pending" or "all". Named items must
    exist: InputError("items") names the first missing one; nothing is queued then."""
    if which == "pending":
        return await _select(sessions, lambda model: model.enrichment_status == "pending")
    if which == "all":
        return await _select(sessions, lambda model: model.id.is_not(None))
    if len(which) > ITEMS_MAX:
        raise InputError("items", f"at most {ITEMS_MAX:,} items at a time, not {len(which):,}")
    refs = sorted({ref if isinstance(ref, ItemRef) else ItemRef.parse(ref) for ref in which})
    if not refs:
        raise InputError("items", "name at least one item (library:<id> or collection:<id>)")
    for kind in ItemKind:
        wanted = {ref.id for ref in refs if ref.kind is kind}
        if not wanted:
            continue
        model = MODELS[kind]
        async with sessions() as session:
            found = set(await session.scalars(select(model.id).where(model.id.in_(wanted))))
        missing = sorted(wanted - found)
        if missing:
            raise InputError("items", f"there is no {kind.value}:{missing[0]}")
    return refs


async def due_items(sessions: Sessions, limit: int = DUE_LIMIT) -> list[ItemRef]:
    """Up to `limit` items due for enrichment, the longest waiting first, library tracks then
    collection files."""
    before = datetime.now(UTC) - RETRY_PARTIAL_AFTER
    picked: list[ItemRef] = []
    for kind in ItemKind:
        if len(picked) >= limit:
            break
        model = MODELS[kind]
        status = model.enrichment_status
        abandoned = datetime.now(UTC) - timedelta(seconds=CLAIM_SECONDS)
        due = or_(
            and_(status == EnrichmentStatus.IN_PROGRESS, model.last_attempt < abandoned),
            status == EnrichmentStatus.PENDING,
            and_(status == EnrichmentStatus.FAILED, model.enrichment_retry_count < MAX_RETRIES),
            and_(
                status == EnrichmentStatus.PARTIAL,
                or_(model.last_attempt.is_(None), model.last_attempt < before),
            ),
        )
        query = select(model.id).where(due, *_present(kind))
        query = query.order_by(model.last_attempt.asc().nulls_first(), model.id)
        async with sessions() as session:
            ids = await session.scalars(query.limit(limit - len(picked)))
            picked += [ItemRef(kind, item_id) for item_id in ids]
    return picked


def _present(kind: ItemKind) -> tuple[ColumnElement[bool], ...]:
    """A collection file marked missing is not enriched."""
    return (CollectionFile.missing.is_(False),) if kind is ItemKind.COLLECTION else ()


Condition = Callable[[type[LibraryTrack] | type[CollectionFile]], ColumnElement[bool]]


async def _select(sessions: Sessions, where: Condition) -> list[ItemRef]:
    refs: list[ItemRef] = []
    for kind in ItemKind:
        model = MODELS[kind]
        async with sessions() as session:
            ids = await session.scalars(
                select(model.id).where(where(model), *_present(kind)).order_by(model.id)
            )
            refs += [ItemRef(kind, item_id) for item_id in ids]
    return refs
