"""Now-playing artwork through our server: fetched from the station's own origin only (the fake
AzuraCast serving it), size- and type-checked, cached in Redis; the page never names the station's
URL and the CSP allows images from us alone."""

from __future__ import annotations

import html
from collections.abc import Iterator

import pytest

from tests.daemon_process import SLUG, add_station
from tests.fakes.azuracast import ART_PNG, FakeAzuraCast
from tests.test_dashboard import make_card, store_health
from tests.web_fixtures import Client

ARTWORK = f"/stations/artwork/{SLUG}"


@pytest.fixture
def station_server() -> Iterator[FakeAzuraCast]:
    with FakeAzuraCast("radio-one") as fake:
        yield fake


@pytest.fixture
def other_server() -> Iterator[FakeAzuraCast]:
    """Another server on the same host, another port: another origin."""
    with FakeAzuraCast("elsewhere") as fake:
        yield fake


def _station_showing(database_url: str, fake: FakeAzuraCast, art: str | None) -> None:
    station_id = add_station(database_url, base_url=fake.url)
    store_health(database_url, station_id, make_card("Daft Punk", "One More Time", art=art))


async def test_the_artwork_comes_from_the_station_once_then_from_the_cache(
    client: Client, database_url: str, station_server: FakeAzuraCast
) -> None:
    art = f"{station_server.url}/api/station/1/art/abc-1700000000.jpg"
    _station_showing(database_url, station_server, art)

    first = await client.get(ARTWORK)
    second = await client.get(ARTWORK)

    for answer in (first, second):
        assert answer.status_code == 200, answer.text
        assert answer.content == ART_PNG
        assert answer.headers["content-type"] == "image/png"
    assert station_server.requests["art"] == 1  # the second came from the cache
    sent = {name.lower() for name in station_server.last_headers["art"]}
    assert "x-api-key" not in sent and "authorization" not in sent and "cookie" not in sent


async def test_artwork_on_another_origin_is_never_fetched(
    client: Client,
    database_url: str,
    station_server: FakeAzuraCast,
    other_server: FakeAzuraCast,
) -> None:
    _station_showing(database_url, station_server, f"{other_server.url}/api/station/1/art/x.jpg")

    answer = await client.get(ARTWORK)

    assert answer.status_code == 404
    assert "not on the station's own server" in html.unescape(answer.text)
    assert other_server.requests["art"] == 0
    assert station_server.requests["art"] == 0


async def test_artwork_over_the_size_cap_is_refused_and_not_asked_again_at_once(
    client: Client, database_url: str, station_server: FakeAzuraCast
) -> None:
    station_server.art = ART_PNG + b"\0" * (2 * 1024 * 1024)
    _station_showing(database_url, station_server, f"{station_server.url}/api/station/1/art/b.jpg")

    first = await client.get(ARTWORK)
    second = await client.get(ARTWORK)

    for answer in (first, second):
        assert answer.status_code == 502
        assert "larger than 2 MB" in answer.text
    assert station_server.requests["art"] == 1  # the failure is remembered for a minute


@pytest.mark.parametrize("content_type", ["text/html", "image/svg+xml", ""])
async def test_anything_but_an_image_is_refused(
    client: Client, database_url: str, station_server: FakeAzuraCast, content_type: str
) -> None:
    station_server.art_type = content_type
    _station_showing(database_url, station_server, f"{station_server.url}/api/station/1/art/c.jpg")

    answer = await client.get(ARTWORK)

    assert answer.status_code == 502
    assert "not an image" in answer.text
    assert ART_PNG not in answer.content


async def test_no_art_and_no_station_are_404(
    client: Client, database_url: str, station_server: FakeAzuraCast
) -> None:
    _station_showing(database_url, station_server, None)
    assert (await client.get(ARTWORK)).status_code == 404
    assert (await client.get("/stations/artwork/no-such-station")).status_code == 404
    assert station_server.requests["art"] == 0


async def test_the_page_shows_our_artwork_url_under_a_self_only_image_policy(
    client: Client, database_url: str, station_server: FakeAzuraCast
) -> None:
    art = f"{station_server.url}/api/station/1/art/abc.jpg"
    _station_showing(database_url, station_server, art)

    page = await client.get("/")

    assert f'src="{ARTWORK}?v={"0" * 32}"' in page.text
    assert station_server.url not in page.text
    policy = page.headers["content-security-policy"]
    directives = {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}
    assert directives["img-src"] == ["'self'", "data:"]
