"""A fake Deezer API answering in the real JSON shapes, errors with HTTP 200 as Deezer sends them.

dz = FakeDeezer()                                        # dz.url: DEEZER_BASE_URL
dz.add_track(deezer_track(3135556, "GBDUW0000059", bpm=123.4, album_id=302127))
dz.add_album(deezer_album(302127, label="Parlophone", genres=["Electro"]))
Unknown ISRCs and albums answer `no_data()` (code 800, HTTP 200); `quota()` is code 4.
Faults and the request log: tests/fakes/json_service.py.
"""

from __future__ import annotations

import threading
from typing import Any

from tests.fakes.json_service import FakeJsonService, Reply


def deezer_track(
    track_id: int,
    isrc: str,
    *,
    title: str = "Track",
    artist: str = "Artist",
    bpm: float = 0,
    gain: float = -8.2,
    release_date: str = "2016-04-01",
    album_id: int = 1,
) -> dict[str, Any]:
    """`/track/isrc:<ISRC>`'s answer (`bpm` 0: Deezer does not know it)."""
    return {
        "id": track_id,
        "readable": True,
        "title": title,
        "title_short": title,
        "title_version": "",
        "isrc": isrc,
        "link": f"https://www.deezer.com/track/{track_id}",
        "duration": 273,
        "track_position": 1,
        "disk_number": 1,
        "rank": 512345,
        "release_date": release_date,
        "explicit_lyrics": False,
        "bpm": bpm,
        "gain": gain,
        "available_countries": ["DE", "FR"],
        "contributors": [{"id": 1, "name": artist, "role": "Main"}],
        "artist": {"id": 1, "name": artist, "type": "artist"},
        "album": {"id": album_id, "title": "Album", "cover_xl": "", "type": "album"},
        "type": "track",
    }


def deezer_album(
    album_id: int, *, label: str = "Label", genres: list[str] | None = None
) -> dict[str, Any]:
    """`/album/<id>`'s answer."""
    return {
        "id": album_id,
        "title": "Album",
        "upc": "0825646000000",
        "label": label,
        "genres": {
            "data": [
                {"id": n + 100, "name": name, "type": "genre"}
                for n, name in enumerate(genres or [])
            ]
        },
        "release_date": "2016-04-01",
        "type": "album",
    }


def no_data() -> Reply:
    return Reply(200, {"error": {"type": "DataException", "message": "no data", "code": 800}})


def quota() -> Reply:
    return Reply(
        200, {"error": {"type": "Exception", "message": "Quota limit exceeded", "code": 4}}
    )


class FakeDeezer(FakeJsonService):
    def __init__(self) -> None:
        self._data_lock = threading.Lock()
        self._tracks: dict[str, dict[str, Any]] = {}
        self._albums: dict[int, dict[str, Any]] = {}
        super().__init__()

    def reset(self) -> None:
        super().reset()
        with self._data_lock:
            self._tracks.clear()
            self._albums.clear()

    def add_track(self, track: dict[str, Any]) -> None:
        with self._data_lock:
            self._tracks[track["isrc"]] = track

    def add_album(self, album: dict[str, Any]) -> None:
        with self._data_lock:
            self._albums[album["id"]] = album

    def answer(self, path: str, query: dict[str, str]) -> Reply:
        with self._data_lock:
            if path.startswith("/track/isrc:"):
                track = self._tracks.get(path.removeprefix("/track/isrc:"))
                if track is not None:
                    return Reply(200, track)
            if path.startswith("/album/"):
                album = self._albums.get(int(path.rsplit("/", 1)[1] or 0))
                if album is not None:
                    return Reply(200, album)
        return no_data()
