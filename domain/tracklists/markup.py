"""Lookups and text clean-up on lexbor trees that the 1001tracklists page parsers share."""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import urljoin, urlsplit, urlunsplit

from selectolax.lexbor import LexborCSSSelector, LexborHTMLParser, LexborNode

from domain.tracklists import selectors as S


def _first(node: LexborNode | LexborHTMLParser, selector: S.Selector) -> LexborNode | None:
    """The first match of the selector's first CSS that matches (below `node`, not `node`)."""
    own = node.mem_id if isinstance(node, LexborNode) else None
    for css in selector.css:
        found = node.css_first(css)
        if found is not None and found.mem_id == own:  # document order: `node` comes first
            found = next((match for match in node.css(css) if match.mem_id != own), None)
        if found is not None:
            return found
    return None


def _all(
    node: LexborNode | LexborHTMLParser,
    selector: S.Selector,
    engine: LexborCSSSelector | None = None,
) -> list[LexborNode]:
    """Every match of the selector's first CSS that matches. Lexbor counts a node as matching
    its own query; a part of a row is never the row itself, so `node` is left out. `engine`:
    a CSS engine to use instead of the tree's own (below a node)."""
    for css in selector.css:
        found = _all_of(node, css, engine) if isinstance(node, LexborNode) else node.css(css)
        if found:
            return found
    return []


def _all_of(
    node: LexborNode, css: str, engine: LexborCSSSelector | None = None
) -> list[LexborNode]:
    """Every match of `css` below `node` (not `node` itself)."""
    matches = engine.find(css, node) if engine is not None else node.css(css)
    if matches and matches[0].mem_id == node.mem_id:  # in document order, `node` comes first
        del matches[0]
    return matches


def _clean(text: str | None) -> str:
    return " ".join((text or "").split())


def _unbracket(text: str, pair: str) -> str:
    if len(text) >= 2 and text[0] == pair[0] and text[-1] == pair[1]:
        return text[1:-1].strip()
    return text


def _iso_date(text: str | None) -> date | None:
    found = re.search(r"\d{4}-\d{2}-\d{2}", text or "")
    if not found:
        return None
    try:
        return date.fromisoformat(found.group(0))
    except ValueError:
        return None


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def _absolute(href: str, base: str, origin: str) -> str:
    if origin and href.startswith("/") and not href.startswith("//"):
        return origin + href  # the common case, without urljoin's cost
    return urljoin(base, href)


def _without_query(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(query="", fragment=""))


def _canonical(node: LexborNode | None) -> str | None:
    if node is None:
        return None
    return (node.attributes.get("href") or node.attributes.get("content") or "").strip() or None
