"""The Discogs client: release searches, releases (their tracks as `Candidate`s) and want-lists.

Used only when DISCOGS_TOKEN is set; the token goes in `Authorization: Discogs token=…` to
DISCOGS_BASE_URL and nowhere else (no redirect is followed) and is never logged. Discogs allows
60 requests a minute: every process shares one pace (1 s * U(1.0, 1.4) apart), and when
`X-Discogs-Ratelimit-Remaining` runs low every process waits longer. A 429 is retried after a
capped wait and opens the shared breaker if it persists. A 401 means the token is refused: that
is remembered in Redis (for this token only) and Discogs is not asked again until the token
changes; `token_refused()` tells the pages. Releases are cached 30 days, searches 7, "nothing" 1.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass, replace
from functools import partial
from typing import Any
from urllib.parse import quote, urlencode

import redis.asyncio as aioredis

from domain import channels
from domain.config import Settings
from domain.library.candidates import Candidate, Source, simple_version
from domain.library.facts import TrackFacts, comparison_key
from domain.library.lookups import (
    LOOKUP_TTL,
    SEARCH_TTL,
    AnswerCache,
    AnswerStore,
    LookupFailed,
    cached_get,
    http_client,
    objects,
    outbound_policy,
    text_of,
)
from domain.library.reading import FEATURING
from domain.outbound.breaker import BASE_SECONDS, Breaker
from domain.outbound.policy import Answer
from domain.outbound.retry import RETRY_AFTER_CAP
from domain.outbound.tally import Tally
from domain.outbound.user_agent import user_agent
from domain.validation import InputError

__all__ = [
    "DiscogsClient",
    "DiscogsNotConfigured",
    "DiscogsTokenRefused",
    "LookupFailed",
    "Release",
    "ReleaseHit",
    "Want",
    "discogs_username",
]

NAME = "Discogs"
DELAY_SECONDS = 1.0  # 60 requests a minute for the whole installation
RATE_WINDOW_SECONDS = 60.0  # Discogs counts requests over a moving minute
LOW_REMAINING = 5  # from here on, every process waits window / (remaining + 1) seconds
TIMEOUT_SECONDS = 20.0
SEARCH_SIZE = 25
WANTS_PAGE_SIZE = 100
MAX_WANT_PAGES = 100  # 10,000 wants: more than any crate
_NUMBERED = re.compile(r"\s\(\d+\)$")  # Discogs tells namesakes apart: "Burial (2)"
REFUSED_NOTICE = "Discogs token refused: set a valid DISCOGS_TOKEN"
_USERNAME = re.compile(r"[\w.\-]{1,100}")
_DURATION = re.compile(r"(?:(\d+):)?(\d{1,3}):(\d{2})")

# A credit: as displayed, the main artists, the featured ones.
Credit = tuple[str, tuple[str, ...], tuple[str, ...]]


class DiscogsNotConfigured(LookupFailed):
    """DISCOGS_TOKEN is not set: Discogs is left out."""


class DiscogsTokenRefused(LookupFailed):
    """Discogs answered 401 to our token: nothing is asked again until DISCOGS_TOKEN changes."""


@dataclass(frozen=True, slots=True)
class ReleaseHit:
    """One release a search found (the tracks come with `release(id)`)."""

    id: int
    title: str  # "Artist - Release"
    label: str | None
    catalogue_number: str | None
    year: str | None
    country: str | None
    formats: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Release:
    id: int
    title: str
    artists: str
    label: str | None
    catalogue_number: str | None
    released: str | None  # "1999", "1999-03" or "1999-03-12"
    country: str | None
    genres: tuple[str, ...]
    styles: tuple[str, ...]
    tracks: tuple[Candidate, ...]  # every track of the tracklist (no headings)


@dataclass(frozen=True, slots=True)
class Want:
    """One release on a user's want-list."""

    release_id: int
    title: str
    artists: str
    year: str | None
    label: str | None
    catalogue_number: str | None
    formats: tuple[str, ...]
    rating: int
    notes: str


