"""Tracklists: 1001tracklists pages, hand-made lists, versions and exports (DESIGN.md §5 and §6)."""
