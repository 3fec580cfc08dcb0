"""The DJ's music collection (issue 12 §1): the audio files under MUSIC_PATH, read, never written.

`tags.py` reads one file (tags, audio properties, the cover as a thumbnail), `content_hash.py`
the identity a renamed file keeps, `status.py` the reading status and its transitions,
`record.py` one file's row as the store takes it, `store.py` the seed's operations (save, batch
save, get, list, status changes), `roots.py` paths confined to the MUSIC_PATH roots, `scan.py`
the incremental walk, and `scan_job.py` a scan run by the worker with its progress in Redis.
"""
