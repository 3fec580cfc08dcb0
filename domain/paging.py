"""Pages of a listing: one rule for how many there are."""

from __future__ import annotations


def page_count(total: int, per_page: int) -> int:
    """How many pages `total` rows make at `per_page` a page (at least one, even when empty)."""
    return max(1, -(-total // per_page))
