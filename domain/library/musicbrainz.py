"""The MusicBrainz client: recordings by artist and title, by MBID and by ISRC, as `Candidate`s.

MusicBrainz asks for at most one request a second from the whole installation and a User-Agent
naming us and a contact (CONTACT); over the limit it answers 503. Every request goes through
one shared pace (1 s * U(1.0, 1.4) apart), retries 5xx and timeouts, honours a Retry-After up to
60 s and opens the shared breaker beyond that (a `Retry-After: 86400` is never slept). Answers
are cached in Redis: searches 7 days, lookups 30 days, "nothing found" 1 day.

Titles are kept as MusicBrainz writes them ("Opus (Four Tet remix)"); only that trailing
"(X remix)" is split off here, the matching pipeline reads every title again with reading.py.
"""

from __future__ import annotations

import re
from functools import partial
from typing import Any
from urllib.parse import quote, urlencode

import redis.asyncio as aioredis

from domain import channels
from domain.config import Settings
from domain.library.candidates import Candidate, Source, simple_version
from domain.library.facts import TrackFacts, musicbrainz_id, normal_isrc
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
from domain.outbound.retry import RETRY_AFTER_CAP
from domain.outbound.tally import Tally
from domain.outbound.user_agent import user_agent
from domain.validation import InputError

__all__ = ["LookupFailed", "MusicBrainzClient", "candidate_of", "lucene_query"]

NAME = "MusicBrainz"
DELAY_SECONDS = 1.0  # MusicBrainz's rule: one request a second per installation
TIMEOUT_SECONDS = 20.0
MAX_LIMIT = 100
LOOKUP_INC = "isrcs+releases+artist-credits+labels+genres+tags"
ISRC_INC = "artist-credits+releases+isrcs"
# Lucene's special characters; `&&` and `||` are covered by escaping each `&` and `|`.
_LUCENE_SPECIAL = re.compile(r'([+\-&|!(){}\[\]^"~*?:\\/])')


def lucene_escape(text: str) -> str:
    """`text` with every Lucene special character escaped by a backslash."""
    return _LUCENE_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def lucene_query(artist: str, title: str) -> str:
    """`recording:"<title>" AND artist:"<artist>"`, both escaped; the artist only when given."""
    if not title.strip():
        raise InputError("title", "a MusicBrainz search needs a title")
    query = f'recording:"{lucene_escape(title)}"'
    if artist.strip():
        query += f' AND artist:"{lucene_escape(artist)}"'
    return query


