"""Tracklists: 1001tracklists pages, hand-made lists, versions and exports."""
