"""The API page (Swagger UI) in real Chromium with every other origin cut off, as on a machine
without internet: the operations render from the app's own files and schema, and the browser
reports no Content-Security-Policy violation."""

from __future__ import annotations

from urllib.parse import urlsplit

from playwright.sync_api import Page, Route, expect

from domain.models import User
from tests.browser.test_csp import Console
from tests.web_fixtures import log_in


def test_the_api_page_works_offline_under_the_policy(page: Page, user: User, base_url: str) -> None:
    own = urlsplit(base_url).netloc
    elsewhere: list[str] = []

    def offline(route: Route) -> None:
        if urlsplit(route.request.url).netloc == own:
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort("internetdisconnected")

    page.route("**/*", offline)
    console = Console(page)
    log_in(page)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="API").click()
    expect(page).to_have_url(f"{base_url}/schema/swagger")
    mappings = page.locator(".opblock-summary-path", has_text="/api/v1/mappings").first
    expect(mappings).to_be_visible()
    expect(page.locator(".opblock-summary-path", has_text="/hooks/azuracast/")).to_be_visible()
    # Open one operation: its parameters and responses render too.
    page.locator(".opblock", has_text="/api/v1/resolve").first.locator(".opblock-summary").click()
    expect(page.locator(".opblock.is-open .parameters")).to_be_visible()
    assert elsewhere == []
    console.assert_clean(page)