class DiscogsClient:
    """Asks Discogs with the installation's token, politely for every process (Redis)."""

    def __init__(
        self,
        settings: Settings,
        redis: aioredis.Redis,
        *,
        timeout: float = TIMEOUT_SECONDS,
        delay: float = DELAY_SECONDS,
        backoff_seconds: float = DELAY_SECONDS,
        breaker_base_seconds: float = BASE_SECONDS,
        retry_after_cap: float = RETRY_AFTER_CAP,
        cache: AnswerStore | None = None,
        breaker: Breaker | None = None,
        rate_window_seconds: float = RATE_WINDOW_SECONDS,
    ) -> None:
        databases = settings.music_databases
        self.base_url = databases.discogs_url
        self.enabled = bool(databases.discogs_token)
        self.rate_window_seconds = rate_window_seconds
        self.policy = outbound_policy(
            NAME,
            redis,
            partial(channels.discogs, settings),
            delay=delay,
            timeout=timeout,
            backoff_seconds=backoff_seconds,
            breaker_base_seconds=breaker_base_seconds,
            retry_after_cap=retry_after_cap,
            breaker=breaker,
        )
        self.pace, self.breaker = self.policy.pace, self.policy.breaker
        self.cache: AnswerStore = cache or AnswerCache(redis, channels.discogs(settings, "cache"))
        self.tally = Tally(redis, channels.api_tally(settings), "discogs")
        self._redis = redis
        self._refused_key = channels.discogs(settings, "token-refused")
        # Which token was refused, without keeping the token itself in Redis.
        self._fingerprint = hmac.new(
            settings.secret_key.encode(), databases.discogs_token.encode(), hashlib.sha256
        ).hexdigest()[:32]
        headers = {
            "User-Agent": user_agent(settings.contact),
            "Accept": "application/vnd.discogs.v2.discogs+json",
        }
        if self.enabled:
            headers["Authorization"] = f"Discogs token={databases.discogs_token}"
        self._http = http_client(timeout, headers)

    async def aclose(self) -> None:
        await self._http.aclose()

    async def token_refused(self) -> bool:
        """Whether Discogs refused the current DISCOGS_TOKEN (the pages say so until fixed)."""
        return await self._redis.get(self._refused_key) == self._fingerprint.encode()

    async def search(self, artist: str, track: str) -> list[ReleaseHit]:
        """The releases a search for `track` by `artist` finds, in Discogs's order."""
        if not track.strip():
            raise InputError("track", "a Discogs search needs a track title")
        query = {"type": "release", "artist": " ".join(artist.split())}
        query |= {"track": " ".join(track.split()), "per_page": str(SEARCH_SIZE)}
        url = f"{self.base_url}/database/search?{urlencode(query)}"
        results = objects((await self._get("search", url, SEARCH_TTL)).get("results"))
        return [hit for hit in map(_hit, results) if hit is not None]

    async def track_candidates(
        self, artist: str, track: str, *, releases: int = 3
    ) -> list[Candidate]:
        """The tracks named like `track` on the first `releases` releases a search finds
        (1 + `releases` requests, most of them cached later)."""
        wanted = comparison_key(track)
        found: list[Candidate] = []
        for hit in (await self.search(artist, track))[:releases]:
            release = await self.release(hit.id)
            for candidate in release.tracks if release else ():
                if wanted and wanted in comparison_key(candidate.facts.title):
                    found.append(candidate)
        return found

    async def release(self, release_id: int) -> Release | None:
        """The release with this id and its tracks as candidates; None when Discogs has none."""
        if isinstance(release_id, bool) or not isinstance(release_id, int) or release_id < 1:
            raise InputError("release_id", "a Discogs release id is a whole number from 1")
        data = await self._get("release", f"{self.base_url}/releases/{release_id}", LOOKUP_TTL)
        return _release(data) if data else None

    async def wants(self, username: str) -> list[Want]:
        """Every release on `username`'s want-list (all pages, at most 10,000 wants)."""
        name = discogs_username(username)
        wants: list[Want] = []
        for page in range(1, MAX_WANT_PAGES + 1):
            query = urlencode({"page": page, "per_page": WANTS_PAGE_SIZE})
            data = await self._get("wants", f"{self.base_url}/users/{quote(name)}/wants?{query}")
            if not data:
                raise InputError("username", f"Discogs has no want-list for the user {name!r}")
            wants += [want for want in map(_want, objects(data.get("wants"))) if want]
            pagination = data.get("pagination")
            pages = pagination.get("pages") if isinstance(pagination, dict) else None
            if not isinstance(pages, int) or page >= pages:
                break
        return wants

    async def _get(self, kind: str, url: str, seconds: int | None = None) -> dict[str, Any]:
        """The JSON answer for `url` (cached for `seconds` when given); `{}` for a 404. A cached
        answer is served even once the token is refused: what Discogs said is still true."""
        if not self.enabled:
            raise DiscogsNotConfigured(NAME, "DISCOGS_TOKEN is not set")
        return await cached_get(
            self.cache,
            self.policy,
            self._http,
            kind,
            url,
            seconds,
            "results",
            before_asking=self._check_token,
            on_answer=self._read_answer,
            tally=self.tally,
        )

    async def _check_token(self) -> None:
        if await self.token_refused():
            raise DiscogsTokenRefused(NAME, REFUSED_NOTICE)

    async def _read_answer(self, answer: Answer) -> None:
        """Few requests left in Discogs's minute: every process waits longer before the next. A
        401: the token is refused, remembered for this token."""
        remaining = answer.headers.get("x-discogs-ratelimit-remaining", "")
        if remaining.isdigit() and int(remaining) <= LOW_REMAINING:
            await self.pace.hold_off(self.rate_window_seconds / (int(remaining) + 1))
        if answer.status == 401:
            await self._redis.set(self._refused_key, self._fingerprint)
            raise DiscogsTokenRefused(NAME, REFUSED_NOTICE)


