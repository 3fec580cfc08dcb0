"""The statistics summary: the one set of figures the dashboard's panel and `crateloop stats` show
(mapping totals, play totals, and the loop cache summed over every process)."""

from __future__ import annotations

from dataclasses import dataclass

from domain.loops.cache import CacheStats
from domain.loops.listing import MappingStats
from domain.loops.mapper import TrackMapper
from domain.plays.stats import PlayTotals


@dataclass(frozen=True, slots=True)
class StatsSummary:
    mappings: MappingStats
    plays: PlayTotals
    cache: CacheStats


async def stats_summary(mapper: TrackMapper) -> StatsSummary:
    """Mapping totals and the most played, the plays recorded, and every process's cache."""
    return StatsSummary(
        mappings=await mapper.get_stats(),
        plays=await mapper.play_totals(),
        cache=await mapper.shared_cache_stats(),
    )
