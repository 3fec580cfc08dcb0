"""The API's documentation: the schema lists the JSON API and the webhook only, and the docs page
(Swagger UI) loads every script and style from this server, so it works offline and under the
strict Content-Security-Policy. In the browser: tests/browser/test_api_docs.py."""

from __future__ import annotations

from html.parser import HTMLParser

from tests.web_fixtures import Client

DOCS = "/schema/swagger"


class Assets(HTMLParser):
    """The URLs a page loads scripts and styles from, and any script written inline."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.inline_scripts = 0
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "script":
            self._in_script = True
            if found.get("src"):
                self.urls.append(str(found["src"]))
        if tag == "link" and found.get("rel") in ("stylesheet", "icon"):
            self.urls.append(str(found["href"]))

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.inline_scripts += 1


async def test_the_schema_lists_the_api_and_the_webhook_only(client: Client) -> None:
    answer = await client.get("/schema/openapi.json")
    assert answer.status_code == 200
    paths = list(answer.json()["paths"])
    assert "/api/v1/mappings" in paths
    assert "/api/v1/tracklists/{tracklist_id}" in paths
    assert "/hooks/azuracast/{slug}" in paths
    pages = [path for path in paths if not path.startswith(("/api/v1/", "/hooks/"))]
    assert pages == []


async def test_the_docs_page_loads_everything_from_this_server(client: Client) -> None:
    answer = await client.get(DOCS)
    assert answer.status_code == 200
    assets = Assets()
    assets.feed(answer.text)
    assert assets.inline_scripts == 0
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in assets.urls
    assert "/static/vendor/swagger-ui/swagger-ui.css" in assets.urls
    for url in assets.urls:
        assert url.startswith("/") and not url.startswith("//"), url  # 'self', no other origin
        served = await client.get(url)
        assert served.status_code == 200, url
    assert 'data-schema-url="/schema/openapi.json"' in answer.text


async def test_no_viewer_loads_remote_scripts(client: Client) -> None:
    """Litestar's own viewers load their scripts from a CDN: none of them is served."""
    for path in ("/schema/redoc", "/schema/elements", "/schema/rapidoc", "/schema/scalar"):
        answer = await client.get(path)
        assert answer.status_code == 404, path
        assert "cdn.jsdelivr.net" not in answer.text and "unpkg.com" not in answer.text


async def test_the_docs_need_a_login(anon_client: Client) -> None:
    answer = await anon_client.get(DOCS, follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/login?next={DOCS}"


async def test_the_navigation_links_the_api_page(client: Client) -> None:
    html = (await client.get("/")).text
    assert f'<a href="{DOCS}">API</a>' in html
