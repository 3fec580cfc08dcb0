"""Security headers on every response (pages, API, static files, errors, health), HSTS only over
https, and pages that need nothing the Content-Security-Policy refuses (no inline script, no
inline style, no event-handler attributes)."""

from __future__ import annotations

import re

import httpx
import pytest
from litestar.testing import AsyncTestClient

from domain.config import Settings
from tests.web_fixtures import Client
from web.app import create_app

EXPECTED = {
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
}
# An inline <script> (one without src), a <style> block or style="", or an on...="" handler.
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<style\b|\sstyle\s*=", re.IGNORECASE)
HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
PAGES = [
    "/",
    "/loops",
    "/fallbacks",
    "/stations",
    "/plays",
    "/tracklists",
    "/tracklists/new",
    "/schema/swagger",
]


def assert_secured(answer: httpx.Response) -> None:
    for name, value in EXPECTED.items():
        assert answer.headers.get(name) == value, f"{answer.request.url}: {name}"
    policy = answer.headers["content-security-policy"]
    directives = {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}
    assert directives["default-src"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert "script-src" not in directives  # default-src 'self': no inline script, no eval
    assert "style-src" not in directives  # and no inline style
    assert "strict-transport-security" not in answer.headers  # plain http here


async def test_every_kind_of_response_carries_the_headers(
    client: Client, anon_client: Client
) -> None:
    answers = [
        await anon_client.get("/login"),
        await anon_client.get("/health"),
        await anon_client.get("/", follow_redirects=False),
        await anon_client.get("/static/app.js"),
        await anon_client.get("/static/vendor/htmx.min.js"),
        await client.get("/loops"),
        await client.get("/api/v1/mappings"),
        await client.get("/no-such-page"),
        await client.get("/api/v1/mappings/999"),
        await client.get("/api/v1/mappings", params={"q": "a\x00"}),
        await client.post("/loops", data={"artist": "A"}),
    ]
    statuses = [answer.status_code for answer in answers]
    assert statuses == [200, 200, 303, 200, 200, 200, 200, 404, 404, 400, 422]
    for answer in answers:
        assert_secured(answer)


async def test_hsts_is_sent_over_https_only(settings: Settings, user: object) -> None:
    async with AsyncTestClient(create_app(settings), base_url="https://testserver.local") as tls:
        answer = await tls.get("/login")
    assert answer.headers["strict-transport-security"] == "max-age=31536000"


@pytest.mark.parametrize("path", PAGES)
async def test_pages_have_no_inline_script_style_or_handlers(client: Client, path: str) -> None:
    answer = await client.get(path)
    assert answer.status_code == 200, answer.text
    html = answer.text
    assert not INLINE_SCRIPT.findall(html), path
    assert not INLINE_STYLE.findall(html), path
    assert not HANDLER.findall(html), path
    assert "hx-on" not in html


async def test_the_login_and_error_pages_have_no_inline_script(anon_client: Client) -> None:
    for path in ("/login", "/no-such-page"):
        html = (await anon_client.get(path)).text
        assert not INLINE_SCRIPT.findall(html) and not INLINE_STYLE.findall(html)


async def test_the_api_page_and_the_schema_keep_the_strict_policy(client: Client) -> None:
    for path in ("/schema/swagger", "/schema/openapi.json"):
        answer = await client.get(path)
        assert answer.status_code == 200, path
        assert_secured(answer)
