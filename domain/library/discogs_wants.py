"""Import a Discogs want-list into a user's want-list (issue 11 §5), when DISCOGS_TOKEN is set.

Discogs wants are releases; crateloop's want-list holds tracks. Every track of a wanted release
becomes a library track (joined by the library's rules, so a track already heard in a mix is that
track) and a want-list item whose notes name the release ("Discogs want: Moderat - II [MTR 002]",
then the want's own notes). A track already on the list is left as it is, so importing again adds
only what is new.

A job runs in the worker: its first message reads the whole want-list (every page) and keeps it
with the job; each message then imports the next CHUNK_RELEASES releases (one `/releases/{id}`
request each, at Discogs's pace, cached 30 days) and queues the next. While Discogs is away
(breaker open, 429, 5xx) the job waits and carries on where it stopped, up to MAX_ATTEMPTS times;
a refused token, an unknown user or a full want-list ends it with a message that says what to do.
Its progress is a Redis hash that the pages and the CLI poll ("12 / 40 releases, 31 tracks added").
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

import redis.asyncio as aioredis

from domain import channels
from domain.config import Settings
from domain.library import wants
from domain.library.discogs import (
    REFUSED_NOTICE,
    DiscogsClient,
    DiscogsNotConfigured,
    DiscogsTokenRefused,
    discogs_username,
)
from domain.library.identify import keep_candidate
from domain.library.lookups import LookupFailed
from domain.resources import Resources
from domain.validation import InputError

log = logging.getLogger(__name__)

CHUNK_RELEASES = 50  # releases per worker message: about a minute at Discogs's pace
MAX_ATTEMPTS = 10  # Discogs failures in a row before the import gives up
WAIT_SECONDS = 60.0  # when a failure names no time to try again
PROGRESS_TTL = 7 * 24 * 3600
# One message at a time per job: a second delivery waits this long (a part's longest run, the
# worker's time limit) and tries again, so a worker that died mid-part delays the import only.
PART_SECONDS = CHUNK_RELEASES * 5 + 120
NOT_CONFIGURED = "set DISCOGS_TOKEN to import a Discogs want-list"
STOPPED = "Stopped by you; what was added stays."


class ImportState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    WAITING = "waiting"  # for Discogs, after a failure; it carries on by itself
    DONE = "done"
    FAILED = "failed"


class WantsImportNotFound(LookupError):
    """No such import for this user (another user's import is not theirs to see)."""


@dataclass(frozen=True, slots=True)
class WantsImport:
    """An import's progress as saved in Redis."""

    job_id: str
    user_id: int
    username: str
    state: ImportState
    total: int = 0  # releases on the Discogs want-list (0 until read)
    done: int = 0  # releases imported
    added: int = 0  # tracks put on the want-list
    present: int = 0  # tracks that were on it already
    empty: int = 0  # releases Discogs has no tracks for (or no longer has)
    attempts: int = 0  # Discogs failures in a row
    message: str = ""  # why it waits or failed

    @property
    def finished(self) -> bool:
        return self.state in (ImportState.DONE, ImportState.FAILED)

    @property
    def text(self) -> str:
        """ "12 / 40 releases of dj-someone's Discogs want-list: 31 tracks added, 4 already on
        your want-list" and, while waiting or failed, why."""
        if self.state is ImportState.QUEUED:
            return f"Importing {self.username}'s Discogs want-list: queued"
        if self.state is ImportState.DONE and not self.total:
            return f"{self.username}'s Discogs want-list is empty: nothing to import."
        counts = f"{self.done} / {self.total} releases" if self.total else "reading the want-list"
        found = [f"{_count(self.added, 'track')} added"]
        if self.present:
            found.append(f"{self.present} already on your want-list")
        if self.empty:
            found.append(f"{_count(self.empty, 'release')} without tracks")
        shown = f"{self.username}'s Discogs want-list, {counts}: {', '.join(found)}"
        if self.state is ImportState.DONE:
            return f"Imported {shown}."
        if self.state is ImportState.FAILED:
            return f"Stopped importing {shown}. {self.message}"
        return f"Importing {shown}" + (f". {self.message}" if self.message else "")

    def to_json(self) -> dict[str, Any]:
        return {
            "job_id": self.job_id,
            "username": self.username,
            "state": self.state.value,
            "total": self.total,
            "done": self.done,
            "added": self.added,
            "present": self.present,
            "empty": self.empty,
            "message": self.message,
            "finished": self.finished,
            "text": self.text,
        }


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


# --- starting and reading -----------------------------------------------------------------------


async def start_import(resources: Resources, user_id: int, username: str) -> WantsImport:
    """Queue the import of `username`'s Discogs want-list onto this user's want-list. Refused
    (InputError("username")) without a token, with a refused token, for a name Discogs cannot
    have, or while this user's previous import still runs."""
    settings, redis = resources.settings, resources.redis
    if not settings.music_databases.discogs_token:
        raise InputError("username", NOT_CONFIGURED)
    name = discogs_username(username)
    if await resources.client(DiscogsClient).token_refused():
        raise InputError("username", REFUSED_NOTICE)
    latest_key = channels.discogs_wants_latest(settings, user_id)
    # Two starts at once (two tabs): one takes this short lock, the other is refused as running.
    if not await redis.set(f"{latest_key}:starting", "1", nx=True, ex=10):
        raise InputError("username", "an import is starting: wait a moment")
    try:
        running = await latest_import(settings, redis, user_id)
        if running is not None and not running.finished:
            raise InputError(
                "username",
                f"an import is still running: {running.text} (wait for it, or stop it)",
            )
        job_id = uuid.uuid4().hex
        progress = WantsImport(job_id, user_id, name, ImportState.QUEUED)
        await _save(settings, redis, progress)
        await redis.set(latest_key, job_id, ex=PROGRESS_TTL)
    finally:
        await redis.delete(f"{latest_key}:starting")
    await asyncio.to_thread(resources.jobs.import_discogs_wants, job_id)
    return progress


async def get_import(
    settings: Settings, redis: aioredis.Redis, job_id: str, user_id: int | None = None
) -> WantsImport:
    """An import's progress; WantsImportNotFound when there is none (or it is not `user_id`'s)."""
    key = channels.discogs_wants_import(settings, job_id)
    async with redis.pipeline(transaction=True) as pipe:
        pipe.hgetall(key)
        pipe.exists(f"{key}:stopped")
        saved, stopped = await pipe.execute()
    if not saved:
        raise WantsImportNotFound(f"no Discogs want-list import {job_id}")
    progress = _parsed(job_id, {channels.text(k): channels.text(v) for k, v in saved.items()})
    if user_id is not None and progress.user_id != user_id:
        raise WantsImportNotFound(f"no Discogs want-list import {job_id}")
    if stopped and not progress.finished:
        # The flag wins over what a part still running saves after it.
        return replace(progress, state=ImportState.FAILED, message=STOPPED)
    return progress


async def stop_import(
    settings: Settings, redis: aioredis.Redis, job_id: str, user_id: int
) -> WantsImport:
    """Stop an import (e.g. queued while no worker runs): it imports nothing more, and what it
    added stays. WantsImportNotFound unless it is this user's; a finished one is left as it is."""
    progress = await get_import(settings, redis, job_id, user_id)
    if progress.finished:
        return progress
    await redis.set(
        f"{channels.discogs_wants_import(settings, job_id)}:stopped", "1", ex=PROGRESS_TTL
    )
    return await get_import(settings, redis, job_id, user_id)


async def latest_import(
    settings: Settings, redis: aioredis.Redis, user_id: int
) -> WantsImport | None:
    """The user's latest import, while its progress is kept (a week)."""
    job_id = await redis.get(channels.discogs_wants_latest(settings, user_id))
    if not job_id:
        return None
    try:
        return await get_import(settings, redis, channels.text(job_id), user_id)
    except WantsImportNotFound:
        return None


# --- running (the worker) -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Step:
    """What one message did: the progress, and after how long to run the next part (None: the
    import is finished)."""

    progress: WantsImport
    next_in_seconds: float | None


async def run_import(resources: Resources, job_id: str) -> Step:
    """Import the next part of a Discogs want-list (the worker). WantsImportNotFound when its
    progress has expired. A message delivered while another part runs tries again later."""
    settings, redis = resources.settings, resources.redis
    key = channels.discogs_wants_import(settings, job_id)
    if not await redis.set(f"{key}:lock", "1", nx=True, ex=PART_SECONDS):
        progress = await get_import(settings, redis, job_id)
        return Step(progress, None if progress.finished else float(PART_SECONDS))
    try:
        progress = await get_import(settings, redis, job_id)
        if progress.finished:
            return Step(progress, None)
        progress, retry_at = await _import_part(resources, progress)
        await _save(settings, redis, progress)
        progress = await get_import(settings, redis, job_id)  # stopped meanwhile?
    finally:
        await redis.delete(f"{key}:lock")
    log.info("Discogs want-list import %s: %s", job_id, progress.text)
    if progress.finished:
        return Step(progress, None)
    if retry_at is not None:
        return Step(progress, max(1.0, (retry_at - datetime.now(UTC)).total_seconds()))
    return Step(progress, 0.0)


async def _import_part(
    resources: Resources, progress: WantsImport
) -> tuple[WantsImport, datetime | None]:
    """Read the want-list (the first message), then import up to CHUNK_RELEASES releases; the
    progress, and when to carry on after Discogs failed."""
    settings, redis = resources.settings, resources.redis
    client = resources.client(DiscogsClient)
    progress = replace(progress, state=ImportState.RUNNING)
    await _save(settings, redis, progress)
    try:
        releases = await _releases(resources, client, progress)
        progress = replace(progress, total=len(releases))
        for want in releases[progress.done : progress.done + CHUNK_RELEASES]:
            if (await get_import(settings, redis, progress.job_id)).finished:
                break  # stopped by its owner
            added, present = await _import_release(resources, client, progress.user_id, want)
            progress = replace(
                progress,
                done=progress.done + 1,
                added=progress.added + added,
                present=progress.present + present,
                empty=progress.empty + (not (added or present)),
            )
            await _save(settings, redis, progress)
    except DiscogsTokenRefused:
        return _failed(progress, REFUSED_NOTICE), None
    except DiscogsNotConfigured:
        return _failed(progress, NOT_CONFIGURED), None
    except InputError as error:  # an unknown user, or a want-list full before the end
        return _failed(progress, str(error)), None
    except LookupFailed as error:
        return _waiting(progress, error)
    state = ImportState.DONE if progress.done >= progress.total else ImportState.RUNNING
    return replace(progress, state=state, attempts=0, message=""), None


async def _releases(
    resources: Resources, client: DiscogsClient, progress: WantsImport
) -> list[dict[str, Any]]:
    """The wanted releases: read from Discogs by the first message, kept with the job after."""
    key = f"{channels.discogs_wants_import(resources.settings, progress.job_id)}:wants"
    listed = await resources.redis.get(key)
    if listed is None:
        found = await client.wants(progress.username)
        listed = json.dumps([{"release_id": w.release_id, "notes": w.notes} for w in found])
        await resources.redis.set(key, listed, ex=PROGRESS_TTL)
    releases: list[dict[str, Any]] = json.loads(listed)
    return releases


async def _import_release(
    resources: Resources, client: DiscogsClient, user_id: int, want: Mapping[str, Any]
) -> tuple[int, int]:
    """One wanted release's tracks onto the want-list: (added, already there)."""
    release = await client.release(int(want["release_id"]))
    if release is None or not release.tracks:
        return 0, 0
    track_ids = [await keep_candidate(resources.sessions, track) for track in release.tracks]
    notes = f"Discogs want: {release.artists} - {release.title}"
    if release.catalogue_number:
        notes += f" [{release.catalogue_number}]"
    if want.get("notes"):
        notes += f"\n{want['notes']}"
    return await wants.add_tracks(
        resources.sessions, user_id, track_ids, notes=notes[: wants.NOTES_MAX]
    )


def _failed(progress: WantsImport, message: str) -> WantsImport:
    return replace(progress, state=ImportState.FAILED, message=message)


def _waiting(progress: WantsImport, error: LookupFailed) -> tuple[WantsImport, datetime | None]:
    """Discogs did not answer: wait and carry on, or give up after MAX_ATTEMPTS in a row."""
    attempts = progress.attempts + 1
    if attempts >= MAX_ATTEMPTS:
        message = (
            f"{error}; stopped after {attempts} tries. Import again later: what was added"
            " stays, and only what is new is added."
        )
        return replace(progress, state=ImportState.FAILED, attempts=attempts, message=message), None
    retry_at = error.retry_at or datetime.now(UTC) + timedelta(seconds=WAIT_SECONDS)
    message = f"{error}; carries on at {retry_at.astimezone(UTC):%H:%M:%S} UTC"
    waiting = replace(progress, state=ImportState.WAITING, attempts=attempts, message=message)
    return waiting, retry_at


# --- the saved form -----------------------------------------------------------------------------


async def _save(settings: Settings, redis: aioredis.Redis, progress: WantsImport) -> None:
    key = channels.discogs_wants_import(settings, progress.job_id)
    async with redis.pipeline(transaction=True) as pipe:
        pipe.hset(
            key,
            mapping={
                "user_id": progress.user_id,
                "username": progress.username,
                "state": progress.state.value,
                "total": progress.total,
                "done": progress.done,
                "added": progress.added,
                "present": progress.present,
                "empty": progress.empty,
                "attempts": progress.attempts,
                "message": progress.message,
            },
        )
        pipe.expire(key, PROGRESS_TTL)
        await pipe.execute()


def _parsed(job_id: str, fields: Mapping[str, str]) -> WantsImport:
    numbers = {
        name: int(fields.get(name) or 0)
        for name in ("total", "done", "added", "present", "empty", "attempts")
    }
    return WantsImport(
        job_id=job_id,
        user_id=int(fields["user_id"]),
        username=fields.get("username", ""),
        state=ImportState(fields.get("state", ImportState.QUEUED.value)),
        message=fields.get("message", ""),
        **numbers,
    )
