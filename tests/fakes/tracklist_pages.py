"""Realistic 1001tracklists pages, in the site's real markup, for the parser and the fake site.

Every builder returns the page as `str` (encode it as you serve it); all text is escaped with
`html.escape` as a real server would, so `<script>` in a title arrives as text.

    rows = [
        Row("ARTBAT", "Horizon", label="UPPERGROUND", cue=0),
        Row("Tale Of Us & Mind Against", "Astral", remix="Afterlife Remix", cue=204),
        Row("Anyma ft. Chris Avantgarde", "Eternity"),         # no cue (hidden 0) on a cued page
        Row("Someone", "Other Track", with_previous=True),    # "w/" row: no number, no cue
        Header("Set 2: live from the main stage"),            # info header row (not a track)
        Suggestion("Fan", "Guess"),                           # user suggestion (not a track)
        Row(ID, ID, cue=600),                                  # full-ID row: no itemprop, no metas
        Row("Mathame", ID, cue=700),                           # partly-ID row
        Row("Mashup Maker", "Big Mashup", cue=800),
        Row("Part A", "Song A", mashup_part=True),             # mashup parts: no number, no cue
        Row("Part B", "Song B", mashup_part=True),
        Row("Kölsch", "Grey", label="Kompakt · コンパクト", publisher="<b>Kompakt</b> GmbH"),
    ]
    html = tracklist_page("2k3l4m9", "artbat-tomorrowland-2023-07-21", "ARTBAT @ Tomorrowland",
                          djs=["ARTBAT"], source="Tomorrowland", date="2023-07-21",
                          genres=["Techno", "Melodic Techno"], rows=rows)
    tracklist_page(..., rows=generated_rows(120, spacing=60))  # > 99 tracks, > 100 minutes
    tracklist_page(..., cues=False)        # no cue markup at all (pages without cues are common)
    tracklist_page(..., claimed=22)        # the count the page claims (default: numbered rows)
    tracklist_page(..., base_url=site.url) # the canonical link's site (default: the real one)
    tracklist_page(..., charset="iso-8859-1")  # declared in <meta charset>; encode accordingly
    tracklist_page(..., submitter="user")  # the body-level author meta (never a DJ)
    tracklist_page(..., ads=False)         # no ad blocks and scripts between rows
    tracklist_page(..., pad_kb=100)        # + inline scripts and sidebar markup (bench: ~400 KB)
    tracklist_path(id, slug) -> "/tracklist/<id>/<slug>.html"
    dj_path(name) -> "/dj/<slug>/index.html";  source_path(name) -> "/source/<id>/<slug>/index.html"
    challenge_page(); homepage(base_url)   # both served with status 200 by the real site
    search_page([Entry("tracklist", "Title", "/tracklist/…", date="2023-07-21"), …],
                query="x", selection=9, next_url=None)   # POST /search/result.php's answer
    listing_page(entries, next_url="/dj/artbat/index.html?page=2", heading="ARTBAT")  # DJ/source

Numbering: a `Row` without `position` gets the next number; "w/" rows and mashup parts get none.
`Row.position` overrides it (duplicate positions are possible that way). Cues: `Row.cue` seconds
go to the hidden input and the visible `div.cue`; a row without a cue on a cued page has a hidden
0 and an empty `div.cue`, as on the site.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date as Date
from html import escape

ID = "ID"
BASE_URL = "https://www.1001tracklists.com"


@dataclass(frozen=True)
class Row:
    """One track row as the site shows it.

    `artist` is the displayed credit: "A & B" is rendered with `span.spLR`, " ft. " as text.
    `remix` is the text inside the brackets ("X Remix"); `remixer` the blue part of it (default:
    `remix` without its last word). `remix_markup` is how the page shows it: "remixValue" (the
    older layout, `span.remixValue`), "notranslate" (the 2023 layout: a sibling
    `span.notranslate` after the title's) or, invented to test what a fourth layout does,
    "in_title" (the remix inside the title's own span) and "unknown" (a class no selector
    knows). `edit` is shown as "(Live Edit)". `label` is the short label shown in
    `span.trackLabel`; `publisher` the full name in the meta (default: `label`; may hold markup,
    which the page escapes). `cue` in seconds (None: the row has no cue). A row whose
    artist and title are both "ID" is rendered as the site does: no itemprop, no metas.
    """

    artist: str = "Artist"
    title: str = "Title"
    remix: str | None = None
    remixer: str | None = None
    remix_markup: str = "remixValue"
    edit: str | None = None
    label: str | None = None
    publisher: str | None = None
    cue: int | None = None
    with_previous: bool = False
    mashup_part: bool = False
    position: int | None = None
    url: str | None = None  # the track page path; default made from the names (none for ID rows)
    genre: str | None = None
    duration: str | None = "PT6M"  # ISO 8601, the meta's format

    @property
    def full_id(self) -> bool:
        return self.artist == ID and self.title == ID


@dataclass(frozen=True)
class Header:
    """An info header between rows (`div.bItmH`), e.g. "Set 2": not a track."""

    text: str


@dataclass(frozen=True)
class Suggestion:
    """A user's suggestion for an ID (`div.sugTog`, hidden by default): not a track."""

    artist: str
    title: str


@dataclass(frozen=True)
class Entry:
    """One result on a search, DJ or source page. `kind` is "tracklist", "dj" or "source";
    `url` a site path (or absolute URL); `date` YYYY-MM-DD for tracklists."""

    kind: str
    title: str
    url: str
    date: str | None = None


PageItem = Row | Header | Suggestion


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "x"


def short_id(text: str) -> str:
    """A stable site-style id ("2k3l4m9") for a name."""
    digest = hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()
    return format(int(digest[:10], 16), "x")[:7]


def tracklist_path(tracklist_id: str, slug: str) -> str:
    return f"/tracklist/{tracklist_id}/{slug}.html"


def dj_path(name: str) -> str:
    return f"/dj/{slugify(name)}/index.html"


def source_path(name: str) -> str:
    return f"/source/{short_id(name)}/{slugify(name)}/index.html"


def format_cue_text(seconds: int) -> str:
    """What `div.cue[data-mode=hours]` shows: h:mm:ss from an hour on, else mm:ss."""
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def generated_rows(
    n: int,
    *,
    with_cues: bool = True,
    start_seconds: int = 0,
    spacing: int = 180,
    variety: bool = False,
) -> list[Row]:
    """`n` numbered rows "Artist i - Title i [LABEL i%7]", cues `start_seconds + i*spacing`.

    With `variety`, like a real list: remixes, "ft." credits, a "w/" row after every 10th track,
    an ID row every 13th (these extra rows are not counted in `n`)."""
    rows: list[Row] = []
    for i in range(1, n + 1):
        cue = start_seconds + (i - 1) * spacing if with_cues else None
        if variety and i % 13 == 0:
            rows.append(Row(ID, ID, cue=cue))
            continue
        artist = f"Artist {i}"
        if variety and i % 4 == 0:
            artist = f"Artist {i} ft. Singer {i}"
        elif variety and i % 5 == 0:
            artist = f"Artist {i} & Partner {i}"
        remix = f"Remixer {i} Remix" if variety and i % 3 == 0 else None
        rows.append(
            Row(artist, f"Title {i}", remix=remix, label=f"LABEL {i % 7}", cue=cue, genre="Techno")
        )
        if variety and i % 10 == 0:
            rows.append(Row(f"Other {i}", f"Acapella {i}", with_previous=True, label="WHITE"))
    return rows


def tracklist_page(
    tracklist_id: str = "2k3l4m9",
    slug: str = "artbat-tomorrowland-2023-07-21",
    title: str = "ARTBAT @ Tomorrowland, Boom, Belgium 2023-07-21",
    *,
    djs: Sequence[str] = ("ARTBAT",),
    source: str | Sequence[str] | None = "Tomorrowland",
    date: str | Date | None = "2023-07-21",
    genres: Sequence[str] = ("Techno",),
    rows: Sequence[PageItem] = (),
    claimed: int | None = None,
    cues: bool = True,
    submitter: str = "crate_digger_93",
    base_url: str = BASE_URL,
    charset: str = "utf-8",
    ads: bool = True,
    pad_kb: int = 0,
) -> str:
    """A tracklist page. `claimed` is the page's numTracks/data-count (default: the numbered rows);
    `base_url` is used for the canonical link; `charset` is declared in `<meta charset>`."""
    sources = [source] if isinstance(source, str) else list(source or ())
    numbered = _numbered(rows)
    count = claimed if claimed is not None else sum(1 for _, n in numbered if n is not None)
    day = date.isoformat() if isinstance(date, Date) else date
    canonical = base_url.rstrip("/") + tracklist_path(tracklist_id, slug)

    h1_parts = [" &amp; ".join(_link(dj_path(dj), dj) for dj in djs)]
    if sources:
        h1_parts.append(" @ " + ", ".join(_link(source_path(s), s) for s in sources))
    if day:
        h1_parts.append(f" {escape(day)}")

    metas = [f'<meta itemprop="name" content="{escape(title)}">']
    if day:
        metas.append(f'<meta itemprop="datePublished" content="{escape(day)}">')
    metas.append(f'<meta itemprop="numTracks" content="{count}">')
    metas += [f'<meta itemprop="genre" content="{escape(g)}">' for g in genres]
    metas.append(f'<meta itemprop="author" content="{escape(" & ".join(djs))}">')

    body_rows: list[str] = []
    parent = 0  # the numbered row a mashup part belongs to (`data-mashpos`)
    for index, (item, number) in enumerate(numbered):
        parent = number if number is not None else parent
        if ads and index and index % 8 == 0:
            body_rows.append(_ad_block(index))
        if isinstance(item, Header):
            header = escape(item.text)
            body_rows.append(
                f'<div class="bItm bItmH tlpItem"><div class="bCont">{header}</div></div>'
            )
        elif isinstance(item, Suggestion):
            body_rows.append(_suggestion(item, index))
        else:
            first = index == _first_track(numbered)
            body_rows.append(_row(item, index, number, cues, first=first, mashpos=parent))

    head_padding, body_padding = _padding(pad_kb) if pad_kb else ("", "")
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="{escape(charset)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)} | 1001Tracklists</title>
<link rel="canonical" href="{escape(canonical)}">
<meta property="og:type" content="music.playlist">
<meta property="og:url" content="{escape(canonical)}">
<meta property="og:title" content="{escape(title)}">
<link rel="stylesheet" href="/css/main.min.css?v=1703">
<script>var tlId = "{escape(tracklist_id)}"; var pageType = "tracklist";</script>
{head_padding}
</head>
<body class="tracklist">
{_top_bar()}
<div id="middleDiv">
<div id="leftContent">
<div id="pageTitle" class="fontL"><h1 class="notranslate">{"".join(h1_parts)}</h1></div>
<div class="tlHead" itemscope itemtype="http://schema.org/Person">
<span class="mr5">submitted by</span><meta itemprop="author" content="{escape(submitter)}">
<a href="/user/{escape(slugify(submitter))}/index.html">{escape(submitter)}</a>
</div>
<div id="tlTab" class="tlTab" itemscope itemtype="http://schema.org/MusicPlaylist" \
data-count="{count}">
{chr(10).join(metas)}
{chr(10).join(body_rows)}
</div>
<div class="tlFooter">Tracklist {count} tracks. <a href="/forum/index.html">Discuss</a></div>
</div>
{body_padding}
</div>
{_footer()}
<script src="/js/tracklist.min.js?v=1703"></script>
<script>window.dataLayer = window.dataLayer || [];
dataLayer.push({{"tl": "{escape(tracklist_id)}"}});</script>
</body>
</html>
"""


def challenge_page() -> str:
    """The anti-bot page the site serves (with status 200) to bursts of requests."""
    return """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>1001Tracklists</title>
<meta http-equiv="refresh" content="8">
<script>setTimeout(function () { document.getElementById("cf").submit(); }, 5000);</script>
</head>
<body>
<div class="cBox" style="margin: 80px auto; width: 420px; text-align: center">
<h2>Please wait, you will be forwarded</h2>
<p>We are checking your browser. This may take a few seconds.</p>
<form id="cf" method="post" action="/captcha/verify.php">
<input type="hidden" name="captcha" value="a83f2c19e0">
<div class="g-recaptcha" data-sitekey="6Lc0000000000000000000000000000000000000"></div>
<noscript><input type="submit" value="Continue"></noscript>
</form>
</div>
</body></html>
"""


def homepage(base_url: str = BASE_URL) -> str:
    """The generic homepage, which the site also serves at tracklist URLs when it is wary."""
    latest = [
        Entry("tracklist", f"DJ {i} @ Club {i} 2024-03-0{i}", tracklist_path(f"1a{i}b", f"dj-{i}"))
        for i in range(1, 8)
    ]
    items = "\n".join(_listing_item(entry) for entry in latest)
    root = base_url.rstrip("/") + "/"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>1001Tracklists | The World's Leading DJ Tracklist/Playlist Database</title>
<link rel="canonical" href="{escape(root)}">
<meta property="og:url" content="{escape(root)}">
<meta property="og:type" content="website">
<script>var pageType = "home";</script>
</head>
<body class="home">
{_top_bar()}
<div id="middleDiv">
<div class="bTitleBar"><h2>Latest Tracklists</h2></div>
<div class="bList">{items}</div>
<div class="bTitleBar"><h2>Trending DJs</h2></div>
<ul class="topList">
<li><a href="{dj_path("Charlotte de Witte")}">Charlotte de Witte</a></li>
<li><a href="{dj_path("Fred again..")}">Fred again..</a></li>
</ul>
</div>
{_footer()}
</body></html>
"""


def search_page(
    entries: Sequence[Entry], *, query: str = "", selection: int = 9, next_url: str | None = None
) -> str:
    """The answer to `POST /search/result.php` (main_search=query, search_selection=selection:
    9 tracklists, 8 DJs, 11 sources)."""
    options = "".join(
        f'<option value="{value}"{" selected" if value == selection else ""}>{name}</option>'
        for value, name in ((9, "Tracklists"), (8, "DJs"), (11, "Sources"), (2, "Tracks"))
    )
    items = "\n".join(_listing_item(entry) for entry in entries) or (
        '<div class="bItm">No results found.</div>'
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Search results for {escape(query)} | 1001Tracklists</title>
</head>
<body class="search">
{_top_bar()}
<div id="middleDiv">
<form id="searchForm" method="post" action="/search/result.php">
<input type="text" name="main_search" value="{escape(query)}">
<select name="search_selection">{options}</select>
<button type="submit">Search</button>
</form>
<div class="bTitleBar"><h2>Results for &quot;{escape(query)}&quot;</h2></div>
<div class="bList">
{items}
</div>
{_pagination(next_url)}
</div>
{_footer()}
</body></html>
"""


def listing_page(
    entries: Sequence[Entry], next_url: str | None = None, *, heading: str = "ARTBAT"
) -> str:
    """A DJ page (`/dj/<slug>/index.html`) or source page (`/source/<id>/<slug>/index.html`):
    the tracklists it lists, and a "next page" link when `next_url` is given."""
    items = "\n".join(_listing_item(entry) for entry in entries)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{escape(heading)} Tracklists | 1001Tracklists</title>
</head>
<body class="dj">
{_top_bar()}
<div id="middleDiv">
<div id="pageTitle"><h1 class="notranslate">{escape(heading)}</h1></div>
<div class="bList">
{items}
</div>
{_pagination(next_url)}
<div class="rightBox"><h3>Similar</h3><ul class="topList">
<li><a href="{dj_path("Anyma")}">Anyma</a></li>
<li><a href="{source_path("Afterlife")}">Afterlife</a></li>
<li><a href="{tracklist_path("9z9z9z9", "not-listed")}">Popular tracklist</a></li>
</ul></div>
</div>
{_footer()}
</body></html>
"""


# --- pieces -------------------------------------------------------------------------------------


def _numbered(rows: Sequence[PageItem]) -> list[tuple[PageItem, int | None]]:
    numbered: list[tuple[PageItem, int | None]] = []
    running = 0
    for item in rows:
        number: int | None = None
        if isinstance(item, Row) and not item.with_previous and not item.mashup_part:
            running = item.position if item.position is not None else running + 1
            number = running
        numbered.append((item, number))
    return numbered


def _first_track(numbered: list[tuple[PageItem, int | None]]) -> int:
    return next((i for i, (_, number) in enumerate(numbered) if number is not None), -1)


def _link(path: str, text: str, css: str = "notranslate") -> str:
    return f'<a href="{escape(path)}" class="{css}">{escape(text)}</a>'


def _artist_html(credit: str) -> str:
    """ "A & B ft. C" the way the site shows it: links, `span.spLR` for "&", " ft. " as text."""
    featured = credit.split(" ft. ")
    parts = []
    for part in featured:
        names = part.split(" & ")
        parts.append(
            '<span class="spLR">&amp;</span> '.join(
                f'<a href="/artist/{short_id(name)}/{slugify(name)}/index.html" class="tgArt">'
                f"{escape(name)}</a> "
                for name in names
            ).rstrip()
        )
    return " ft. ".join(parts)


def _remix_html(row: Row) -> str:
    assert row.remix is not None
    remixer = row.remixer
    if remixer is None and " " in row.remix:
        remixer = row.remix.rsplit(" ", 1)[0]
    if remixer and remixer in row.remix:
        before, after = row.remix.split(remixer, 1)
        # The 2023 layout follows the remixer with the hidden link every artist name has.
        hidden = (
            f'<span class="tgHid"><a href="/artist/{short_id(remixer)}/{slugify(remixer)}/'
            f'index.html">{escape(remixer)}</a></span>'
            if row.remix_markup == "notranslate"
            else ""
        )
        inner = (
            f'{escape(before)}<span class="blueTxt">{escape(remixer)}</span>{hidden}{escape(after)}'
        )
    else:
        inner = escape(row.remix)
    css = {"remixValue": "remixValue", "notranslate": "notranslate", "unknown": "versionValue"}
    return f' <span class="{css[row.remix_markup]}">({inner})</span>'


def _name_meta(row: Row) -> str:
    name = f"{row.artist} - {row.title}"
    if row.remix:
        name += f" ({row.remix})"
    return name


def _row(row: Row, index: int, number: int | None, cues: bool, *, first: bool, mashpos: int) -> str:
    track_id = short_id(f"{row.artist}|{row.title}|{row.remix}")
    classes = ["tlpTog", "bItm", "tlpItem", f"trRow{index % 2 + 1}"]
    if row.with_previous:
        classes.append("con")
    if row.mashup_part:
        classes.append("mashupTrack")
    attrs = f'class="{" ".join(classes)}" id="tlp_{index}" data-trackid="{track_id}"'
    if row.mashup_part:
        attrs += f' data-mashpos="{mashpos}"'

    cue_html = ""
    if cues and not row.with_previous and not row.mashup_part:
        seconds = row.cue if row.cue is not None else 0
        shown = format_cue_text(row.cue) if row.cue is not None and (row.cue or first) else ""
        cue_html = (
            '<div class="bPlay"><div class="cueValueField">'
            f'<div class="cue noWrap action mt5" data-mode="hours">{shown}</div></div>'
            f'<input type="hidden" id="tlp{index}_cue_seconds" value="{seconds}"></div>'
        )

    if row.with_previous:
        number_html = f'<span id="tlp{index}_tracknumber_value" class="fontXL">w/</span>'
    elif row.mashup_part:
        number_html = '<i class="fa fa-link" title="mashup linked position"></i>'
    else:
        number_html = f'<span id="tlp{index}_tracknumber_value" class="fontXL">{number:02d}</span>'

    if row.full_id:
        return (
            f'<div {attrs}>{cue_html}<div class="bCont tl">{number_html}\n'
            '<span class="trackValue notranslate redTxt">ID - ID</span>\n</div></div>'
        )

    metas = [f'<meta itemprop="name" content="{escape(_name_meta(row))}">']
    main_artist = re.split(r" & | ft\. ", row.artist)[0]
    metas.append(f'<meta itemprop="byArtist" content="{escape(main_artist)}">')
    publisher = row.publisher if row.publisher is not None else row.label
    if publisher:
        metas.append(f'<meta itemprop="publisher" content="{escape(publisher)}">')
    if row.duration:
        metas.append(f'<meta itemprop="duration" content="{escape(row.duration)}">')
    if row.genre:
        metas.append(f'<meta itemprop="genre" content="{escape(row.genre)}">')
    url = row.url
    if url is None and ID not in (row.artist, row.title):
        url = f"/track/{track_id}/{slugify(row.artist)}-{slugify(row.title)}/index.html"
    if url:
        metas.append(f'<meta itemprop="url" content="{escape(url)}">')
    tracks = (
        '<div itemprop="tracks" itemscope itemtype="http://schema.org/MusicRecording">'
        + "".join(metas)
        + "</div>"
    )

    artist = '<span class="redTxt">ID</span>' if row.artist == ID else _artist_html(row.artist)
    title_class = "notranslate redTxt" if row.title == ID else "notranslate blueTxt"
    in_title = row.remix is not None and row.remix_markup == "in_title"
    shown_title = f"{row.title} ({row.remix})" if in_title else row.title
    value = (
        f'<span class="trackValue notranslate" id="tr_{track_id}">'
        f"{artist}"
        # Hidden text the player's menu uses, between artist and title: a parser must drop it.
        f'<span class="tgHid"> Save Track - Add to playlist </span>'
        f' - <span class="{title_class}">{escape(shown_title)}</span>'
        + (_remix_html(row) if row.remix and not in_title else "")
        + "</span>"
    )
    extra = ""
    if row.edit:
        extra += f' <span class="trackEditData">({escape(row.edit)})</span>'
    if row.label:
        # The square brackets around the label are CSS (::before/::after), not text.
        extra += (
            f' <span class="trackLabel" title="label"><a href="/label/{short_id(row.label)}/'
            f'{slugify(row.label)}/index.html">{escape(row.label)}</a></span>'
        )
    return (
        f'<div {attrs}>{cue_html}<div class="bCont tl">{number_html}\n'
        f"{tracks}\n{value}{extra}\n{_row_tools(track_id)}</div></div>"
    )


def _row_tools(track_id: str) -> str:
    """The player and shop buttons, menus and counters each track row carries (most of a real
    page's weight)."""
    media = "".join(
        f'<a class="mAction" data-source="{name}" data-trackid="{track_id}" href="#"'
        f' title="play on {name}" rel="nofollow"><i class="fa fa-{name}"></i></a>'
        for name in ("spotify", "youtube", "soundcloud", "beatport", "apple", "deezer")
    )
    menu = "".join(
        f'<li><a href="#" data-action="{action}" data-id="{track_id}">'
        f'<i class="fa fa-{icon}"></i> {label}</a></li>'
        for action, icon, label in (
            ("save", "star", "Save track"),
            ("playlist", "list", "Add to playlist"),
            ("share", "share", "Share"),
            ("report", "flag", "Report an error"),
        )
    )
    return (
        '<div class="tlToogleData"><span class="fa fa-play"></span> <span>Play</span></div>'
        f'<div class="mediaRow" id="media_{track_id}" style="display: none">{media}</div>'
        f'<div class="tlpMenu dropdown"><button class="btn btn-xs" data-toggle="dropdown"'
        f' aria-expanded="false"><i class="fa fa-ellipsis-v"></i></button>'
        f'<ul class="dropdown-menu">{menu}</ul></div>'
        '<div class="addInfo"><span class="badge" title="played in other tracklists">'
        f'<i class="fa fa-refresh"></i> {int(track_id, 16) % 97}</span></div>'
    )


def _suggestion(item: Suggestion, index: int) -> str:
    return (
        f'<div class="sugTog" id="sug_{index}" style="display: none">'
        '<div class="bItm tlpItem sugItem"><span class="fontS">suggested by a user:</span> '
        f'<span class="trackValue">{escape(item.artist)} - '
        f'<span class="notranslate">{escape(item.title)}</span></span></div></div>'
    )


def _ad_block(index: int) -> str:
    return (
        f'<div class="adContainer" id="ad_{index}"><ins class="adsbygoogle" '
        f'data-ad-slot="{1000 + index}"></ins>'
        "<script>(adsbygoogle = window.adsbygoogle || []).push({});</script></div>\n"
        f'<script>if (window.tlp) {{ tlp.lazy("{index}", "<div class=\\"tlpItem\\">"); }}</script>'
    )


def _listing_item(entry: Entry) -> str:
    date_html = (
        f'<div class="bCont"><span class="fontS" title="tracklist date">{escape(entry.date)}'
        "</span></div>"
        if entry.date
        else ""
    )
    return (
        f'<div class="bItm action oItm" data-type="{escape(entry.kind)}">'
        '<div class="bPic"><img src="/images/placeholder.png" alt=""></div>'
        f'<div class="bTitle">{_link(entry.url, entry.title, css="notranslate")}</div>'
        f"{date_html}</div>"
    )


def _pagination(next_url: str | None) -> str:
    if not next_url:
        return '<ul class="pagination"><li class="active"><span>1</span></li></ul>'
    return (
        '<ul class="pagination"><li class="active"><span>1</span></li>'
        f'<li><a href="{escape(next_url)}">2</a></li>'
        f'<li class="next"><a href="{escape(next_url)}" rel="next" title="next page">'
        "&raquo;</a></li></ul>"
    )


def _top_bar() -> str:
    return (
        '<div id="topBar"><a href="/" class="logo">1001Tracklists</a>'
        '<form method="post" action="/search/result.php"><input name="main_search">'
        '<input type="hidden" name="search_selection" value="9"></form>'
        f'<ul class="nav"><li><a href="{dj_path("Martin Garrix")}">Top DJ</a></li>'
        f'<li><a href="{source_path("Ultra Music Festival Miami")}">Top Event</a></li></ul></div>'
    )


def _footer() -> str:
    return (
        '<div id="footer"><a href="/about.html">About</a> <a href="/privacy.html">Privacy</a>'
        " &copy; 1001Tracklists</div>"
    )


def _padding(kb: int) -> tuple[str, str]:
    """About `kb` KB of what fills a real page besides the tracklist: half inline scripts (ad
    config, consent, player) for the head, half markup (the sidebar: related tracklists, top
    lists, comments) for the body."""
    chunk = (
        "window.__cfg = window.__cfg || {}; __cfg.slots = __cfg.slots || [];"
        ' __cfg.slots.push({"id": "div-gpt-ad-%d", "sizes": [[728, 90], [970, 250]],'
        ' "targeting": {"pos": "atf", "kw": ["techno", "house", "trance"]}});\n'
    )
    item = (
        '<div class="bItm oItm" data-id="r{i}"><div class="bPic"><img src="/images/r{i}.jpg"'
        ' alt="" loading="lazy" width="60" height="60"></div><div class="bTitle">'
        '<a href="/dj/dj-{i}/index.html" class="notranslate">DJ {i}</a> @ <a href="/source/s{i}/'
        'club-{i}/index.html">Club {i}</a></div><div class="bCont"><span class="fontS">'
        '<i class="fa fa-calendar"></i> 2024-02-{d:02d}</span> <span class="badge">{i} tracks'
        '</span></div><div class="comment"><b>user{i}</b>: what a set! <a href="#c{i}">reply</a>'
        "</div></div>\n"
    )
    half = kb * 1024 // 2
    script: list[str] = []
    size = i = 0
    while size < half:
        script.append(chunk % i)
        size += len(script[-1])
        i += 1
    markup: list[str] = []
    size = i = 0
    while size < half:
        markup.append(item.format(i=i, d=i % 28 + 1))
        size += len(markup[-1])
        i += 1
    head = "<script>\n" + "".join(script) + "</script>\n<style>.tlpItem{padding:4px}</style>"
    body = '<div id="rightContent"><div class="bList">' + "".join(markup) + "</div></div>"
    return head, body
