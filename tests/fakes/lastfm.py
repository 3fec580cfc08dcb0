"""A fake Last.fm API (`/2.0/?method=track.getInfo`) in the real JSON shapes.

fm = FakeLastfm(api_key="k")                      # fm.url: LASTFM_BASE_URL
fm.add_track("Moderat", "A New Error", tags=["electronic", "idm"], playcount=123456)
Unknown tracks answer error 6 with HTTP 200 (as Last.fm sometimes does); a wrong key error 10
(403). `lastfm_error(29)` is the rate limit. Faults and the log: tests/fakes/json_service.py.
"""

from __future__ import annotations

import threading
from typing import Any

from tests.fakes.json_service import FakeJsonService, Reply

MESSAGES = {
    6: "Track not found",
    10: "Invalid API key - You must be granted a valid key by last.fm",
    29: "Rate limit exceeded - Your IP has made too many requests in a short period",
}


def lastfm_error(code: int, status: int = 200) -> Reply:
    return Reply(status, {"error": code, "message": MESSAGES.get(code, "Error"), "links": []})


class FakeLastfm(FakeJsonService):
    def __init__(self, api_key: str) -> None:
        self.api_key = api_key
        self._data_lock = threading.Lock()
        self._tracks: dict[tuple[str, str], dict[str, Any]] = {}
        super().__init__()

    def reset(self) -> None:
        super().reset()
        with self._data_lock:
            self._tracks.clear()

    def add_track(
        self,
        artist: str,
        title: str,
        *,
        tags: list[str] | None = None,
        playcount: int = 1000,
        listeners: int = 100,
        mbid: str = "",
    ) -> None:
        track = {
            "name": title,
            "mbid": mbid,
            "url": f"https://www.last.fm/music/{artist}/_/{title}",
            "duration": "273000",
            "streamable": {"#text": "0", "fulltrack": "0"},
            "listeners": str(listeners),
            "playcount": str(playcount),
            "artist": {"name": artist, "mbid": "", "url": ""},
            "toptags": {
                "tag": [{"name": t, "url": f"https://www.last.fm/tag/{t}"} for t in tags or []]
            },
        }
        with self._data_lock:
            self._tracks[(artist.lower(), title.lower())] = track

    def answer(self, path: str, query: dict[str, str]) -> Reply:
        if path not in ("/2.0/", "/2.0"):
            return Reply(404, b"", content_type="text/html")
        if query.get("api_key") != self.api_key:
            return lastfm_error(10, 403)
        if query.get("method") != "track.getInfo" or query.get("format") != "json":
            return lastfm_error(3, 400)
        with self._data_lock:
            track = self._tracks.get(
                (query.get("artist", "").lower(), query.get("track", "").lower())
            )
        return Reply(200, {"track": track}) if track else lastfm_error(6)
