"""Where a DJ can buy a track: links built from its metadata, never scraped.

Each shop gets a search for "artists title (version)"; Discogs gets the release page when the
track knows its Discogs release, else a marketplace search. Nothing here asks a shop anything:
a link is only a URL, so it cannot fail, and shows the same whatever the shop is doing.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, urlencode

from domain.library.facts import TrackFacts


@dataclass(frozen=True, slots=True)
class PurchaseLink:
    shop: str  # as people know it: "Beatport", "Juno Download"
    url: str


def search_text(facts: TrackFacts) -> str:
    """What a shop is searched for: the primary artists, the song and a named version (a generic
    "Original Mix" would hide the track on shops that do not write it)."""
    artists = " ".join(facts.primary) or facts.artists
    words = [artists, facts.title_base]
    if not facts.version.generic and facts.version.text:
        words.append(facts.version.text)
    return " ".join(" ".join(words).split())


def _search(base: str, **query: str) -> str:
    # quote_via=quote writes a space as %20, which every shop reads; "+" some take literally.
    return f"{base}?{urlencode(query, quote_via=quote)}"


def purchase_links(facts: TrackFacts, discogs_release: str | None = None) -> list[PurchaseLink]:
    """The shops' links for one track, in the order the want-list shows them."""
    text = search_text(facts)
    if discogs_release and discogs_release.isdigit():
        discogs = f"https://www.discogs.com/release/{discogs_release}"
    else:
        discogs = _search("https://www.discogs.com/sell/list", q=text)
    return [
        PurchaseLink("Beatport", _search("https://www.beatport.com/search", q=text)),
        PurchaseLink("Bandcamp", _search("https://bandcamp.com/search", q=text, item_type="t")),
        # Juno's search form names its field q[all][]: the brackets are encoded too.
        PurchaseLink(
            "Juno Download", _search("https://www.junodownload.com/search/", **{"q[all][]": text})
        ),
        PurchaseLink("Traxsource", _search("https://www.traxsource.com/search", term=text)),
        PurchaseLink("Discogs", discogs),
        PurchaseLink("Apple Music", _search("https://music.apple.com/search", term=text)),
    ]
