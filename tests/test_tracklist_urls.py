"""Which URLs are on the configured 1001tracklists site: refused before any request or canonical."""

from __future__ import annotations

import pytest

from domain.config import Settings
from domain.tracklists.urls import SiteUrls, UrlRefused

REAL = SiteUrls("https://www.1001tracklists.com", "https://1001.tl")
LOCAL = SiteUrls("http://127.0.0.1:5555", "http://127.0.0.1:5556")
CANONICAL = "https://www.1001tracklists.com/tracklist/2p0ft6g9/adam-beyer-drumcode-500.html"
HINT = "a tracklist URL looks like https://www.1001tracklists.com/tracklist/<id>/<name>.html"


@pytest.mark.parametrize(
    "raw",
    [
        CANONICAL,
        "  " + CANONICAL + "  ",
        "https://1001tracklists.com/tracklist/2p0ft6g9/adam-beyer-drumcode-500.html",
        "http://www.1001tracklists.com/tracklist/2p0ft6g9/adam-beyer-drumcode-500.html",
        "https://WWW.1001Tracklists.COM/tracklist/2p0ft6g9/adam-beyer-drumcode-500.html",
        "https://www.1001tracklists.com./tracklist/2p0ft6g9/adam-beyer-drumcode-500.html",
        "https://www.1001tracklists.com:443/tracklist/2p0ft6g9/adam-beyer-drumcode-500.html",
        "https://www.1001tracklists.com/tracklist/2p0ft6g9/adam-beyer-drumcode-500",
        "https://www.1001tracklists.com/tracklist/2p0ft6g9/adam-beyer-drumcode-500/",
        CANONICAL + "?ref=share#tlp_123",
        "www.1001tracklists.com/tracklist/2p0ft6g9/adam-beyer-drumcode-500.html",
    ],
)
def test_tracklist_urls_are_canonicalised(raw: str) -> None:
    assert REAL.tracklist_url(raw) == CANONICAL


@pytest.mark.parametrize(
    "raw", ["https://1001.tl/2p0ft6g9", "http://1001.tl/2p0ft6g9/", "1001.tl/2p0ft6g9"]
)
def test_short_links_are_accepted(raw: str) -> None:
    assert REAL.tracklist_url(raw) == "https://1001.tl/2p0ft6g9"
    assert REAL.is_short_link(REAL.tracklist_url(raw))
    assert not REAL.is_short_link(CANONICAL)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        # other hosts, look-alikes included
        ("https://evil.example/tracklist/1/x.html", "evil.example is another host"),
        (
            "https://www.1001tracklists.com.evil.example/tracklist/1/x.html",
            "www.1001tracklists.com.evil.example is another host",
        ),
        ("https://www.1001tracklists.co/tracklist/1/x.html", "is another host"),
        ("https://www.1001tracklists.com%2eevil.example/tracklist/1/x.html", "another host"),
        ("https://m.1001tracklists.com/tracklist/1/x.html", "m.1001tracklists.com is another"),
        ("https://1001.tl.evil.example/abc", "another host"),
        # user-info tricks: the real host is the part after "@"
        ("https://www.1001tracklists.com@evil.example/tracklist/1/x.html", "user name"),
        ("https://user:pw@www.1001tracklists.com/tracklist/1/x.html", "user name or password"),
        ("https://evil.example\\@www.1001tracklists.com/tracklist/1/x.html", "backslashes"),
        ("https://www.1001tracklists.com /tracklist/1/x.html", "spaces"),
        # IP literals
        ("https://104.26.7.52/tracklist/1/x.html", "104.26.7.52 is an IP address"),
        ("http://127.0.0.1/tracklist/1/x.html", "127.0.0.1 is an IP address"),
        ("http://[::1]/tracklist/1/x.html", "::1 is an IP address"),
        ("http://2130706433/tracklist/1/x.html", "2130706433 is an IP address"),
        ("http://0x7f000001/tracklist/1/x.html", "is an IP address"),
        # schemes
        ("file:///etc/passwd", "the scheme 'file:' is not http or https"),
        ("javascript:alert(1)", "the scheme 'javascript:' is not http or https"),
        ("ftp://www.1001tracklists.com/tracklist/1/x.html", "the scheme 'ftp:'"),
        ("data:text/html,<h1>x</h1>", "the scheme 'data:'"),
        # ports
        ("https://www.1001tracklists.com:8443/tracklist/1/x.html", "port 8443"),
        # paths that are not a tracklist
        ("https://www.1001tracklists.com/", "/ is not a tracklist page"),
        ("https://www.1001tracklists.com/dj/adambeyer/index.html", "is not a tracklist page"),
        ("https://www.1001tracklists.com/tracklist/2p0ft6g9/", "is not a tracklist page"),
        ("https://www.1001tracklists.com/tracklist/../admin/x.html", "is not a tracklist page"),
        ("https://www.1001tracklists.com/tracklist/2p0ft6g9/a/b.html", "is not a tracklist page"),
        ("https://1001.tl/abc/def", "/abc/def is not a short link"),
        # nonsense
        ("", "it is empty"),
        ("   ", "it is empty"),
        ("https://www.1001tracklists.com:99999/tracklist/1/x.html", "not a valid URL"),
        ("https:///tracklist/1/x.html", "no host"),
    ],
)
def test_urls_off_the_site_are_refused_with_the_reason(raw: str, reason: str) -> None:
    with pytest.raises(UrlRefused) as refused:
        REAL.tracklist_url(raw)
    message = str(refused.value)
    assert reason in message
    assert HINT in message and "https://1001.tl/<id>" in message


