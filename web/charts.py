"""Bar charts as inline SVG geometry (no JavaScript), with the words screen readers read: the
dashboard's hours, the discovery statistics' days, weeks and months (templates/charts.html)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

CHART_WIDTH, CHART_HEIGHT, CHART_GAP = 480, 120, 2


@dataclass(frozen=True, slots=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    value: int
    label: str  # "14:00", "2026-12-07", "Dec 2026"


@dataclass(frozen=True, slots=True)
class BarChart:
    """A bar chart: its bars scaled to the highest, a description, and what the labels are."""

    id: str
    title: str
    description: str
    bars: list[Bar]
    total: int
    total_text: str  # what the total covers: "in 24 h"
    peak: int
    axis: str  # the labels' column heading in the table of numbers: "Hour (UTC)"
    label_every: int = 6  # a label under every n-th bar
    width: int = CHART_WIDTH
    height: int = CHART_HEIGHT


def bars(labels: Sequence[str], values: Sequence[int]) -> list[Bar]:
    """One bar per value, side by side, the highest filling the chart's height."""
    peak = max(values, default=0)
    slot = CHART_WIDTH / max(len(values), 1)
    drawn = []
    for n, (label, value) in enumerate(zip(labels, values, strict=True)):
        height = round(CHART_HEIGHT * value / peak, 1) if peak else 0.0
        drawn.append(
            Bar(
                x=round(n * slot + CHART_GAP / 2, 1),
                y=round(CHART_HEIGHT - height, 1),
                width=round(max(slot - CHART_GAP, 1.0), 1),
                height=height,
                value=value,
                label=label,
            )
        )
    return drawn
