"""What is wrong with a 1001tracklists page we cannot read; the challenge or homepage told apart."""

from __future__ import annotations

from urllib.parse import urlsplit

from selectolax.lexbor import LexborHTMLParser

from domain.tracklists import selectors as S
from domain.tracklists.markup import _all, _canonical, _clean, _first


class PageError(Exception):
    """The page is not a tracklist we can store."""


class ChallengePage(PageError):
    """The site answered with its anti-bot challenge, or its homepage, instead of the page."""


class LayoutError(PageError):
    """A page we do not understand (the layout changed); the message names what is missing."""


class PageEncodingError(PageError):
    """The bytes do not decode with the declared charset (or UTF-8 when none is declared)."""


def _refuse_challenge(tree: LexborHTMLParser, url: str | None, *, listing: bool = False) -> None:
    """Raise ChallengePage when the page is the challenge or the homepage (by structure)."""
    if _first(tree, S.CHALLENGE) is not None:
        raise ChallengePage("the site answered with its anti-bot challenge (a captcha form)")
    for element in _all(tree, S.CHALLENGE_TEXT_ELEMENTS):
        if any(marker in _clean(element.text()).lower() for marker in S.CHALLENGE_TEXTS):
            raise ChallengePage(
                "the site answered with its anti-bot challenge"
                " (“Please wait, you will be forwarded”)"
            )
    canonical = _canonical(_first(tree, S.CANONICAL))
    asked_home = url is not None and urlsplit(url).path in S.HOMEPAGE_PATHS
    if canonical is not None:
        if urlsplit(canonical).path in S.HOMEPAGE_PATHS and not asked_home:
            raise ChallengePage("the site answered with its homepage instead of the page asked for")
    elif (
        not listing
        and _first(tree, S.PAGE_TITLE) is None
        and len(_all(tree, S.TRACKLIST_LINKS)) >= S.HOMEPAGE_MIN_TRACKLIST_LINKS
    ):
        raise ChallengePage(
            "the site answered with a page listing tracklists (its homepage?) instead of the"
            f" tracklist: no {S.PLAYLIST.name}"
        )