def test_a_refused_url_is_a_value_error_with_a_bounded_message() -> None:
    raw = "https://evil.example/" + "a" * 5000
    with pytest.raises(ValueError, match="another host") as refused:
        REAL.tracklist_url(raw)
    assert len(str(refused.value)) < 400


def test_local_site_needs_its_own_address_and_port() -> None:
    assert LOCAL.tracklist_url("http://127.0.0.1:5555/tracklist/1abc/x") == (
        "http://127.0.0.1:5555/tracklist/1abc/x.html"
    )
    assert LOCAL.tracklist_url("http://127.0.0.1:5556/1abc") == "http://127.0.0.1:5556/1abc"
    refusals = {
        "http://127.0.0.1/tracklist/1abc/x.html": "the default port is not the site's port",
        "http://127.0.0.1:5557/tracklist/1abc/x.html": "port 5557 is not the site's port",
        "http://127.0.0.2:5555/tracklist/1abc/x.html": "127.0.0.2 is an IP address",
        "http://localhost:5555/tracklist/1abc/x.html": "localhost is another host",
        "http://127.0.0.1:5556/tracklist/1abc/x.html": "is not a short link",
    }
    for raw, reason in refusals.items():
        with pytest.raises(UrlRefused, match=reason):
            LOCAL.tracklist_url(raw)


def test_page_urls_are_any_page_on_the_site_but_nowhere_else() -> None:
    assert REAL.page_url("1001tracklists.com/dj/adambeyer/index.html?page=2#top") == (
        "https://www.1001tracklists.com/dj/adambeyer/index.html?page=2"
    )
    assert REAL.page_url("https://www.1001tracklists.com") == "https://www.1001tracklists.com/"
    for raw in ("https://1001.tl/abc", "https://evil.example/dj/x/index.html", "file:///x"):
        with pytest.raises(UrlRefused, match="a DJ or source page looks like") as refused:
            REAL.page_url(raw)
        assert "tracklist URL" not in str(refused.value)
    assert REAL.fetchable_url("https://1001.tl/abc") == "https://1001.tl/abc"


def test_tracklist_id() -> None:
    assert REAL.tracklist_id(CANONICAL) == "2p0ft6g9"
    assert REAL.tracklist_id("https://www.1001tracklists.com/dj/x/index.html") is None
    assert REAL.tracklist_id("https://evil.example/tracklist/1/x.html") is None


def test_built_from_the_settings(settings: Settings) -> None:
    site = SiteUrls.from_settings(settings)
    assert site == SiteUrls.from_settings(settings.tracklists)
    assert site.base_url == settings.tracklists.base_url
    assert site.tracklist_url(site.base_url + "/tracklist/1abc/x.html").startswith(site.base_url)
