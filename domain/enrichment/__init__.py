"""Enrichment: what the music databases know of each library track and collection file.

`api_cache` (answers in PostgreSQL), `clients` (Deezer, Last.fm, Spotify, and the MusicBrainz and
Discogs clients of domain/library made for enrichment), `waterfall` (one item through every
source in order), `job` (batches of items queued to the worker, their progress in Redis),
`pick` (which items the daemon queues), `coverage` and `sources` (the figures pages show).
"""
