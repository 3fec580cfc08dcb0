"""The statistics summary: the one set of figures the dashboard's panel and `crateloop stats` show
(mapping totals, play totals, and the loop cache summed over every process). It lives with the
plays, above the loops it reads: the loops service knows nothing of plays."""

from __future__ import annotations

from dataclasses import dataclass

from domain.db import Sessions
from domain.loops.cache import CacheStats
from domain.loops.listing import MappingStats
from domain.loops.mapper import TrackMapper
from domain.plays.stats import PlayTotals, play_totals


@dataclass(frozen=True, slots=True)
class StatsSummary:
    mappings: MappingStats
    plays: PlayTotals
    cache: CacheStats


async def stats_summary(mapper: TrackMapper, reads: Sessions) -> StatsSummary:
    """Mapping totals and the most played, the plays recorded (read through `reads`), and every
    process's cache."""
    return StatsSummary(
        mappings=await mapper.get_stats(),
        plays=await play_totals(reads),
        cache=await mapper.shared_cache_stats(),
    )