class MusicBrainzClient:
    """Asks MusicBrainz politely on behalf of every process (pace and breaker in Redis)."""

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
    ) -> None:
        self.base_url = settings.music_databases.musicbrainz_url
        self.policy = outbound_policy(
            NAME,
            redis,
            partial(channels.musicbrainz, settings),
            delay=delay,
            timeout=timeout,
            backoff_seconds=backoff_seconds,
            breaker_base_seconds=breaker_base_seconds,
            retry_after_cap=retry_after_cap,
            breaker=breaker,
        )
        self.pace, self.breaker = self.policy.pace, self.policy.breaker
        self.cache: AnswerStore = cache or AnswerCache(
            redis, channels.musicbrainz(settings, "cache")
        )
        self.tally = Tally(redis, channels.api_tally(settings), "musicbrainz")
        self.user_agent = user_agent(settings.contact)
        self._http = http_client(
            timeout, {"User-Agent": self.user_agent, "Accept": "application/json"}
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    async def search_recordings(
        self, artist: str, title: str, *, limit: int = 25
    ) -> list[Candidate]:
        """The recordings a search for `title` by `artist` finds, best first (may be empty)."""
        if not 1 <= limit <= MAX_LIMIT:
            raise InputError("limit", f"limit must be from 1 to {MAX_LIMIT}")
        query = urlencode({"query": lucene_query(artist, title), "fmt": "json", "limit": limit})
        data = await self._get("search", f"{self.base_url}/ws/2/recording?{query}", SEARCH_TTL)
        return [candidate_of(found) for found in objects(data.get("recordings"))]

    async def lookup_recording(self, mbid: str) -> Candidate | None:
        """The recording with this MBID (its ISRCs, releases and labels); None when unknown."""
        data = await self.recording_data(mbid)
        return candidate_of(data) if data else None

    async def recording_data(self, mbid: str) -> dict[str, Any]:
        """The recording with this MBID as MusicBrainz wrote it, with its ISRCs, releases,
        labels, genres and tags (`{}` when unknown): enrichment reads more than a Candidate."""
        recording = musicbrainz_id("mbid", mbid)
        url = f"{self.base_url}/ws/2/recording/{recording}?inc={LOOKUP_INC}&fmt=json"
        return await self._get("recording", url, LOOKUP_TTL)

    async def by_isrc(self, isrc: str) -> list[Candidate]:
        """The recordings MusicBrainz knows under this ISRC (usually one; may be none)."""
        code = normal_isrc(isrc)
        if code is None:
            raise InputError("isrc", f"{isrc[:40]!r} is no ISRC: 12 characters like GBAHT1300001")
        url = f"{self.base_url}/ws/2/isrc/{quote(code)}?inc={ISRC_INC}&fmt=json"
        data = await self._get("isrc", url, LOOKUP_TTL)
        return [candidate_of(found) for found in objects(data.get("recordings"))]

    async def _get(self, kind: str, url: str, seconds: int) -> dict[str, Any]:
        """The JSON answer for `url`, from the cache when there; `{}` when MusicBrainz has none."""
        return await cached_get(
            self.cache, self.policy, self._http, kind, url, seconds, "recordings", tally=self.tally
        )


# --- the answer's shapes ----------------------------------------------------------------------


def candidate_of(recording: dict[str, Any]) -> Candidate:
    """A MusicBrainz recording (from a search, a lookup or an ISRC) as a Candidate."""
    artists, primary, featured = _credit(recording.get("artist-credit"))
    title = str(recording.get("title") or "")
    isrcs = tuple(str(code) for code in recording.get("isrcs") or () if code)
    release = _first_release(objects(recording.get("releases")))
    label, catalogue = _label(release)
    base, version = simple_version(title)
    facts = TrackFacts(
        artists=artists,
        primary=primary,
        featured=featured,
        title=title,
        title_base=base,
        version=version,
        duration=_seconds(recording.get("length")),
        label=label,
        isrc=isrcs[0] if isrcs else None,
    )
    return Candidate(
        facts=facts,
        source=Source.MUSICBRAINZ,
        recording_id=text_of(recording.get("id")),
        release_id=text_of(release.get("id")),
        release_title=text_of(release.get("title")),
        release_date=text_of(release.get("date")) or text_of(recording.get("first-release-date")),
        catalogue_number=catalogue,
        isrcs=isrcs,
    )


def _credit(credit: object) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    """The credit as displayed (names joined by their joinphrases), the main and the featured
    artists: every name after a "feat." joinphrase is featured."""
    shown: list[str] = []
    primary: list[str] = []
    featured: list[str] = []
    joined_by_feat = False
    for part in objects(credit):
        artist = part.get("artist")
        fallback = artist.get("name") if isinstance(artist, dict) else ""
        name = str(part.get("name") or fallback or "")
        joinphrase = str(part.get("joinphrase") or "")
        shown.append(name + joinphrase)
        (featured if joined_by_feat else primary).append(name)
        joined_by_feat = joined_by_feat or bool(FEATURING.search(joinphrase))
    return "".join(shown).strip(), tuple(primary), tuple(featured)


def _first_release(releases: list[dict[str, Any]]) -> dict[str, Any]:
    """The release to name: official ones first, then the earliest dated ({} when none)."""
    if not releases:
        return {}

    def order(release: dict[str, Any]) -> tuple[bool, bool, str]:
        date = str(release.get("date") or "")
        return (release.get("status") != "Official", not date, date)

    return min(releases, key=order)


def _label(release: dict[str, Any]) -> tuple[str | None, str | None]:
    for info in objects(release.get("label-info")):
        label = info.get("label")
        name = text_of(label.get("name")) if isinstance(label, dict) else None
        catalogue = text_of(info.get("catalog-number"))
        if name or catalogue:
            return name, catalogue
    return None, None


def _seconds(length: object) -> float | None:
    """A length in milliseconds as seconds; None when missing, null or not a number."""
    if isinstance(length, bool) or not isinstance(length, int | float) or length <= 0:
        return None
    return length / 1000
