"""A fake Discogs API answering in the real JSON shapes, with its rate headers.

dg = FakeDiscogs()                                    # dg.url: DISCOGS_BASE_URL
dg.add_release(release_data(249504, "Rick Astley", "Never Gonna Give You Up", tracks=[...]))
dg.search("Rick Astley", "Never Gonna Give You Up", [249504])   # artist and track, any case
dg.wants("someone", [249504, ...])                    # paginated by ?page=&per_page=
dg.remaining = 3                                      # X-Discogs-Ratelimit-Remaining sent
Faults and the request log: tests/fakes/json_service.py.
"""

from __future__ import annotations

import threading
from typing import Any

from tests.fakes.json_service import FakeJsonService, Reply

RATE_LIMIT = 60


def artist(name: str, join: str = "", anv: str = "", artist_id: int = 1) -> dict[str, Any]:
    return {"name": name, "anv": anv, "join": join, "id": artist_id, "role": "", "tracks": ""}


def track(
    position: str, title: str, duration: str = "", artists: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    found: dict[str, Any] = {"position": position, "type_": "track", "title": title}
    found["duration"] = duration
    if artists is not None:
        found["artists"] = artists
    return found


def heading(title: str) -> dict[str, Any]:
    return {"position": "", "type_": "heading", "title": title, "duration": ""}


def release_data(
    release_id: int,
    artists: list[dict[str, Any]],
    title: str,
    *,
    tracks: list[dict[str, Any]],
    label: str = "Hyperdub",
    catno: str = "HDB001",
    released: str = "2007-11-05",
    year: int = 2007,
) -> dict[str, Any]:
    return {
        "id": release_id,
        "title": title,
        "artists": artists,
        "labels": [{"name": label, "catno": catno, "id": 100}],
        "year": year,
        "released": released,
        "country": "UK",
        "genres": ["Electronic"],
        "styles": ["Dubstep"],
        "tracklist": tracks,
        "uri": f"https://www.discogs.com/release/{release_id}",
        "resource_url": f"https://api.discogs.com/releases/{release_id}",
    }


class FakeDiscogs(FakeJsonService):
    def __init__(self) -> None:
        self._data_lock = threading.Lock()
        self._releases: dict[int, dict[str, Any]] = {}
        self._searches: dict[tuple[str, str], list[int]] = {}
        self._wants: dict[str, list[int]] = {}
        self.remaining = RATE_LIMIT - 1
        super().__init__()

    def reset(self) -> None:
        super().reset()
        with self._data_lock:
            self._releases.clear()
            self._searches.clear()
            self._wants.clear()
            self.remaining = RATE_LIMIT - 1

    def add_release(self, data: dict[str, Any]) -> int:
        with self._data_lock:
            self._releases[int(data["id"])] = data
        return int(data["id"])

    def search(self, artist: str, track_title: str, release_ids: list[int]) -> None:
        with self._data_lock:
            self._searches[(artist.lower(), track_title.lower())] = release_ids

    def wants(self, username: str, release_ids: list[int]) -> None:
        with self._data_lock:
            self._wants[username] = release_ids

    def extra_headers(self) -> dict[str, str]:
        remaining = self.remaining
        return {
            "X-Discogs-Ratelimit": str(RATE_LIMIT),
            "X-Discogs-Ratelimit-Used": str(RATE_LIMIT - remaining),
            "X-Discogs-Ratelimit-Remaining": str(remaining),
        }

    def answer(self, path: str, query: dict[str, str]) -> Reply:
        with self._data_lock:
            if path == "/database/search":
                key = (query.get("artist", "").lower(), query.get("track", "").lower())
                ids = self._searches.get(key, [])
                results = [self._result(i) for i in ids if i in self._releases]
                return Reply(200, _page(results, "results", 1, len(results) or 1))
            if path.startswith("/releases/"):
                found = self._releases.get(int(path.rsplit("/", 1)[1] or 0))
                if found is not None:
                    return Reply(200, found)
                return Reply(404, {"message": "Release not found."})
            if path.startswith("/users/") and path.endswith("/wants"):
                return self._wants_page(path.split("/")[2], query)
        return Reply(404, {"message": "The requested resource was not found."})

    def _result(self, release_id: int) -> dict[str, Any]:
        data = self._releases[release_id]
        names = " & ".join(a["name"] for a in data["artists"])
        return {
            "id": release_id,
            "type": "release",
            "title": f"{names} - {data['title']}",
            "label": [label["name"] for label in data["labels"]],
            "catno": data["labels"][0]["catno"],
            "year": str(data["year"]),
            "country": data["country"],
            "genre": data["genres"],
            "style": data["styles"],
            "format": ["Vinyl", '12"'],
            "uri": f"/release/{release_id}",
            "resource_url": data["resource_url"],
            "master_id": 0,
            "thumb": "",
        }

    def _wants_page(self, username: str, query: dict[str, str]) -> Reply:
        ids = self._wants.get(username)
        if ids is None:
            return Reply(404, {"message": "User does not exist or may have been deleted."})
        page, per_page = int(query.get("page", "1")), int(query.get("per_page", "50"))
        chosen = ids[(page - 1) * per_page : page * per_page]
        wants = [self._want(i) for i in chosen]
        pages = max(1, -(-len(ids) // per_page))
        return Reply(200, _page(wants, "wants", page, pages, per_page, len(ids)))

    def _want(self, release_id: int) -> dict[str, Any]:
        data = self._releases.get(release_id) or release_data(release_id, [], "?", tracks=[])
        info = {
            "id": release_id,
            "title": data["title"],
            "year": data["year"],
            "artists": data["artists"],
            "labels": data["labels"],
            "formats": [{"name": "Vinyl", "qty": "1", "descriptions": ['12"']}],
        }
        return {"id": release_id, "rating": 0, "notes": "", "basic_information": info}


def _page(
    items: list[dict[str, Any]],
    name: str,
    page: int,
    pages: int,
    per_page: int = 50,
    total: int | None = None,
) -> dict[str, Any]:
    pagination = {
        "page": page,
        "pages": pages,
        "per_page": per_page,
        "items": len(items) if total is None else total,
        "urls": {},
    }
    return {"pagination": pagination, name: items}
