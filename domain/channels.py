"""Every Redis channel and key that two processes agree on, named once.

Both sides import these functions: the daemon publishes on `station_events` what the web process
listens to, the web process publishes webhooks on `webhook` for the daemon, and so on. Each name
lives under the installation's own namespace (`Settings.channel`), so installations and test runs
sharing one Redis never hear each other. docs/architecture.md lists who writes and who reads each.
"""

from __future__ import annotations

from domain.config import Settings


def text(value: bytes | str) -> str:
    """A value read from Redis as text (the clients here do not decode responses)."""
    return value.decode() if isinstance(value, bytes) else value


# Channels (pub/sub) ------------------------------------------------------------------------------


def station_events(settings: Settings, slug: str) -> str:
    """Daemon → web: a station's switches and health (`domain.stations.events.StationEvent`)."""
    return settings.channel(f"station:{slug}")


def station_events_prefix(settings: Settings) -> str:
    """What every `station_events` channel starts with (the web process listens to them all)."""
    return settings.channel("station:")


def webhook(settings: Settings, slug: str) -> str:
    """Web → daemon: a now-playing webhook body AzuraCast posted for this station."""
    return settings.channel(f"webhook:{slug}")


def stations_changed(settings: Settings) -> str:
    """Web and CLI → daemon: a station was added, changed or removed (`STATIONS_CHANGED`)."""
    return settings.channel("stations")


STATIONS_CHANGED = '{"event": "stations-changed"}'


def mapping_changes(settings: Settings) -> str:
    """Any process → every process: these track keys' loops changed, forget cached ones."""
    return settings.channel("mapping-changes")


def tracklist_import(settings: Settings, job_id: int) -> str:
    """Worker → web: an import job's status changed (the import page's live status line)."""
    return settings.channel(f"tracklists:imports:{job_id}")


def library_identify_events(settings: Settings, job_id: str) -> str:
    """Worker → web and CLI: an identification job's progress changed
    (`domain.library.identify.Progress.to_json()`)."""
    return settings.channel(f"library:identify:events:{job_id}")


# Keys ---------------------------------------------------------------------------------------------


def loop_cache_counters(settings: Settings) -> str:
    """A hash: the resolution cache's `hits` and `misses`, summed over every process."""
    return settings.channel("loop-cache:counters")


def loop_cache_sizes(settings: Settings) -> str:
    """A hash: each process's resolution cache size and when it said so (`SIZE UNIX_TIME`)."""
    return settings.channel("loop-cache:sizes")


def statistics_refresh(settings: Settings) -> str:
    """Set (with an expiry) while a refresh of the discovery statistics is asked for, so many
    readers of a stale snapshot ask the worker once."""
    return settings.channel("discovery-statistics:refresh")


def setup_token(settings: Settings) -> str:
    """The one-time token that creates the first account (web writes it, web checks it)."""
    return settings.channel("setup-token")


def login_throttle(settings: Settings) -> str:
    """The prefix of the failed-login counters."""
    return settings.channel("login")


def web_sessions(settings: Settings) -> str:
    """The namespace of the web process's server-side sessions."""
    return settings.channel("sessions")


def daily_loop_check(settings: Settings) -> str:
    """Taken (SET NX) by the one daemon that queues today's check of every loop."""
    return settings.channel("daily-loop-check")


def job_queues(settings: Settings) -> str:
    """The namespace of the job queue's keys (Dramatiq's Redis broker)."""
    return settings.channel("dramatiq")


def tracklists_site(settings: Settings, name: str) -> str:
    """The 1001tracklists client's shared state: `gate:lock`, `gate:next`, `breaker`,
    `robots:<origin>` and the page caches (`page:<digest>`…), shared by web, worker and CLI."""
    return settings.channel(f"tracklists:{name}")


def musicbrainz(settings: Settings, name: str) -> str:
    """The MusicBrainz client's shared state: `pace:lock`, `pace:next`, `breaker` and the answer
    cache (`search:<digest>`, `recording:<mbid>`, `isrc:<isrc>`), shared by every process."""
    return settings.channel(f"musicbrainz:{name}")


def discogs(settings: Settings, name: str) -> str:
    """The Discogs client's shared state: `pace:lock`, `pace:next`, `breaker`, the answer cache
    (`search:<digest>`, `release:<id>`) and `token-refused` (the UI shows it until fixed)."""
    return settings.channel(f"discogs:{name}")


