"""Every CSS selector the 1001tracklists parser uses, in one table.

The site's layout changed at least three times since 2021. When it changes again, this is the
one file to edit: each `Selector` lists its CSS best first, and the parser takes the first one
that finds something; the schema.org metas are the fallback for the visible markup.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Selector:
    """What a part of the page is called in error messages, and the CSS finding it, best first."""

    name: str
    css: tuple[str, ...]


# --- the tracklist page ---------------------------------------------------------------------------

PLAYLIST_ID = "tlTab"
PLAYLIST = Selector("#tlTab", (f"#{PLAYLIST_ID}", '[itemtype*="schema.org/MusicPlaylist"]'))
# How the table's start tag reads in the page source: the parser looks for it in the text to
# parse the page in segments (segments.py checks every guess it makes from the text).
PLAYLIST_START_TEXT = f'id="{PLAYLIST_ID}"'
PAGE_TITLE = Selector("#pageTitle h1", ("#pageTitle h1", "#pageTitle", "h1"))
# The DJ and source links, looked for in the (first) title block.
TITLE_BLOCK = Selector("#pageTitle", ("#pageTitle",))
DJ_LINKS = Selector("DJ links", ('#pageTitle h1 a[href^="/dj/"]', '#pageTitle a[href*="/dj/"]'))
SOURCE_LINKS = Selector(
    "source links", ('#pageTitle h1 a[href^="/source/"]', '#pageTitle a[href*="/source/"]')
)
# The page's own URL: `href` of the link, else `content` of the meta.
CANONICAL = Selector("canonical link", ('link[rel="canonical"]', 'meta[property="og:url"]'))
DOCUMENT_TITLE = Selector("<title>", ("title",))
DOCUMENT_TITLE_SUFFIX = " | 1001Tracklists"

# Metas of the playlist itself, not its tracks': the table's direct children (read without CSS,
# which is faster), else these.
PLAYLIST_METAS = Selector(
    "playlist metas",
    (
        '#tlTab meta[itemprop]:not([itemprop="tracks"] meta)',
        '[itemtype*="schema.org/MusicPlaylist"] meta[itemprop]:not([itemprop="tracks"] meta)',
    ),
)
META_TITLE = "name"
META_DATE = "datePublished"
META_TRACK_COUNT = "numTracks"
META_GENRE = "genre"
META_DJ = "author"  # inside #tlTab; the body-level author outside it is the submitting user
PLAYLIST_COUNT_ATTRIBUTE = "data-count"

# --- rows -----------------------------------------------------------------------------------------

# Rows are `div.tlpItem`, not `[itemprop=tracks]`: full-ID rows have no itemprop at all. The
# second choice keeps a layout without `tlpItem` parseable from the metas alone.
ROW_CLASS = "tlpItem"  # also looked for in the text, where rows start (see PLAYLIST_START_TEXT)
ROWS = Selector("rows (div.tlpItem)", (f"div.{ROW_CLASS}", '[itemprop="tracks"]'))
# A row with one of these classes, or inside an element with one, is not a track: info headers,
# user suggestions.
NOT_TRACK_CLASSES = frozenset({"bItmH", "sugTog"})
WITH_PREVIOUS_CLASS = "con"
WITH_PREVIOUS_TEXT = "w/"
MASHUP_CLASS = "mashupTrack"
MASHUP_ATTRIBUTE = "data-mashpos"
MASHUP_MARK = Selector("mashup mark", ('i[title="mashup linked position"]',))

POSITION = Selector("track number", ('span[id$="_tracknumber_value"]',))
CUE_SECONDS = Selector("cue seconds", ('input[id$="_cue_seconds"]',))
CUE_TEXT = Selector("cue", ('div.cue[data-mode="hours"]', "div.cue"))

TRACK_VALUE = Selector("track value", ("span.trackValue",))
TRACK_VALUE_HIDDEN = Selector("hidden text", ("span.tgHid",))
TRACK_TITLE = Selector("track title", ("span.trackValue span.notranslate",))
# The remix: `span.remixValue` until 2022; since 2023 a second `span.notranslate` right after the
# title's, holding "(", the remixer in `span.blueTxt` and " Remix)" (or Edit, Dub, ...). Whatever
# the next layout does, rows.py checks what the row shows against the track's name meta and reads
# the meta when they disagree, so an unknown markup never doubles the remix.
TRACK_REMIX = Selector(
    "remix", ("span.remixValue", "span.trackValue span.notranslate + span.notranslate")
)
TRACK_EDIT = Selector("edit note", ("span.trackEditData",))
TRACK_LABEL = Selector("label", ("span.trackLabel",))

TRACK_METAS = Selector("track metas", ('[itemprop="tracks"]',))  # the metas are its children
TRACK_META_NAME = "name"  # "Artist - Title (Remix)"
TRACK_META_ARTIST = "byArtist"  # the main artist only
TRACK_META_LABEL = "publisher"  # full label name
TRACK_URL = Selector("track URL", ('[itemprop="tracks"] > meta[itemprop="url"]',))  # `content`
# "Artist - Title (Remix)" in `content`: what the visible parts must agree with.
TRACK_NAME = Selector("track name", ('[itemprop="tracks"] > meta[itemprop="name"]',))

# --- challenge and homepage -----------------------------------------------------------------------

CHALLENGE = Selector(
    "challenge form",
    ('form input[name*="captcha"]', 'form[action*="captcha"]', "form .g-recaptcha"),
)
CHALLENGE_TEXTS = ("please wait, you will be forwarded",)
CHALLENGE_TEXT_ELEMENTS = Selector("challenge text", ("h1, h2, h3, p, title",))
HOMEPAGE_PATHS = frozenset({"", "/", "/index.html", "/index.php"})
# Without a canonical link, a page with no title block and several tracklist links is a generic
# listing (the homepage) served in place of what we asked for.
TRACKLIST_LINKS = Selector("tracklist links", ('a[href*="/tracklist/"]',))
HOMEPAGE_MIN_TRACKLIST_LINKS = 3

# --- search results, DJ and source pages ----------------------------------------------------------

LISTING_ITEMS = Selector("result items", ("div.bItm", ".bItm"))
LISTING_LINK = Selector("result link", (".bTitle a[href]", "a[href]"))
LISTING_DATE = Selector("result date", ('[title="tracklist date"]', "time[datetime]"))
NEXT_PAGE = Selector(
    "next page link",
    ("ul.pagination li.next a[href]", 'a[rel="next"][href]', 'a[title="next page"][href]'),
)
LISTING_KINDS = (("/tracklist/", "tracklist"), ("/dj/", "dj"), ("/source/", "source"))