def discogs_username(raw: str) -> str:
    """A Discogs user name as typed (spaces around it dropped); InputError("username") else."""
    name = raw.strip()
    if not _USERNAME.fullmatch(name):
        raise InputError("username", "a Discogs user name: letters, digits, . _ and -")
    return name


# --- the answer's shapes ----------------------------------------------------------------------


def _hit(found: dict[str, Any]) -> ReleaseHit | None:
    release_id = found.get("id")
    if not isinstance(release_id, int):
        return None
    labels = [text for text in map(text_of, found.get("label") or ()) if text]
    return ReleaseHit(
        id=release_id,
        title=text_of(found.get("title")) or "",
        label=labels[0] if labels else None,
        catalogue_number=text_of(found.get("catno")),
        year=text_of(found.get("year")),
        country=text_of(found.get("country")),
        formats=tuple(text for text in map(text_of, found.get("format") or ()) if text),
    )


def _release(data: dict[str, Any]) -> Release | None:
    release_id = data.get("id")
    if not isinstance(release_id, int):
        return None
    artists, primary, featured = _credit(data.get("artists"))
    label, catalogue = _label(data.get("labels"))
    title = text_of(data.get("title")) or ""
    released = _date(data.get("released")) or text_of(data.get("year"))
    release = Release(
        id=release_id,
        title=title,
        artists=artists,
        label=label,
        catalogue_number=catalogue,
        released=released,
        country=text_of(data.get("country")),
        genres=tuple(text for text in map(text_of, data.get("genres") or ()) if text),
        styles=tuple(text for text in map(text_of, data.get("styles") or ()) if text),
        tracks=(),
    )
    tracks = [
        _track(track, release, (artists, primary, featured))
        for track in objects(data.get("tracklist"))
        if track.get("type_", "track") == "track" and text_of(track.get("title"))
    ]
    return replace(release, tracks=tuple(tracks))


def _track(track: dict[str, Any], release: Release, release_credit: Credit) -> Candidate:
    """One track of a release; a track without artists of its own has the release's."""
    own = track.get("artists")
    artists, primary, featured = _credit(own) if own else release_credit
    title = text_of(track.get("title")) or ""
    base, version = simple_version(title)
    facts = TrackFacts(
        artists=artists,
        primary=primary,
        featured=featured,
        title=title,
        title_base=base,
        version=version,
        duration=_duration(track.get("duration")),
        label=release.label,
    )
    return Candidate(
        facts=facts,
        source=Source.DISCOGS,
        release_id=str(release.id),
        release_title=release.title,
        release_date=release.released,
        catalogue_number=release.catalogue_number,
    )


def _want(found: dict[str, Any]) -> Want | None:
    info = found.get("basic_information")
    release_id = found.get("id")
    if not isinstance(info, dict) or not isinstance(release_id, int):
        return None
    label, catalogue = _label(info.get("labels"))
    rating = found.get("rating")
    return Want(
        release_id=release_id,
        title=text_of(info.get("title")) or "",
        artists=_credit(info.get("artists"))[0],
        year=text_of(info.get("year")),
        label=label,
        catalogue_number=catalogue,
        formats=tuple(
            text for text in (text_of(f.get("name")) for f in objects(info.get("formats"))) if text
        ),
        rating=rating if isinstance(rating, int) else 0,
        notes=text_of(found.get("notes")) or "",
    )


def _credit(artists: object) -> Credit:
    """The credit as displayed ("A & B feat. C"), the main and the featured artists. A name
    variation (`anv`) is what the release printed; " (2)" namesake numbers are dropped."""
    shown: list[str] = []
    primary: list[str] = []
    featured: list[str] = []
    joined_by_feat = False
    for artist in objects(artists):
        name = _NUMBERED.sub("", text_of(artist.get("anv")) or text_of(artist.get("name")) or "")
        join = text_of(artist.get("join")) or ""
        shown.append(name + ("" if not join else ", " if join == "," else f" {join} "))
        (featured if joined_by_feat else primary).append(name)
        joined_by_feat = joined_by_feat or bool(FEATURING.search(join))
    return "".join(shown).strip(), tuple(primary), tuple(featured)


def _label(labels: object) -> tuple[str | None, str | None]:
    for label in objects(labels):
        name = text_of(label.get("name"))
        if name:
            return _NUMBERED.sub("", name), text_of(label.get("catno"))
    return None, None


def _date(value: object) -> str | None:
    """Discogs's "1999-03-00" (day unknown) as "1999-03", "1999-00-00" as "1999"."""
    text = text_of(value)
    if not text:
        return None
    parts = [part for part in text.split("-") if part.strip("0")]
    return "-".join(parts) or None


def _duration(value: object) -> float | None:
    """ "m:ss" or "h:mm:ss" as seconds; None for "" and anything else."""
    found = _DURATION.fullmatch(text_of(value) or "")
    if not found:
        return None
    hours, minutes, seconds = found.groups()
    return float(int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds))
