"""The DJ's music collection (issue 12): the audio files under MUSIC_PATH, read, never written.

The files (§1): `tags.py` reads one file (tags, audio properties, the cover as a thumbnail),
`content_hash.py` the identity a renamed file keeps, `status.py` the reading status and its
transitions, `record.py` one file's row as the store takes it and as fronts read it, `store.py`
the seed's operations (save, batch save, get, list, status changes), `roots.py` what may be
scanned, `walk.py` the walk confined to the roots, `inventory.py` the scan's rows (missing,
renamed), `scan.py` the incremental scan, and `scan_job.py` a scan run by the worker with its
progress in Redis. Beside them: `keys.py` the key table, `analysis.py` key and tempo from the
audio, `query.py` the search language and the stored vector's SQL, `exports.py` M3U8 and
Rekordbox XML.
"""
