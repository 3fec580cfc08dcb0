"""Who may use which route: every route of the app, as every role and as anonymous, against the
table below (written here, not read from web/accounts/roles.py, so a slip in either shows), and
what an API token may do: /api/v1 only, a read token only reads, its owner's roles cap it."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import psycopg
import pytest
from litestar.routes import HTTPRoute

from domain.config import Settings
from domain.models import Role, TokenScope
from tests.web_fixtures import Client, csrf_token, log_in_client, make_api_token, make_user
from web.app import create_app

pytestmark = pytest.mark.usefixtures("clean_db")

# Every route, and who may use it: public (anyone), signed_in (any account), dashboard
# (admin/operator/dj), operator (admin/operator), dj (admin/dj), admin; metrics: no account at
# all, only the METRICS_TOKEN bearer (tests/test_metrics.py), so every login gets its 401.
ROUTES = """
GET    /                                                    dashboard
GET    /stats                                               dashboard
POST   /default-loop                                        admin
GET    /pins/{slug:str}                                     dashboard
POST   /pins/{slug:str}                                     operator
POST   /pins/{slug:str}/unpin                               operator
POST   /api/v1/stations/{station_id:int}/pin                operator
DELETE /api/v1/stations/{station_id:int}/pin                operator
GET    /live/stations                                       dashboard
GET    /live/stations/{slug:str}                            dashboard
GET    /api/v1/mappings                                     operator
POST   /api/v1/mappings                                     operator
GET    /api/v1/mappings/{mapping_id:int}                    operator
PATCH  /api/v1/mappings/{mapping_id:int}                    operator
DELETE /api/v1/mappings/{mapping_id:int}                    operator
POST   /api/v1/mappings/{mapping_id:int}/reactivate         operator
GET    /api/v1/resolve                                      operator
GET    /api/v1/stats                                        operator
GET    /loops                                               operator
POST   /loops                                               operator
GET    /loops/files                                         operator
POST   /loops/{mapping_id:int}                              operator
GET    /loops/{mapping_id:int}/edit                         operator
GET    /loops/{mapping_id:int}/row                          operator
POST   /loops/{mapping_id:int}/deactivate                   operator
POST   /loops/{mapping_id:int}/reactivate                   operator
GET    /loops/{mapping_id:int}/thumbnail.jpg                operator
POST   /loops/{mapping_id:int}/delete                       operator
GET    /loops/export                                        operator
POST   /loops/import                                        operator
GET    /loops/upload                                        operator
POST   /loops/upload                                        operator
GET    /loops/preview                                       operator
GET    /loops/media                                         operator
GET    /fallbacks                                           operator
POST   /fallbacks/map                                       operator
GET    /plays                                               operator
GET    /plays.csv                                           operator
GET    /stations                                            operator
GET    /stations/artwork/{slug:str}                         dashboard
POST   /stations                                            admin
GET    /stations/loop-files                                 admin
GET    /stations/{station_id:int}/edit                      admin
POST   /stations/{station_id:int}                           admin
POST   /stations/{station_id:int}/enable                    admin
POST   /stations/{station_id:int}/disable                   admin
POST   /stations/check                                      admin
POST   /stations/{station_id:int}/check                     admin
POST   /stations/{station_id:int}/delete                    admin
GET    /api/v1/tracklists                                   dj
DELETE /api/v1/tracklists/cache                             admin
POST   /api/v1/tracklists/imports                           dj
GET    /api/v1/tracklists/imports/{job_id:int}              dj
GET    /api/v1/tracklists/site-listing                      dj
GET    /api/v1/tracklists/site-search                       dj
GET    /api/v1/tracklists/{tracklist_id:int}                dj
DELETE /api/v1/tracklists/{tracklist_id:int}                dj
GET    /api/v1/tracklists/{tracklist_id:int}/cue            dj
POST   /api/v1/tracklists/{tracklist_id:int}/cue            dj
POST   /api/v1/tracklists/{tracklist_id:int}/discover-tracks dj
GET    /api/v1/tracklists/{tracklist_id:int}/discover-tracks/{job_id:str} dj
GET    /api/v1/library/tracks                               dj
GET    /api/v1/library/tracks/{track_id:int}                dj
GET    /api/v1/library/tracks/{track_id:int}/purchase-links dj
POST   /api/v1/library/tracks/{track_id:int}/identify dj
GET    /api/v1/library/export                               dj
GET    /api/v1/collection/files                             dj
GET    /api/v1/collection/files/{file_id:int}               dj
PATCH  /api/v1/collection/files/{file_id:int}               dj
GET    /api/v1/collection/files/{file_id:int}/cover         dj
POST   /api/v1/collection/files/status                      dj
POST   /api/v1/collection/files/batch                       dj
GET    /api/v1/collection/search                            dj
POST   /api/v1/enrich                                       dj
POST   /api/v1/enrich/batch                                 dj
GET    /api/v1/enrich/jobs/{job_id:str}                     dj
GET    /api/v1/enrich/stats                                 dj
GET    /api/v1/sources                                      dj
GET    /api/v1/want-list                                    dj
POST   /api/v1/want-list                                    dj
GET    /api/v1/want-list/export                             dj
GET    /api/v1/want-list/export-owned                       dj
POST   /api/v1/want-list/import-discogs                     dj
GET    /api/v1/want-list/import-discogs/{job_id:str}        dj
DELETE /api/v1/want-list/import-discogs/{job_id:str}        dj
PUT    /api/v1/want-list/{want_id:int}                      dj
DELETE /api/v1/want-list/{want_id:int}                      dj
GET    /library                                             dj
GET    /library/{track_id:int}                              dj
POST   /library/{track_id:int}/want                         dj
GET    /collection                                          dj
GET    /collection/export.m3u8                              dj
GET    /collection/export.xml                               dj
POST   /collection/scan                                     dj
GET    /collection/scan/{job_id:str}                        dj
GET    /collection/{file_id:int}                            dj
GET    /collection/{file_id:int}/cover.jpg                  dj
POST   /collection/{file_id:int}/reanalyse                  dj
POST   /collection/{file_id:int}/enrich                     dj
POST   /library/{track_id:int}/enrich                       dj
GET    /sources                                             dj
POST   /sources/enrich                                      dj
GET    /sources/enrich/{job_id:str}                         dj
GET    /want-list                                           dj
POST   /want-list/bulk                                      dj
POST   /want-list/import-discogs                            dj
GET    /want-list/import-discogs/{job_id:str}               dj
POST   /want-list/import-discogs/{job_id:str}/stop          dj
POST   /want-list/{want_id:int}                             dj
GET    /tracklists                                          dj
POST   /tracklists/imports                                  dj
GET    /tracklists/imports/{job_id:int}                     dj
GET    /tracklists/new                                      dj
POST   /tracklists/new                                      dj
GET    /tracklists/site-listing                             dj
GET    /tracklists/site-search                              dj
GET    /tracklists/{tracklist_id:int}                       dj
GET    /tracklists/{tracklist_id:int}/cue                   dj
GET    /tracklists/{tracklist_id:int}/cue/check             dj
GET    /tracklists/{tracklist_id:int}/delete                dj
POST   /tracklists/{tracklist_id:int}/delete                dj
GET    /tracklists/{tracklist_id:int}/export/{kind:str}     dj
GET    /tracklists/{tracklist_id:int}/versions/{number:int} dj
POST   /tracklists/{tracklist_id:int}/identify              dj
POST   /tracklists/{tracklist_id:int}/want-identified       dj
GET    /tracklists/identify/{job_id:str}                    dj
GET    /tracklists/{tracklist_id:int}/draft                 dj
POST   /tracklists/{tracklist_id:int}/draft                 dj
POST   /tracklists/{tracklist_id:int}/draft/discard         dj
POST   /tracklists/{tracklist_id:int}/draft/meta            dj
POST   /tracklists/{tracklist_id:int}/draft/paste           dj
POST   /tracklists/{tracklist_id:int}/draft/publish         dj
GET    /tracklists/{tracklist_id:int}/draft/rows            dj
POST   /tracklists/{tracklist_id:int}/draft/rows            dj
POST   /tracklists/{tracklist_id:int}/draft/rows/{row_id:int} dj
POST   /tracklists/{tracklist_id:int}/draft/rows/{row_id:int}/delete dj
GET    /tracklists/{tracklist_id:int}/draft/rows/{row_id:int}/edit dj
POST   /tracklists/{tracklist_id:int}/draft/rows/{row_id:int}/move dj
GET    /live/imports/{job_id:int}                           dj
GET    /library/discoveries                                 dj
GET    /api/v1/discovery/statistics                         dj
GET    /api/v1/discovery/trends                             dj
GET    /api/v1/discovery/sources/{tracklist_id:int}         dj
GET    /review                                              dj
GET    /review/count                                        dj
POST   /review/accept-above                                 dj
POST   /review/{discovery_id:int}/accept                    dj
POST   /review/{discovery_id:int}/unknown                   dj
POST   /review/{discovery_id:int}/reject                    dj
POST   /review/{discovery_id:int}/search                    dj
POST   /review/files/{file_id:int}/accept                   dj
POST   /review/files/{file_id:int}/reject                   dj
GET    /schema                                              signed_in
GET    /schema/openapi.json                                 signed_in
GET    /schema/swagger                                      signed_in
GET    /schema/{path:str}                                   signed_in
GET    /account                                             signed_in
POST   /account/time-zone                                   signed_in
GET    /account/password                                    signed_in
POST   /account/password                                    signed_in
GET    /account/tokens                                      signed_in
POST   /account/tokens                                      signed_in
POST   /account/tokens/{token_id:int}/revoke                signed_in
GET    /users                                               admin
POST   /users                                               admin
POST   /users/{user_id:int}/roles                           admin
POST   /users/{user_id:int}/disable                         admin
POST   /users/{user_id:int}/enable                          admin
POST   /users/{user_id:int}/delete                          admin
POST   /users/{user_id:int}/reset-link                      admin
GET    /reset-password                                      public
POST   /reset-password                                      public
GET    /health                                              public
GET    /metrics                                             metrics
GET    /favicon.ico                                         public
GET    /static/{file_path:path}                             public
HEAD   /static/{file_path:path}                             public
POST   /hooks/azuracast/{slug:str}                          public
GET    /login                                               public
POST   /login                                               public
GET    /setup                                               public
POST   /setup                                               public
POST   /logout                                              public
"""

WHO = ("anonymous", "admin", "operator", "dj")
# allowed: anything but 401/403/a login redirect; login: the login page (pages) or 401 (API).
EXPECTED = {
    "public": ("allowed", "allowed", "allowed", "allowed"),
    "signed_in": ("login", "allowed", "allowed", "allowed"),
    "dashboard": ("login", "allowed", "allowed", "allowed"),
    "operator": ("login", "allowed", "allowed", "403"),
    "dj": ("login", "allowed", "403", "allowed"),
    "admin": ("login", "allowed", "403", "403"),
    "metrics": ("401-page", "401-page", "401-page", "401-page"),
}
ROLES = {"admin": [Role.ADMIN], "operator": [Role.OPERATOR], "dj": [Role.DJ]}
PASSWORD = "a long enough password"
_PARAMETER = re.compile(r"\{(\w+):(\w+)\}")
SAMPLE = {
    "file_path": "/app.css",
    "kind": "txt",
    "slug": "none",
    "path": "redoc",
    "job_id": "0123abcd",
}


def table() -> dict[tuple[str, str], str]:
    return {
        (m, path): access
        for m, path, access in (line.split() for line in ROUTES.split("\n") if line)
    }


def app_routes(settings: Settings) -> set[tuple[str, str]]:
    """Every (method, path) the app answers, but OPTIONS (Litestar's own preflight answer)."""
    found = set()
    for route in create_app(settings).routes:
        assert isinstance(route, HTTPRoute), route
        found |= {(method, route.path) for method in route.route_handler_map if method != "OPTIONS"}
    return found


def concrete(path: str) -> str:
    return _PARAMETER.sub(lambda m: "1" if m.group(2) == "int" else SAMPLE[m.group(1)], path)


def verdict(path: str, status: int, location: str) -> str:
    if status == 403:
        return "403"
    if path == "/logout" and status == 303:
        return "allowed"  # its answer, for anyone, is the way to the login page
    if status == 401 or (status in (302, 303) and location.startswith("/login")):
        return "login" if status != 401 or path.startswith("/api/") else "401-page"
    return "allowed"


def test_every_route_is_in_the_table(settings: Settings) -> None:
    """A new route must be added here, with who may use it, or this fails."""
    assert app_routes(settings) == set(table())


@pytest.fixture
async def clients(
    settings: Settings, live_server: str
) -> AsyncIterator[dict[str, httpx.AsyncClient]]:
    """One client per WHO against the live server, each logged in with just that role."""
    opened: dict[str, httpx.AsyncClient] = {}
    try:
        for who in WHO:
            client = httpx.AsyncClient(base_url=live_server, timeout=20)
            opened[who] = client
            # Anonymous too: /login and /setup are public but still check CSRF.
            client.headers["x-csrftoken"] = await csrf_token(client)
            if who == "anonymous":
                continue
            await make_user(settings, who, PASSWORD, roles=ROLES[who])
            assert (await log_in_client(client, who, PASSWORD)).status_code == 303
            client.headers["x-csrftoken"] = await csrf_token(client)
        yield opened
    finally:
        for client in opened.values():
            await client.aclose()


async def test_every_route_answers_every_role_as_the_table_says(
    settings: Settings, clients: dict[str, httpx.AsyncClient]
) -> None:
    wrong = []
    # /logout last: it ends the session the other requests ride on.
    for (method, path), access in sorted(table().items(), key=lambda item: item[0][1] == "/logout"):
        url = concrete(path)
        for who, expected in zip(WHO, EXPECTED[access], strict=True):
            # Streamed: the live (SSE) routes never end, only their status is wanted.
            async with clients[who].stream(method, url) as answer:
                got = verdict(path, answer.status_code, answer.headers.get("location", ""))
                status = answer.status_code
            if got != expected:
                wrong.append(f"{method} {url} as {who}: {status} ({got}), expected {expected}")
    assert not wrong, "\n".join(wrong)


# Tokens -----------------------------------------------------------------------------------------


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _count(database_url: str, table_name: str) -> int:
    with psycopg.connect(database_url) as conn:
        row = conn.execute(f"SELECT count(*) FROM {table_name}").fetchone()  # noqa: S608
    assert row is not None
    return int(row[0])


MAPPING = {"artist": "Artist", "title": "Title", "loop_path": "a.mp4"}


@pytest.fixture
async def anon(settings: Settings) -> AsyncIterator[Client]:
    from litestar.testing import AsyncTestClient

    await make_user(settings, "boss", PASSWORD)  # the first account: admin
    async with AsyncTestClient(create_app(settings)) as client:
        yield client


async def test_a_token_on_a_page_is_refused_and_changes_nothing(
    anon: Client, settings: Settings, database_url: str
) -> None:
    token = await make_api_token(settings, "boss", scope=TokenScope.WRITE)
    page = await anon.get("/loops", headers=_bearer(token), follow_redirects=False)
    assert page.status_code == 401
    assert "API tokens work on /api/v1 only" in page.text
    form = {"artist": "Artist", "title": "Title", "loop_path": "a.mp4"}
    posted = await anon.post("/loops", data=form, headers=_bearer(token), follow_redirects=False)
    assert posted.status_code == 401
    assert _count(database_url, "track_mappings") == 0
    # The same token on the API does the same thing.
    api = await anon.post("/api/v1/mappings", json=MAPPING, headers=_bearer(token))
    assert api.status_code == 201, api.text
    assert _count(database_url, "track_mappings") == 1


async def test_a_read_token_only_reads(anon: Client, settings: Settings, database_url: str) -> None:
    token = await make_api_token(settings, "boss", scope=TokenScope.READ)
    created = await anon.post("/api/v1/mappings", json=MAPPING, headers=_bearer(token))
    assert created.status_code == 403
    assert created.json()["detail"] == "this token is read-only: create one with --scope write"
    assert _count(database_url, "track_mappings") == 0
    assert (await anon.get("/api/v1/mappings", headers=_bearer(token))).status_code == 200
    for method in ("PATCH", "DELETE"):
        answer = await anon.request(method, "/api/v1/mappings/1", json={}, headers=_bearer(token))
        assert answer.status_code == 403, method


async def test_the_owners_roles_cap_a_write_token(
    anon: Client, settings: Settings, database_url: str
) -> None:
    await make_user(settings, "spinner", PASSWORD, roles=[Role.DJ])
    token = await make_api_token(settings, "spinner", scope=TokenScope.WRITE)
    refused = await anon.post("/api/v1/mappings", json=MAPPING, headers=_bearer(token))
    assert refused.status_code == 403
    assert refused.json() == {"status_code": 403, "detail": "this needs the admin or operator role"}
    assert _count(database_url, "track_mappings") == 0
    assert (await anon.get("/api/v1/tracklists", headers=_bearer(token))).status_code == 200
    cache = await anon.delete("/api/v1/tracklists/cache", headers=_bearer(token))
    assert cache.status_code == 403


async def test_anonymous_api_gets_401_json_and_a_forbidden_page_a_403_page(
    anon: Client, settings: Settings
) -> None:
    answer = await anon.get("/api/v1/mappings")
    assert answer.status_code == 401
    assert answer.json()["status_code"] == 401
    await make_user(settings, "spinner", PASSWORD, roles=[Role.DJ])
    assert (await log_in_client(anon, "spinner", PASSWORD)).status_code == 303
    page = await anon.get("/loops", follow_redirects=False)
    assert page.status_code == 403
    assert page.headers["content-type"].startswith("text/html")
    assert "this needs the admin or operator role" in page.text
