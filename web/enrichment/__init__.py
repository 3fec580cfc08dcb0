"""Enrichment's fronts: the JSON API (`api.py`) and the Sources page with its coverage and the
items' "Enrich now" buttons (`pages.py`)."""
