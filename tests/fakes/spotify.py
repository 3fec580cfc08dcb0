"""A fake Spotify (accounts and Web API on one server) in the real JSON shapes.

sp = FakeSpotify("client-id", "client-secret")    # SPOTIFY_ACCOUNTS_URL and SPOTIFY_API_URL
sp.add_track("Moderat", "A New Error", "6rqhFgbbKwnb9MLmUQDhG6", isrc=None)  # a dev app: no ISRC
POST /api/token (Basic auth) gives a token for an hour; every /v1 request needs it (else 401).
Audio features answer 403 as they do for new apps, unless `grant_audio_features` is set.
"""

from __future__ import annotations

import base64
import itertools
import threading
from typing import Any

from tests.fakes.json_service import FakeJsonService, Reply, RequestRecord


def spotify_error(status: int, message: str) -> Reply:
    return Reply(status, {"error": {"status": status, "message": message}})


class FakeSpotify(FakeJsonService):
    def __init__(self, client_id: str, client_secret: str) -> None:
        self._basic = base64.b64encode(f"{client_id}:{client_secret}".encode()).decode()
        self._data_lock = threading.Lock()
        self._tracks: list[dict[str, Any]] = []
        self._tokens: set[str] = set()
        self._counter = itertools.count(1)
        self.grant_audio_features = False
        super().__init__()

    def reset(self) -> None:
        super().reset()
        with self._data_lock:
            self._tracks.clear()
            self._tokens.clear()
            self.grant_audio_features = False

    def add_track(
        self,
        artist: str,
        title: str,
        track_id: str,
        *,
        isrc: str | None = None,
        popularity: int | None = None,
    ) -> None:
        """A track searches find; ISRC and popularity only when given (dev apps get neither)."""
        track: dict[str, Any] = {
            "id": track_id,
            "name": title,
            "artists": [{"id": "a1", "name": artist}],
            "album": {"id": "al1", "name": "Album"},
            "duration_ms": 273000,
        }
        if isrc is not None:
            track["external_ids"] = {"isrc": isrc}
        if popularity is not None:
            track["popularity"] = popularity
        with self._data_lock:
            self._tracks.append(track)

    def token_requests(self) -> list[RequestRecord]:
        return [r for r in self.requests if r.path == "/api/token"]

    def answer_request(self, record: RequestRecord) -> Reply:
        if record.path == "/api/token":
            return self._token(record)
        token = record.headers.get("authorization", "").removeprefix("Bearer ")
        with self._data_lock:
            known = token in self._tokens
        if not known:
            return spotify_error(401, "Invalid access token")
        if record.path == "/v1/search":
            return Reply(200, {"tracks": self._search(record.query.get("q", ""))})
        if record.path.startswith("/v1/audio-features/"):
            if not self.grant_audio_features:
                return spotify_error(403, "Forbidden")
            return Reply(
                200,
                {
                    "id": record.path.rsplit("/", 1)[1],
                    "danceability": 0.8,
                    "energy": 0.7,
                    "tempo": 123.4,
                },
            )
        return spotify_error(404, "Service not found")

    def _token(self, record: RequestRecord) -> Reply:
        if record.method != "POST" or record.query.get("grant_type") != "client_credentials":
            return Reply(400, {"error": "unsupported_grant_type"})
        if record.headers.get("authorization") != f"Basic {self._basic}":
            return Reply(400, {"error": "invalid_client", "error_description": "Invalid client"})
        token = f"token-{next(self._counter)}"
        with self._data_lock:
            self._tokens.add(token)
        return Reply(200, {"access_token": token, "token_type": "Bearer", "expires_in": 3600})

    def _search(self, q: str) -> dict[str, Any]:
        """`track:X artist:Y`: tracks whose title is X and artist Y (case-blind)."""
        title, _, artist = q.removeprefix("track:").partition(" artist:")
        with self._data_lock:
            items = [
                t
                for t in self._tracks
                if t["name"].lower() == title.lower()
                and (not artist or t["artists"][0]["name"].lower() == artist.lower())
            ]
        return {"href": "", "items": items, "limit": 10, "offset": 0, "total": len(items)}
