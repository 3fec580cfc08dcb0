"""Which URLs are on the configured 1001tracklists site, and their canonical form.

Everything is checked before any request: other hosts (look-alikes, `user@host` tricks), IP
literals, non-http(s) schemes and paths that are not a tracklist are refused with a message
saying what would be valid. Rules:

- the host must be the configured one; a leading `www.` is optional on both sides;
- the port must be the configured one: an explicit port must equal it, no port means the
  scheme's default and is only accepted when the configured URL has no port either;
- http and https are both accepted (the site redirects one to the other) and the canonical form
  always uses the configured scheme, host and port;
- a tracklist is `/tracklist/<id>/<slug>.html`; the `.html` may be missing when pasted (the
  canonical form adds it back: the site needs it); query and fragment are dropped;
- a short link is `<short_url>/<id>`.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit, urlunsplit

from domain.config import Settings, TracklistsSettings

_TRACKLIST_PATH = re.compile(r"/tracklist/(?P<id>[A-Za-z0-9]+)/(?P<slug>[^/]+?)(?:\.html)?/?")
_SHORT_PATH = re.compile(r"/(?P<id>[A-Za-z0-9]+)/?")
_FORBIDDEN_CHARS = re.compile(r"[\s\\\x00-\x1f\x7f]")
_NUMERIC_HOST = re.compile(r"^(0x[0-9a-f]+|[0-9.]+)$")
_DEFAULT_PORTS = {"http": 80, "https": 443}
_SHOWN = 120  # characters of a refused URL repeated in the message


class UrlRefused(ValueError):
    """A URL we will not fetch; the message says why and what a valid one looks like."""


@dataclass(frozen=True)
class _Origin:
    scheme: str
    host: str  # lower case, without "www." (unless an IP literal)
    port: int | None  # explicit port in the configured URL, None: the scheme's default
    netloc: str
    path: str  # base path prefix without trailing slash ("" normally)

    @classmethod
    def parse(cls, url: str) -> _Origin:
        parts = urlsplit(url)
        host = _host_key(parts.hostname or "")
        return cls(parts.scheme, host, parts.port, parts.netloc, parts.path.rstrip("/"))

    def matches(self, parts: SplitResult) -> bool:
        try:
            port = parts.port
        except ValueError:  # "host:99999" or "host:abc"
            return False
        if port is not None and port != (self.port or _DEFAULT_PORTS[self.scheme]):
            return False
        if port is None and self.port is not None:
            return False
        return _host_key(parts.hostname or "") == self.host

    def absolute(self, path: str, query: str = "") -> str:
        return urlunsplit((self.scheme, self.netloc, self.path + path, query, ""))


def _host_key(host: str) -> str:
    host = host.lower().rstrip(".")
    return host[4:] if host.startswith("www.") else host


def _is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return bool(_NUMERIC_HOST.match(host))  # 2130706433, 0x7f000001, 127.1: IPs to a browser
    return True


@dataclass(frozen=True)
class SiteUrls:
    """The configured site and short-link host; checks and canonicalises URLs for them."""

    base_url: str
    short_url: str

    @classmethod
    def from_settings(cls, settings: Settings | TracklistsSettings) -> SiteUrls:
        site = settings.tracklists if isinstance(settings, Settings) else settings
        return cls(site.base_url, site.short_url)

    @property
    def _site(self) -> _Origin:
        return _Origin.parse(self.base_url)

    @property
    def _short(self) -> _Origin:
        return _Origin.parse(self.short_url)

    def tracklist_url(self, raw: str) -> str:
        """The canonical tracklist URL (or short-link URL) for `raw`; raises UrlRefused."""
        parts = self._split(raw, allow_short=True)
        if self._short.matches(parts):
            return self._short_link(raw, parts)
        relative = self._relative_path(raw, parts)
        match = _TRACKLIST_PATH.fullmatch(relative)
        if match is None or match["slug"] in (".", ".."):
            raise self._refused(raw, f"{parts.path or '/'} is not a tracklist page")
        return self._site.absolute(f"/tracklist/{match['id']}/{match['slug']}.html")

    def page_url(self, raw: str) -> str:
        """The canonical URL of any page on the site (DJ, source, search, tracklist pages)."""
        parts = self._split(raw, allow_short=False, pages=True)
        relative = self._relative_path(raw, parts, pages=True)
        return self._site.absolute(relative, parts.query)

    def fetchable_url(self, raw: str) -> str:
        """`page_url`, or the canonical short link when `raw` is one (what the client may fetch)."""
        parts = self._split(raw, allow_short=True)
        if self._short.matches(parts):
            return self._short_link(raw, parts)
        return self._site.absolute(self._relative_path(raw, parts), parts.query)

    def is_short_link(self, url: str) -> bool:
        """Whether `url` is a short link (`<short_url>/<id>`) on the configured short-link host."""
        try:
            parts = urlsplit(url.strip())
        except ValueError:
            return False
        return (
            parts.scheme in _DEFAULT_PORTS
            and not parts.username
            and self._short.matches(parts)
            and _SHORT_PATH.fullmatch(parts.path) is not None
        )

    def tracklist_id(self, url: str) -> str | None:
        """The site's id in a tracklist URL (`/tracklist/<id>/…`), None for anything else."""
        try:
            canonical = self.tracklist_url(url)
        except UrlRefused:
            return None
        match = _TRACKLIST_PATH.fullmatch(self._relative_path(url, urlsplit(canonical)))
        return match["id"] if match and not self.is_short_link(canonical) else None

    # --- checks -------------------------------------------------------------------------

    def _split(self, raw: str, *, allow_short: bool, pages: bool = False) -> SplitResult:
        text = raw.strip()
        if not text:
            raise self._refused(raw, "it is empty", pages=pages)
        if _FORBIDDEN_CHARS.search(text):
            raise self._refused(
                raw, "it contains spaces, backslashes or control characters", pages=pages
            )
        if "://" not in text and not re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", text):
            text = f"{self._site.scheme}://{text.lstrip('/')}"  # pasted without a scheme
        try:
            parts = urlsplit(text)
            parts.port  # noqa: B018  (raises ValueError on a bad port)
        except ValueError:
            raise self._refused(raw, "it is not a valid URL", pages=pages) from None
        if parts.scheme.lower() not in _DEFAULT_PORTS:
            raise self._refused(
                raw, f"the scheme {parts.scheme + ':'!r} is not http or https", pages=pages
            )
        if parts.username is not None or parts.password is not None or "@" in parts.netloc:
            raise self._refused(
                raw, "it carries a user name or password before the host", pages=pages
            )
        host = (parts.hostname or "").lower()
        if not host:
            raise self._refused(raw, "it has no host", pages=pages)
        on_site = self._site.matches(parts) or (allow_short and self._short.matches(parts))
        if on_site:
            return parts
        if _host_key(host) in (self._site.host, self._short.host):
            port = f"port {parts.port}" if parts.port else "the default port"
            raise self._refused(raw, f"{port} is not the site's port", pages=pages)
        if _is_ip_literal(host):
            raise self._refused(
                raw, f"{host} is an IP address, not the site's host name", pages=pages
            )
        raise self._refused(raw, f"{host} is another host", pages=pages)

    def _relative_path(self, raw: str, parts: SplitResult, *, pages: bool = False) -> str:
        path = parts.path or "/"
        base = self._site.path
        if base:
            if path != base and not path.startswith(base + "/"):
                raise self._refused(raw, f"{path} is outside {self.base_url}", pages=pages)
            path = path[len(base) :] or "/"
        return path

    def _short_link(self, raw: str, parts: SplitResult) -> str:
        match = _SHORT_PATH.fullmatch(parts.path)
        if match is None:
            raise self._refused(raw, f"{parts.path or '/'} is not a short link")
        return self._short.absolute(f"/{match['id']}")

    def _refused(self, raw: str, reason: str, *, pages: bool = False) -> UrlRefused:
        shown = raw if len(raw) <= _SHOWN else raw[:_SHOWN] + "…"
        if pages:
            valid = (
                f"a DJ or source page looks like {self.base_url}/dj/<name>/index.html or"
                f" {self.base_url}/source/<id>/<name>/index.html"
            )
        else:
            valid = (
                f"a tracklist URL looks like {self.base_url}/tracklist/<id>/<name>.html"
                f" or {self.short_url}/<id>"
            )
        return UrlRefused(f"refused {shown!r}: {reason}; {valid}")