def library_identify(settings: Settings, job_id: str) -> str:
    """An identification job's progress: a hash (tracklist_id, version, total), the set
    `<key>:done` of row indexes identified and the hash `<key>:waiting` (row index → the service
    it waits for). Written by the worker, read by web and CLI."""
    return settings.channel(f"library:identify:{job_id}")


def discogs_wants_import(settings: Settings, job_id: str) -> str:
    """A Discogs want-list import: a hash (user_id, username, state, counts, message) and
    `<key>:wants`, the wanted releases as read at its start (JSON). Written by the worker, read by
    web and CLI (domain/library/discogs_wants.py)."""
    return settings.channel(f"library:discogs-wants:{job_id}")


def discogs_wants_latest(settings: Settings, user_id: int) -> str:
    """The id of a user's latest Discogs want-list import (the Want-list page shows it)."""
    return settings.channel(f"library:discogs-wants:user:{user_id}")


# Pins ("Switch now") -----------------------------------------------------------------------------


def pins_changed(settings: Settings) -> str:
    """Web → daemon (channel): a station's pin was set or removed; the message is its slug."""
    return settings.channel("pins")


def station_pin(settings: Settings, slug: str) -> str:
    """A station's pin (`domain.stations.pins.Pin` as JSON), kept without expiry until unpinned,
    so a daemon that was down reads it at start."""
    return settings.channel(f"pin:{slug}")


def station_artwork(settings: Settings, digest: str) -> str:
    """A station's now-playing artwork as the web fetched it, by the sha256 of its URL (cached
    for an hour, a failure for a minute), shared by every web process."""
    return settings.channel(f"artwork:{digest}")


def collection_scan(settings: Settings, job_id: str) -> str:
    """A collection scan's progress: a hash (state, folder, full, done, total, summary JSON,
    message). Written by the worker, read by the CLI (domain/collection/scan_job.py)."""
    return settings.channel(f"collection:scan:{job_id}")


def collection_scan_latest(settings: Settings) -> str:
    """The id of the latest collection scan started, by anyone (the Collection page shows it)."""
    return settings.channel("collection:scan-latest")


def collection_scan_running(settings: Settings) -> str:
    """Held (SET NX, renewed while it runs) by the one scan running: scans never overlap."""
    return settings.channel("collection:scan-running")


def collection_analysis_queued(settings: Settings, file_id: int) -> str:
    """Set (SET NX, six hours) when a file is queued for analysis, so scans do not queue it twice
    (domain/collection/analyse_job.py)."""
    return settings.channel(f"collection:analysis-queued:{file_id}")


def collection_analysis_off(settings: Settings) -> str:
    """Why audio analysis is off (essentia cannot be loaded), kept a day: nothing is queued."""
    return settings.channel("collection:analysis-off")


def collection_scan_schedule(settings: Settings) -> str:
    """Taken (SET NX) by the one daemon that queues this period's collection scan."""
    return settings.channel("collection:scan-schedule")


def collection_matching_mark(settings: Settings) -> str:
    """When the library tracks were last matched against the collection (an ISO time): tracks
    changed since are matched (domain/collection/matching.py)."""
    return settings.channel("collection:matching-mark")


# Enrichment ---------------------------------------------------------------------------------------


def music_api(settings: Settings, source: str, name: str) -> str:
    """An enrichment API's shared state (`source` "deezer", "lastfm", "spotify", "musicbrainz",
    "discogs"): `pace:lock`/`pace:next` (Deezer, Last.fm, Spotify; MusicBrainz and Discogs keep
    the pace identification uses), `breaker` (closed/open/half-open) and, for Spotify,
    `audio-features-off` (set for good once Spotify answered 403)."""
    return settings.channel(f"api:{source}:{name}")


def api_tally(settings: Settings) -> str:
    """A hash: every outside API's calls by outcome and answer cache hits and misses, summed over
    every process (`<source>:calls`, `<source>:ok`, `<source>:hits`…: domain/outbound/tally.py)."""
    return settings.channel("api:tally")


def enrichment_job(settings: Settings, job_id: str) -> str:
    """An enrichment job's progress: a hash (state, total, done, completed, partial, failed,
    message) written by the worker as each batch ends, read by web and CLI
    (domain/enrichment/job.py)."""
    return settings.channel(f"enrichment:job:{job_id}")


def enrichment_schedule(settings: Settings) -> str:
    """Taken (SET NX) by the one daemon that queues this period's enrichment."""
    return settings.channel("enrichment:schedule")
