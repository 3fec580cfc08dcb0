"""A fake MusicBrainz web service (/ws/2) answering in the real JSON shapes.

mb = FakeMusicBrainz()                                 # mb.url: MUSICBRAINZ_BASE_URL
rec = recording("Copy Copy", [credit("Moderat")], length=273000, isrcs=["DEU831300071"],
                releases=[release("III", date="2016-04-01", label="Monkeytown", catno="MTR070")])
mb.add_recording(rec)                                  # /ws/2/recording/<id> and its ISRCs
mb.search('recording:"Copy Copy" AND artist:"Moderat"', [rec])   # that exact Lucene query
Unknown searches find nothing (count 0); unknown ids and ISRCs answer 404 as MusicBrainz does.
Faults and the request log: tests/fakes/json_service.py.
"""

from __future__ import annotations

import threading
import uuid
from typing import Any

from tests.fakes.json_service import FakeJsonService, Reply

CREATED = "2026-12-07T08:00:00.000Z"


def credit(name: str, joinphrase: str = "") -> dict[str, Any]:
    """One part of an artist credit; the joinphrase goes after the name (" feat. ")."""
    part: dict[str, Any] = {
        "name": name,
        "artist": {"id": str(uuid.uuid4()), "name": name, "sort-name": name},
    }
    if joinphrase:
        part["joinphrase"] = joinphrase
    return part


def release(
    title: str,
    *,
    date: str = "",
    status: str = "Official",
    label: str = "",
    catno: str = "",
    release_id: str | None = None,
) -> dict[str, Any]:
    """A release as a recording lists it; `label` adds the label-info lookups carry."""
    found: dict[str, Any] = {
        "id": release_id or str(uuid.uuid4()),
        "title": title,
        "status": status,
        "release-group": {"id": str(uuid.uuid4()), "primary-type": "Single"},
        "country": "XW",
        "track-count": 2,
        "media": [{"position": 1, "format": "Digital Media", "track-count": 2, "track-offset": 0}],
    }
    if date:
        found["date"] = date
    if label or catno:
        found["label-info"] = [
            {"catalog-number": catno or None, "label": {"id": str(uuid.uuid4()), "name": label}}
        ]
    return found


def recording(
    title: str,
    artists: list[dict[str, Any]],
    *,
    length: int | None = None,
    isrcs: list[str] | None = None,
    releases: list[dict[str, Any]] | None = None,
    score: int = 100,
    recording_id: str | None = None,
    first_release_date: str = "",
    genres: list[str] | None = None,
    tags: list[str] | None = None,
) -> dict[str, Any]:
    """A recording as searches and lookups return it (`length` in ms; None is sent as null)."""
    found: dict[str, Any] = {
        "id": recording_id or str(uuid.uuid4()),
        "score": score,
        "title": title,
        "length": length,
        "video": False,
        "artist-credit": artists,
        "releases": releases or [],
    }
    if first_release_date:
        found["first-release-date"] = first_release_date
    if isrcs is not None:
        found["isrcs"] = isrcs
    if genres is not None:  # what `inc=genres+tags` adds: name, count (votes), id for genres
        found["genres"] = [{"id": str(uuid.uuid4()), "name": g, "count": 5} for g in genres]
    if tags is not None:
        found["tags"] = [{"name": t, "count": 1} for t in tags]
    return found


def search_answer(recordings: list[dict[str, Any]]) -> dict[str, Any]:
    return {"created": CREATED, "count": len(recordings), "offset": 0, "recordings": recordings}


class FakeMusicBrainz(FakeJsonService):
    def __init__(self) -> None:
        self._data_lock = threading.Lock()
        self._searches: dict[str, list[dict[str, Any]]] = {}
        self._recordings: dict[str, dict[str, Any]] = {}
        super().__init__()

    def reset(self) -> None:
        super().reset()
        with self._data_lock:
            self._searches.clear()
            self._recordings.clear()

    def search(self, query: str, recordings: list[dict[str, Any]]) -> None:
        """What a search with exactly this Lucene query finds."""
        with self._data_lock:
            self._searches[query] = recordings

    def add_recording(self, found: dict[str, Any]) -> str:
        """Known by its id (lookups) and its ISRCs; returns the id."""
        with self._data_lock:
            self._recordings[found["id"]] = found
        return str(found["id"])

    def answer(self, path: str, query: dict[str, str]) -> Reply:
        with self._data_lock:
            if path == "/ws/2/recording":
                return Reply(200, search_answer(self._searches.get(query.get("query", ""), [])))
            if path.startswith("/ws/2/recording/"):
                found = self._recordings.get(path.rsplit("/", 1)[1])
                if found is not None:
                    return Reply(200, {k: v for k, v in found.items() if k != "score"})
            if path.startswith("/ws/2/isrc/"):
                code = path.rsplit("/", 1)[1]
                matches = [r for r in self._recordings.values() if code in r.get("isrcs", [])]
                if matches:
                    return Reply(200, {"isrc": code, "recordings": matches})
        return Reply(
            404,
            {
                "error": "Not Found",
                "help": "For usage, please see: https://musicbrainz.org/development/mmd",
            },
        )
